"""Appendix sections on validation, verification, interpretation, the CHEERS 2022 checklist, the
run manifest and the references (NICE Document B, B.3.14–B.3.15)."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

from docx.shared import Cm, Pt

from cea.outputs.tables import icer_text
from cea.outputs.appendix_doc import AppendixContext, number, percent, qalys, significant
from cea.outputs.appendix_results import icer_sentence, wtp_text
from cea.outputs.cheers import checklist_rows

TESTS_DIR = Path(__file__).resolve().parents[2] / "tests"

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
    "Office for National Statistics. National life tables – life expectancy in the UK: 2017 to 2019. Newport: ONS; "
    "2020.",
    "Piccart M, Hortobagyi GN, Campone M, et al. Everolimus plus exemestane for hormone-receptor-positive, human "
    "epidermal growth factor receptor-2-negative advanced breast cancer: overall survival results from BOLERO-2. "
    "Ann Oncol 2014;25(12):2357–62.",
    "Strong M, Oakley JE, Brennan A. Estimating multiparameter partial expected value of perfect information from a "
    "probabilistic sensitivity analysis sample: a nonparametric regression approach. Med Decis Making "
    "2014;34(3):311–26.",
    "Woods B, Sideris E, Palmer S, Latimer N, Soares M. NICE DSU Technical Support Document 19: Partitioned survival "
    "analysis for decision modelling in health care: a critical review. Sheffield: Decision Support Unit, ScHARR; "
    "2017.",
    "Yardley DA, Noguchi S, Pritchard KI, et al. Everolimus plus exemestane in postmenopausal patients with HR+ "
    "breast cancer: BOLERO-2 final progression-free survival analysis. Adv Ther 2013;30(10):870–84.",
)


# --------------------------------------------------------------------------- validation
def check_label(check) -> str:
    metric, t = getattr(check, "metric", ""), getattr(check, "time_months", None)
    endpoint = metric.split("_")[0].upper() if metric else ""
    if metric.endswith("_median"):
        return f"Median {endpoint} (months)"
    if metric.endswith("_landmark"):
        return f"{endpoint} at {t:g} months"
    if metric.endswith("_rmst"):
        return f"Restricted mean {endpoint} to {t:g} months"
    if metric == "os_hazard_ratio":
        return f"Average OS hazard ratio to {t:g} months (ratio of cumulative hazards)"
    if metric == "dead_at_horizon":
        return "Proportion dead at the end of the horizon"
    if metric == "os_minus_general_population":
        return "Largest excess of modelled OS over general-population survival"
    if metric == "pf_minus_os":
        return "Largest PF − OS (PF never above OS)"
    return getattr(check, "name", metric)


def _check_value(check, value: float) -> str:
    metric = getattr(check, "metric", "")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric.endswith(("_median", "_rmst")):
        return number(value, 1 if metric.endswith("_median") else 2)
    if metric.endswith("_landmark") or metric == "dead_at_horizon":
        return number(value, 3)
    return significant(value, 3)


def validation_rows(ctx: AppendixContext) -> list[list[str]]:
    rows = []
    for c in ctx.bundle.validation.checks:
        lower, upper = c.lower, c.upper
        if lower is None or (isinstance(lower, float) and not math.isfinite(lower)):
            band = f"≤ {_check_value(c, upper)}"
        else:
            band = f"{_check_value(c, lower)} – {_check_value(c, upper)}"
        kind = getattr(c, "kind", "structural")
        target = _check_value(c, c.target) + (" (KM of reconstructed data)" if getattr(c, "target_basis", "stated")
                                              != "stated" else "")
        if getattr(c, "published", None) is not None:
            target += f"; published {_check_value(c, c.published)}"
        result = ("Within" if c.passed else "Outside") if kind == "external" else ("Pass" if c.passed else "FAIL")
        rows.append([KIND_LABELS.get(kind, kind), check_label(c), ctx.labels.get(c.arm, c.arm),
                     _check_value(c, c.model), target, band, result])
    return rows


KIND_LABELS = {"internal": "Internal", "external": "External", "structural": "Structural"}


def validation_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("validation", "Validation against the pivotal trial")
    if b.validation is None:
        w.paragraph("The external validation (modelled against observed medians, landmark survival and "
                    "Kaplan–Meier curves) is produced by `cea validate`; it was not part of this run.", italic=True)
        ctx.figure("validation_overlay", "Modelled PFS and OS against the trial's Kaplan–Meier curves")
        return
    checks = list(b.validation.checks)
    summary = b.validation.summary()
    failed = [c for c in checks if not c.passed]
    w.paragraph(
        "The Markov traces were compared with data, and each comparison is labelled by what it can show (AdViSHE; "
        "Vemer et al. 2016). Internal (dependent) validation compares the model with the data its curves were "
        "fitted or calibrated to — the published PFS medians the PFS Weibull was calibrated to, and the "
        "Kaplan–Meier estimate of the OS data reconstructed from the published curve, to which the OS curves were "
        "fitted: a pass shows that the fit is implemented as intended, not that the model predicts. External "
        "(independent) validation compares it with data not used to build it (an earlier OS data cut); structural "
        "checks test properties the model must have (modelled OS never above general-population survival; PF never "
        f"above OS; everyone dead by the horizon). Internal: {summary['internal']['passed']} of "
        f"{summary['internal']['checks']} within range; external: {summary['external']['passed']} of "
        f"{summary['external']['checks']}; structural: {summary['structural']['passed']} of "
        f"{summary['structural']['checks']}"
        + (". Outside their range: " + ", ".join(f"{check_label(c)} ({ctx.labels.get(c.arm, c.arm)})" for c in failed)
           + "." if failed else "."))
    w.table("Validation: modelled against observed outcomes, by kind", ("Kind", "Outcome", "Arm", "Model", "Target",
            "Accepted range", "Result"), validation_rows(ctx), (1.7, 4.6, 2.6, 1.5, 3.0, 2.4, 1.4), align="lllrrrc",
            font_size=7.5,
            notes=["Targets and bands: validation_targets.csv. Targets marked 'KM of reconstructed data' are "
                   "Kaplan–Meier values of IPD reconstructed from the published curve (e.g. median OS 30.8 and 26.5 "
                   "months), not the published figures (31.0 and 26.6 months), which are shown beside them; their "
                   "bands are the published 95% CIs. Landmarks: Kaplan–Meier with its 95% CI."])
    ctx.figure("validation_overlay", "Modelled PFS and OS (solid) against the trial's Kaplan–Meier curves (dashed); "
               "points: published medians with their accepted ranges")
    cross_validation_table(ctx)


def _ratio(value) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def cross_validation_table(ctx: AppendixContext) -> None:
    """Cross-validation (AdViSHE A2/D2): published analyses beside this model re-run under their assumptions."""
    result = getattr(ctx.bundle, "cross_validation", None)
    if result is None:
        return
    w, s = ctx.w, ctx.bundle.inputs.settings
    t = result.table
    published = t[t["analysis"] != "this_model"]
    w.paragraph(
        f"Cross-validation (AdViSHE A2/D2). {len(published)} published analyses of the comparison were found "
        f"({int((published['status'] == 'verified').sum())} verified in the source's own text; "
        f"{int((published['status'] == 'not_verified').sum())} not verified, listed without figures). Each comparable "
        "one is set beside this model re-run under its nearest assumptions (discount rates, horizon, price, OS "
        "assumption), applied exactly as `cea run --set` applies them; what still differs is stated in "
        "crossval.csv. Currencies differ, so ICERs are compared as multiples of the threshold each source "
        f"states (this model: {s.currency} {s.primary_wtp:,.0f} per QALY).")
    rows = []
    for r in t.itertuples():
        model = ("not re-run" if not r.comparable else
                 icer_text(r.model_icer, r.model_status, s.currency) if r.model_icer is not None
                 and not (isinstance(r.model_icer, float) and math.isnan(r.model_icer)) else r.model_status)
        rows.append([r.analysis, f"{r.country} {r.year}", r.status.replace("_", " "), r.published_result or "—",
                     _ratio(r.published_icer_to_threshold), model, _ratio(r.model_icer_to_threshold)])
    w.table("Cross-validation: published analyses and this model re-run under their assumptions",
            ("Analysis", "Country, year", "Status", "Published result", "Published / threshold",
             "Model re-run", "Model / threshold"), rows, (3.3, 1.8, 1.4, 4.6, 1.3, 2.0, 1.3), align="lllllrr",
            font_size=7.0, notes=["Source: published_analyses.csv (citations and the assumptions of each re-run); "
                                  "outputs crossval/crossval.csv and crossval.json."])


# --------------------------------------------------------------------------- verification
def test_modules(tests_dir: Path = TESTS_DIR) -> list[dict]:
    """The project's test modules: name, first docstring paragraph, number of tests, tools used."""
    modules = []
    if not tests_dir.is_dir():
        return modules
    for path in sorted(tests_dir.glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        doc = (ast.get_docstring(tree) or "").split("\n\n")[0].replace("\n", " ").strip()
        count = sum(1 for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and n.name.startswith("test"))
        tools = []
        if re.search(r"^\s*(from|import) hypothesis", text, re.M):
            tools.append("property-based (Hypothesis)")
        if "soffice" in text:
            tools.append("needs LibreOffice")
        modules.append({"module": f"tests/{path.name}", "description": doc, "tests": count, "notes": ", ".join(tools)})
    return modules


def verification_section(ctx: AppendixContext) -> None:
    w = ctx.w
    ctx.section("verification", "Model verification")
    given = ctx.verification is not None
    modules = list(ctx.verification) if given else test_modules()
    total = sum(int(m.get("tests", 0) or 0) for m in modules)
    workbook = next((m for m in modules if m["module"].endswith("test_workbook.py")), None)
    ways = ["black-box (expected output for chosen inputs)"]
    if workbook is not None:
        ways.append("by replication (the Excel workbook recalculated independently of the Python engine)")
    if any("Hypothesis" in str(m.get("notes", "")) for m in modules):
        ways.append("by property-based testing")
    w.paragraph(
        "Verification follows TECH-VER (Büyükkaramikli et al. 2019): input calculations, event-state (trace) "
        "calculations, result calculations, uncertainty analyses and overall checks, tested "
        + ", ".join(ways[:-1]) + (" and " if len(ways) > 1 else "") + ways[-1]
        + f". The project's automated test suite has {len(modules)} modules with {total} test "
        "functions, listed below; it runs with `make test` and in continuous integration on every change.")
    if workbook is not None:
        w.paragraph(f"Replication in Excel: {workbook['module']} — {workbook['description']}")
    if given:
        w.paragraph("The outcomes below are those supplied with this run.")
    else:
        w.paragraph("This document lists the tests; it does not run them, so no pass/fail results are claimed here. "
                    "The results of the suite for the commit in the run manifest are in the CI log.", italic=True)
    header = ["Test module", "What it checks", "Tests"] + (["Outcome"] if given else ["Notes"])
    rows = [[m["module"], m.get("description", ""), str(m.get("tests", "")),
             str(m.get("outcome", "")) if given else m.get("notes", "")] for m in modules]
    if rows:
        w.table("Automated verification tests", header, rows, (4.0, 8.4, 1.2, 2.4), align="llrl", font_size=7.5)
    else:
        w.paragraph("The test suite is not shipped with this installation.", italic=True)


# --------------------------------------------------------------------------- interpretation
def interpretation_section(ctx: AppendixContext) -> None:
    b, w, s = ctx.bundle, ctx.w, ctx.s
    ctx.section("interpretation", "Interpretation and limitations")
    inc = b.base_case.to_dict()["incremental"]
    summary = b.psa.summary()
    primary = f"{s.primary_wtp:g}"
    p_ce = summary["prob_cost_effective"].get(primary, {}).get(s.intervention)
    threshold = b.threshold.table
    price = threshold[threshold["wtp"] == s.primary_wtp]
    findings = [f"{icer_sentence(ctx, inc)} ({qalys(inc['qalys'])} QALYs gained at an additional "
                f"{ctx.money(inc['costs'])})."]
    if p_ce is not None:
        findings.append(f"The probability that {ctx.intervention} is cost-effective at {wtp_text(ctx, s.primary_wtp)} "
                        f"is {percent(p_ce, 1)}.")
    if len(price) and math.isfinite(float(price["threshold_value"].iloc[0])):
        r = price.iloc[0]
        findings.append(f"At {wtp_text(ctx, s.primary_wtp)} the price parameter [{r['parameter']}] would need to be "
                        f"{ctx.money(r['threshold_value'], 2)} instead of {ctx.money(r['base_value'], 2)} "
                        f"({number(r['relative_change_pct'], 1)}%).")
    w.paragraph(" ".join(findings))
    assumptions = [p.id for p in b.inputs.parameters.values() if p.is_assumption]
    limitations = []
    if assumptions:
        limitations.append(f"{len(assumptions)} of {len(b.inputs.parameters)} scalar parameters are assumptions "
                           f"(flagged ‡ in the parameter tables): {', '.join(assumptions)}. All are varied in the "
                           "one-way and probabilistic analyses unless fixed with a stated reason.")
    fitted = set(getattr(b.fits, "endpoints", {}) or {}) if b.fits is not None else set()
    if "pfs" not in fitted:
        limitations.append("No patient-level PFS data were available: PFS curves are calibrated to published medians "
                           "and the hazard ratio, so within-trial fit can be checked only at the medians.")
    if b.validation is not None and not b.validation.passed:
        limitations.append("Some validation checks fail (see the validation section).")
    limitations.append("List prices are used; confidential commercial arrangements are not modelled (see the threshold "
                       "analysis).")
    limitations.append("No subgroup analyses and no patient or public involvement in the model's design; "
                       "equity effects other than those of the NICE severity modifier are not quantified.")
    w.paragraph("", bold_lead="Limitations")
    w.bullets(limitations)


# --------------------------------------------------------------------------- CHEERS, manifest, references
def cheers_section(ctx: AppendixContext) -> None:
    ctx.section("cheers", "CHEERS 2022 checklist")
    ctx.w.paragraph("The CHEERS 2022 reporting checklist (Husereau et al. 2022), all 28 items in the published order, "
                    "with the section of this appendix that reports each item.")
    rows = [[r["item"], r["topic"], r["guidance"], r["reported_in"]] for r in checklist_rows(ctx.sections)]
    ctx.w.table("CHEERS 2022 checklist", ("No.", "Topic", "Guidance (paraphrased)", "Reported in"), rows,
                (1.0, 3.6, 6.0, 5.4), align="rlll", font_size=7.5)


def manifest_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("manifest", "Run manifest")
    m = b.manifest
    w.paragraph("Every number in this appendix comes from one run of the model, identified below; re-running "
                "the same version on the same inputs with the same seed reproduces it exactly.")
    overrides = ", ".join(f"{k}={v}" for k, v in m.overrides.items()) or "None"
    rows = [["Package version", f"cea {m.version}"], ["Git commit", m.git_commit or "Not available"],
            ["Inputs folder", m.inputs_folder], ["Inputs SHA-256", m.inputs_sha256],
            ["PSA seed", str(b.psa.seed)], ["PSA iterations", f"{b.psa.iterations:,}"], ["Overrides", overrides],
            ["Python / numpy", f"{m.python} / {m.numpy}"]]
    w.table("Run manifest", ("Item", "Value"), rows, (4.0, 12.0), align="ll", font_size=8)
    settings = [[k, ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in v) if isinstance(v, (list, tuple))
                 else (f"{v:g}" if isinstance(v, float) else str(v))] for k, v in m.settings.items()]
    w.table("Settings of the run (settings.toml after overrides)", ("Setting", "Value"), settings, (5.0, 11.0),
            align="ll", font_size=7.5)
    w.table("Input files and their SHA-256 hashes", ("File", "SHA-256"), [[k, v] for k, v in m.input_files.items()],
            (5.0, 11.0), align="ll", font_size=7)


def references_section(ctx: AppendixContext) -> None:
    ctx.section("references", "References")
    for k, text in enumerate(REFERENCES, start=1):
        p = ctx.w.paragraph(f"{k}.\t{text}", size=9)
        p.paragraph_format.left_indent = Cm(0.8)
        p.paragraph_format.first_line_indent = Cm(-0.8)
        p.paragraph_format.space_after = Pt(3)
