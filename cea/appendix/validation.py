"""B.3.14 Validation."""

from __future__ import annotations

import math

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


def validation_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("validation", "Validation against the pivotal trial")
    if b.validation is None:
        w.paragraph("The external validation (modelled against observed medians, landmark survival and "
                    "Kaplan–Meier curves) is produced by `cea validate`; it was not part of this run.", italic=True)
        ctx.figure("validation_overlay", "Modelled PFS and OS against the trial's Kaplan–Meier curves")
        return
    checks = list(b.validation.checks)
    failed = [c for c in checks if not c.passed]
    w.paragraph(
        "The Markov traces were compared with the trial (AdViSHE D4, external validity; HTA_METHODS MS-8): modelled "
        "median PFS and OS against the published medians, landmark OS and restricted mean OS against the Kaplan–Meier "
        "estimate of the trial data, and two structural checks (modelled OS never above general-population survival; "
        f"PF never above OS). {len(checks) - len(failed)} of {len(checks)} checks are within their accepted range"
        + (": failed — " + ", ".join(f"{check_label(c)} ({ctx.labels.get(c.arm, c.arm)})" for c in failed) + "."
           if failed else "."))
    w.table("Validation: modelled against observed outcomes", ("Outcome", "Arm", "Model", "Target", "Accepted range",
            "Result"), validation_rows(ctx), (5.4, 3.0, 1.7, 1.7, 2.6, 1.6), align="llrrrc", font_size=7.5,
            notes=["Targets and bands: validation_targets.csv (published medians with their tolerance or 95% CI; "
                   "Kaplan–Meier landmarks with their 95% CI)."])
    ctx.figure("validation_overlay", "Modelled PFS and OS (solid) against the trial's Kaplan–Meier curves (dashed); "
               "points: published medians with their accepted ranges")
