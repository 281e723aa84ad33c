"""B.3.14 Validation."""

from __future__ import annotations

import math

from cea.appendix.citations import clean
from cea.appendix.document import (
    AppendixContext,
    number,
    significant,
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
        rows.append([check_label(c), ctx.labels.get(c.arm, c.arm), _check_value(c, c.model), _check_value(c, c.target),
                     band, "Pass" if c.passed else "FAIL"])
    return rows


KIND_TEXT = {"internal": "Internal (dependent): against the data the curves were fitted or calibrated to",
             "external": "External (independent): against data not used to build the model",
             "structural": "Structural: checks of the model's logic"}


def check_kind(check) -> str:
    """internal, external or structural: the check's own ``kind`` when the targets state it; otherwise a check of
    a PFS or OS statistic is internal (the shipped targets are the fitting data) and the rest are structural."""
    kind = getattr(check, "kind", None)
    if kind:
        return str(kind)
    metric = getattr(check, "metric", "")
    return "internal" if metric.startswith(("pfs_", "os_")) and not metric.endswith("general_population") \
        else "structural"


def validation_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("validation", "Validation")
    if b.validation is None:
        w.paragraph("No validation targets are in the inputs of this run, so the model outcomes were not compared with "
                    "observed data.", italic=True)
    else:
        checks = list(b.validation.checks)
        kinds = {}
        for c in checks:
            kinds.setdefault(check_kind(c), []).append(c)
        failed = [c for c in checks if not c.passed]
        w.paragraph(
            f"The model was validated following AdViSHE {ctx.cite('Vemer 2016')} (the completed questionnaire is in "
            "section B.3.14.3). Modelled outcomes were compared with observed data and with structural rules "
            f"(Table {ctx.next_table()}): "
            + "; ".join(f"{len(v)} {k} check(s)" for k, v in kinds.items())
            + f". {len(checks) - len(failed)} of {len(checks)} are within their accepted range"
            + (": failed — " + ", ".join(f"{check_label(c)} ({ctx.labels.get(c.arm, c.arm)})" for c in failed) + "."
               if failed else ".")
            + " The internal checks compare the model with the data its curves were fitted or calibrated to: they "
            "show that the fitting and the Markov implementation reproduce those data, not that the extrapolation is "
            "right. The PFS medians hold by construction of the calibrated curve, and the OS targets are medians and "
            "landmarks of the patient-level data reconstructed from the published Kaplan–Meier curve "
            f"{ctx.cite_if('Piccart 2014')} {ctx.cite('Guyot 2012')}, which differ slightly from the published medians."
            + ("" if "external" in kinds else " No check in this run uses independent data (AdViSHE D4): "
               "long-term survival is not validated externally."))
        rows, groups = [], []
        for kind, items in kinds.items():
            rows.append([KIND_TEXT.get(kind, kind.capitalize()), "", "", "", "", ""])
            groups.append(len(rows) - 1)
            for c in items:
                lower, upper = c.lower, c.upper
                if lower is None or (isinstance(lower, float) and not math.isfinite(lower)):
                    band = f"≤ {_check_value(c, upper)}"
                else:
                    band = f"{_check_value(c, lower)} – {_check_value(c, upper)}"
                target = _check_value(c, c.target) + (" (KM of reconstructed data)"
                                                      if getattr(c, "target_basis", "stated") != "stated" else "")
                if getattr(c, "published", None) is not None:
                    target += f"; published {_check_value(c, c.published)}"
                result = (("Within" if c.passed else "Outside") if kind == "external"
                          else ("Pass" if c.passed else "FAIL"))
                rows.append([check_label(c), ctx.labels.get(c.arm, c.arm), _check_value(c, c.model), target, band,
                             result])
        w.table("Validation: modelled against observed outcomes, by kind of check", ("Outcome", "Arm", "Model",
                "Target", "Accepted range", "Result"), rows, (5.4, 3.0, 1.7, 1.7, 2.6, 1.6), align="llrrrc",
                font_size=7.5, bold_rows=groups,
                notes=["Accepted ranges: published 95% CI of the median, Kaplan–Meier 95% CI at a landmark, or a "
                       "tolerance set for this analysis (stated with each target in the inputs). Targets marked 'KM of "
                       "reconstructed data' are Kaplan–Meier values of patient-level data reconstructed from the "
                       "published curve (e.g. median OS 30.8 and 26.5 months), not the published figures (31.0 and "
                       "26.6 months), which are shown beside them."])
    ctx.figure("validation_overlay", "Modelled PFS and OS (solid) against the Kaplan–Meier curves available to the "
               "model (dashed); points: published medians with their accepted ranges",
               intro="Figure {n} overlays the modelled PFS and OS on the trial data available to the model.")
    cross_validation(ctx)


def cross_validation(ctx: AppendixContext) -> None:
    """This model beside the published analyses of the same comparison, re-run under their assumptions
    (AdViSHE A2/D2); rendered from the cross-validation analysis when the run has one."""
    w = ctx.w
    w.heading("Cross-validation against published analyses", level=2)
    result = getattr(ctx.bundle, "cross_validation", None)
    if result is None:
        w.paragraph("The inputs of this run list no published analyses to cross-validate against, so the model was "
                    "not compared with other models of the same decision (AdViSHE A2/D2 not done).")
        return
    frame = result.to_frame() if hasattr(result, "to_frame") else result
    wanted = [c for c in ("study", "published_result", "model_icer", "model_result", "differences", "status")
              if c in frame.columns]
    labels = {"study": "Analysis", "published_result": "Published result", "model_icer": "This model, re-run",
              "model_result": "This model, re-run", "differences": "Main differences", "status": "Verification"}
    rows = []
    for _, r in frame.iterrows():
        row = []
        for c in wanted:
            v = r[c]
            row.append(ctx.money(float(v)) if c == "model_icer" and isinstance(v, (int, float)) and v == v
                       else clean(str(v)) if v == v else "—")
        rows.append(row)
    w.paragraph(f"Table {ctx.next_table()} sets this model beside the published analyses of the same comparison, "
                "re-run with the model under each analysis's nearest assumptions, with the differences explained.")
    widths = {"study": 3.4, "published_result": 3.3, "model_icer": 2.2, "model_result": 2.2, "differences": 5.6,
              "status": 1.6}
    w.table("Cross-validation: published analyses and this model under their assumptions",
            [labels[c] for c in wanted], rows, [widths[c] for c in wanted], align="l" * len(wanted), font_size=7)
