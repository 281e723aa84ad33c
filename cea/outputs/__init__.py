"""Outputs: tables, plots, workbook and appendix written from analysis results."""
