"""Parameters: validated input rows turned into distributions, point estimates and samples."""
