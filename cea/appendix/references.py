"""The reference list."""

from __future__ import annotations

from docx.shared import Cm, Pt

from cea.appendix.document import (
    AppendixContext,
)

REFERENCES = (
    "Ara R, Brazier JE. Populating an economic model with health state utility values: moving toward better "
    "practice. Value Health 2010;13(5):509–18.",
    "Baselga J, Campone M, Piccart M, et al. Everolimus in postmenopausal hormone-receptor-positive advanced breast "
    "cancer. N Engl J Med 2012;366(6):520–9.",
    "Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic Evaluation. Oxford: Oxford University "
    "Press; 2006.",
    "Büyükkaramikli NC, Rutten-van Mölken MPMH, Severens JL, Al M. TECH-VER: a verification checklist to reduce "
    "errors in models and improve their credibility. PharmacoEconomics 2019;37(11):1391–408.",
    "Elbasha EH, Chhatwal J. Theoretical foundations and practical applications of within-cycle correction methods. "
    "Med Decis Making 2016;36(1):115–31.",
    "Elbasha EH, Chhatwal J. Myths and misconceptions of within-cycle correction: a guide for modelers and decision "
    "makers. PharmacoEconomics 2016;34(1):13–22.",
    "Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data: reconstructing the data "
    "from published Kaplan–Meier survival curves. BMC Med Res Methodol 2012;12:9.",
    "Hatswell AJ, Bullement A, Briggs A, Paulden M, Stevenson MD. Probabilistic sensitivity analysis in "
    "cost-effectiveness models: determining model convergence in cohort models. PharmacoEconomics "
    "2018;36(12):1421–6.",
    "Husereau D, Drummond M, Augustovski F, et al. Consolidated Health Economic Evaluation Reporting Standards 2022 "
    "(CHEERS 2022) statement: updated reporting guidance for health economic evaluations. BMC Med 2022;20(1):23.",
    "Latimer N. NICE DSU Technical Support Document 14: Survival analysis for economic evaluations alongside "
    "clinical trials — extrapolation with patient-level data. Sheffield: Decision Support Unit, ScHARR; 2011 "
    "(updated March 2013).",
    "Lloyd A, Nafees B, Narewska J, Dewilde S, Watkins J. Health state utilities for metastatic breast cancer. "
    "Br J Cancer 2006;95(6):683–90.",
    "National Institute for Health and Care Excellence. NICE health technology evaluations: the manual (PMG36). "
    "London: NICE; 2022.",
    "National Institute for Health and Care Excellence. Everolimus with exemestane for treating advanced breast "
    "cancer after endocrine therapy (Cancer Drugs Fund reconsideration of TA295). Technology appraisal guidance "
    "TA421. London: NICE; 2016.",
    "Office for National Statistics. National life tables – life expectancy in the UK: 2017 to 2019. Newport: ONS; "
    "2020.",
    "Piccart M, Hortobagyi GN, Campone M, et al. Everolimus plus exemestane for hormone-receptor-positive, human "
    "epidermal growth factor receptor-2-negative advanced breast cancer: overall survival results from BOLERO-2. "
    "Ann Oncol 2014;25(12):2357–62.",
    "Sullivan SD, Mauskopf JA, Augustovski F, et al. Budget impact analysis—principles of good practice: report of "
    "the ISPOR 2012 Budget Impact Analysis Good Practice II Task Force. Value Health 2014;17(1):5–14.",
    "Strong M, Oakley JE, Brennan A. Estimating multiparameter partial expected value of perfect information from a "
    "probabilistic sensitivity analysis sample: a nonparametric regression approach. Med Decis Making "
    "2014;34(3):311–26.",
    "Woods B, Sideris E, Palmer S, Latimer N, Soares M. NICE DSU Technical Support Document 19: Partitioned survival "
    "analysis for decision modelling in health care: a critical review. Sheffield: Decision Support Unit, ScHARR; "
    "2017.",
    "Yardley DA, Noguchi S, Pritchard KI, et al. Everolimus plus exemestane in postmenopausal patients with HR+ "
    "breast cancer: BOLERO-2 final progression-free survival analysis. Adv Ther 2013;30(10):870–84.",
)


def references_section(ctx: AppendixContext) -> None:
    ctx.section("references", "References")
    for k, text in enumerate(REFERENCES, start=1):
        p = ctx.w.paragraph(f"{k}.\t{text}", size=9)
        p.paragraph_format.left_indent = Cm(0.8)
        p.paragraph_format.first_line_indent = Cm(-0.8)
        p.paragraph_format.space_after = Pt(3)
