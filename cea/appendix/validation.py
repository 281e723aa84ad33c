"""B.3.14 Validation, and the AdViSHE status of the model (``advishe_status``): one source of truth for what
was and was not validated, read by the AdViSHE table (verification section) and by the limitations."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cea.inputs.survival_data import has_survival_data
from cea.appendix.citations import clean
from cea.appendix.document import (
    AppendixContext,
    in_sentence,
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
             "same_trial": "Same trial, another data cut (dependent): not used in fitting, but the same patients",
             "external": "External (independent): against other patients' data, not used to build the model",
             "structural": "Structural: checks of the model's logic"}
FINDING_KINDS = ("same_trial", "external")  # reported as within / outside the band, not pass / fail
KIND_ORDER = ("internal", "same_trial", "external", "structural")
KIND_WORDS = {"internal": "check(s) against the fitting data", "same_trial": "check(s) against another data cut of the "
              "same trial", "external": "check(s) against independent data", "structural": "structural check(s)"}


def check_kind(check) -> str:
    """internal, external or structural: the check's own ``kind`` when the targets state it; otherwise a check of
    a PFS or OS statistic is internal (the shipped targets are the fitting data) and the rest are structural."""
    kind = getattr(check, "kind", None)
    if kind:
        return str(kind)
    metric = getattr(check, "metric", "")
    return "internal" if metric.startswith(("pfs_", "os_")) and not metric.endswith("general_population") \
        else "structural"


def same_trial_sentence(checks) -> str:
    if not checks:
        return ""
    return (f" {len(checks)} check(s) compare the model with another data cut of the same trial that the curves were "
            "not fitted to; the patients are the same, so these checks are dependent too and cannot show that the "
            "model predicts (AdViSHE D3, not D4).")


def independent_sentence(ctx: AppendixContext, checks) -> str:
    if not checks:
        return (" No check in this run uses independent data (AdViSHE D4): long-term survival is not validated "
                "against other patients' data.")
    within = sum(c.passed for c in checks)
    return (f" {len(checks)} check(s) use independent data, other patients' survival never used to build the model "
            f"(AdViSHE D4): {within} of {len(checks)} within their range"
            + _independent_sources(ctx, checks) + ". They bound long-term survival from above; they are not data on "
            "patients at this line of treatment, so they show plausibility, not predictive accuracy.")


def _independent_sources(ctx: AppendixContext, checks) -> str:
    from cea.inputs.references import cited_keys

    keys = []
    for c in checks:
        keys += [k for k in cited_keys(getattr(c, "source", ""), ctx.citations.references) if k not in keys]
    return f" ({'; '.join(f'{k} {ctx.cite(k)}' for k in keys)})" if keys else ""


# --------------------------------------------------------------------------- AdViSHE: one source of truth
DONE, PARTLY, NOT_DONE = "Done", "Partly", "Not done"


@dataclass(frozen=True)
class AdvisheItem:
    item: str  # "A1" … "E1"
    technique: str
    status: str  # Done / Partly / Not done
    detail: str  # with what, or why not

    @property
    def text(self) -> str:
        return f"{self.status}: {self.detail}" if self.detail else self.status


def _counted(rows, prefix: str) -> tuple[int, int]:
    chosen = [r for r in rows if str(r.get("techver", "")).startswith(prefix)]
    return sum(1 for r in chosen if r.get("passed")), len(chosen)


def crossval_counts(bundle) -> dict[str, int]:
    """How many published analyses each kind of comparison covers (``cea.analyses.cross_validation.COMPARISONS``)."""
    result = getattr(bundle, "cross_validation", None)
    if result is None:
        return {}
    frame = result.to_frame() if hasattr(result, "to_frame") else result
    if "comparison" not in frame.columns:
        return {}
    return {str(k): int(v) for k, v in frame["comparison"].value_counts().items() if k != "reference"}


def advishe_status(bundle, verification_rows=None, test_suite: bool | None = None) -> tuple[AdvisheItem, ...]:
    """The AdViSHE items (Vemer et al. 2016) with what this run did for each: Done, Partly or Not done, and with
    what.  Every table and sentence about validation reads this, so that no two places disagree.

    ``verification_rows``: the black-box checks run with the document (default: the bundle's); ``test_suite``:
    whether the automated tests are installed (default: looked up)."""
    rows = list(bundle.verification if verification_rows is None else verification_rows)
    if test_suite is None:
        from cea.appendix.suite import test_modules
        test_suite = bool(test_modules())
    checks = tuple(bundle.validation.checks) if bundle.validation is not None else ()
    by_kind = {k: [c for c in checks if getattr(c, "kind", "") == k] for k in ("internal", "same_trial", "external")}
    fitted = set(getattr(bundle.fits, "endpoints", {}) or {}) if bundle.fits is not None else set()
    counts = crossval_counts(bundle)

    def run_time(prefix: str) -> tuple[str, str]:
        passed, total = _counted(rows, prefix)
        if not total:
            return NOT_DONE, "no such check in this run"
        return (DONE if passed == total else PARTLY), f"{passed} of {total} run-time checks pass (Table of black-box checks)"

    if "os" in fitted:
        b2 = (DONE if "pfs" in fitted else PARTLY,
              "OS: six distributions fitted to the reconstructed patient-level data, compared by AIC/BIC, visual fit "
              "and hazard diagnostics (B.3.3)"
              + ("; PFS likewise" if "pfs" in fitted else "; PFS is calibrated to published medians, not fitted"))
    else:
        b2 = (NOT_DONE, "no patient-level data in this run; the curves are calibrated to published figures")
    if counts:
        compared = {k: v for k, v in counts.items() if k != "not re-run"}
        parts = [f"{v} {label}" for k, label in (("numbers", "with the ICERs compared as multiples of each threshold"),
                                                 ("direction and size", "with the direction and size of the gap"),
                                                 ("direction", "with the direction only"),
                                                 ("base case", "that are the base case itself (direction only)"))
                 if (v := compared.get(k))]
        d2 = ((PARTLY if compared.get("numbers", 0) < sum(compared.values()) else DONE) if compared else NOT_DONE,
              f"{sum(compared.values())} published analyses re-run under their assumptions (B.3.14): "
              + "; ".join(parts) if compared else "no published analysis of the same comparison could be re-run")
        a2 = (DONE, "the structure set beside the published models of the same comparison (B.3.1, B.3.14)")
    else:
        d2 = (NOT_DONE, "no published analyses in the inputs of this run")
        a2 = (NOT_DONE, "no published analyses in the inputs of this run")
    d3_parts = ["other PFS data cuts and OS distributions as scenarios (B.3.11)"]
    if by_kind["same_trial"]:
        within = sum(c.passed for c in by_kind["same_trial"])
        d3_parts.append(f"{len(by_kind['same_trial'])} check(s) against another data cut of the same trial, "
                        f"{within} within range (dependent, B.3.14)")
    if by_kind["external"]:
        within = sum(c.passed for c in by_kind["external"])
        d4 = (PARTLY, f"{len(by_kind['external'])} check(s) of modelled OS against population-based survival of "
              f"metastatic breast cancer, {within} within range (B.3.14): an upper bound only, not data on patients "
              "at this line of treatment")
    else:
        d4 = (NOT_DONE, "no independent data were available to this analysis")
    c2, c3 = run_time("Extreme values"), run_time("Black-box: trace")
    return (
        AdvisheItem("A1", "Face validity of the conceptual model", NOT_DONE, "no clinical expert reviewed the model"),
        AdvisheItem("A2", "Cross validity of the conceptual model", *a2),
        AdvisheItem("B1", "Face validity of the input data", PARTLY,
                    "every input traced to its publication or labelled as an assumption; not reviewed by clinical experts"),
        AdvisheItem("B2", "Model fit testing", *b2),
        AdvisheItem("C1", "External review of the computerised model", NOT_DONE, "no independent reviewer"),
        AdvisheItem("C2", "Extreme value testing", *c2),
        AdvisheItem("C3", "Testing of traces", *c3),
        AdvisheItem("C4", "Unit testing", *((DONE, "automated test suite") if test_suite
                                            else (NOT_DONE, "the automated test suite is not installed"))),
        AdvisheItem("D1", "Face validity of the model outcomes", NOT_DONE,
                    "no clinical expert review of the landmark survival"),
        AdvisheItem("D2", "Cross validation of the model outcomes", *d2),
        AdvisheItem("D3", "Validation against outcomes of alternative input data", DONE, "; ".join(d3_parts)),
        AdvisheItem("D4", "Validation against outcomes of independent data", *d4),
        AdvisheItem("E1", "Other validation techniques", DONE,
                    "Markov and partitioned-survival structures compared (B.3.11); replication in a spreadsheet"),
    )


def long_term_survival_sentence(ctx: AppendixContext) -> str:
    """What the run validates long-term survival against (from :func:`advishe_status`'s D1 and D4)."""
    items = {i.item: i for i in advishe_status(ctx.bundle)}
    external = [c for c in (ctx.bundle.validation.checks if ctx.bundle.validation is not None else ())
                if getattr(c, "kind", "") == "external"]
    expert = "No clinical expert estimates of long-term survival were available" if items["D1"].status == NOT_DONE \
        else "Clinical expert estimates of long-term survival were available"
    if not external:
        return (f"{expert}, and no independent survival data: the plausibility of 5- and 10-year survival is not "
                "validated externally (section B.3.14).")
    return (f"{expert}; the base-case five-year survival is compared with population-based survival of metastatic "
            f"breast cancer{_independent_sources(ctx, external)}, an upper bound for patients at this line of "
            "treatment, in section B.3.14; 10-year survival is not validated externally.")


def validation_limitation(bundle, verification_rows=None) -> str:
    """The limitation sentence on validation, from :func:`advishe_status`."""
    items = advishe_status(bundle, verification_rows)
    missing = [i.item for i in items if i.status == NOT_DONE]
    partly = [i for i in items if i.status == PARTLY]
    text = ("Validation: the checks against trial data are dependent (the data the curves were fitted to, or another "
            "cut of the same trial)")
    if missing:
        text += (f"; AdViSHE items not done: {', '.join(missing)} ("
                 + "; ".join(i.technique.lower() for i in items if i.status == NOT_DONE) + ")")
    if partly:
        text += f"; done in part: {', '.join(i.item for i in partly)} (the AdViSHE table in section B.3.14 says how)"
    return text + "."


def validation_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("validation", "Validation")
    if b.validation is None:
        w.paragraph("No validation targets are in the inputs of this run, so the model outcomes were not compared with "
                    "observed data.", italic=True)
    else:
        checks = list(b.validation.checks)
        kinds = {}
        for c in sorted(checks, key=lambda c: KIND_ORDER.index(check_kind(c)) if check_kind(c) in KIND_ORDER
                        else len(KIND_ORDER)):  # stable: the run's order within a kind
            kinds.setdefault(check_kind(c), []).append(c)
        failed = [c for c in checks if not c.passed]
        w.paragraph(
            f"The model was validated following AdViSHE {ctx.cite('Vemer 2016')} (the completed questionnaire is in "
            "section B.3.14.3). Modelled outcomes were compared with observed data and with structural rules "
            f"(Table {ctx.next_table()}): "
            + "; ".join(f"{len(v)} {KIND_WORDS.get(k, k)}" for k, v in kinds.items())
            + f". {len(checks) - len(failed)} of {len(checks)} are within their accepted range"
            + (": failed — " + ", ".join(f"{check_label(c)} ({in_sentence(ctx.labels.get(c.arm, c.arm))})" for c in failed) + "."
               if failed else ".")
            + " The internal checks compare the model with the data its curves were fitted or calibrated to: they "
            "show that the fitting and the Markov implementation reproduce those data, not that the extrapolation is "
            + ("right. The PFS medians hold by construction of the calibrated curve, and the OS targets are medians "
               "and landmarks of the patient-level data reconstructed from the published Kaplan–Meier curve "
               f"{ctx.cite_if('Piccart 2014')} {ctx.cite('Guyot 2012')}, which differ slightly from the published "
               "medians." if has_survival_data(ctx.bundle.inputs.folder) else
               "right. The medians hold by construction of the curves calibrated to them; no Kaplan–Meier data were "
               "available to check the shape of the curves between and beyond the medians.")
            + same_trial_sentence(kinds.get("same_trial", ()))
            + independent_sentence(ctx, kinds.get("external", ())))
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
                result = (("Within" if c.passed else "Outside") if kind in FINDING_KINDS
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


COMPARISON_TEXT = {"reference": "Reference", "numbers": "ICERs (as multiples of each threshold)",
                   "direction and size": "Direction and size of the gap", "direction": "Direction only",
                   "base case": "Direction only (the re-run is the base case)", "not re-run": "Not re-run"}


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
    wanted = [c for c in ("study", "published_result", "model_icer", "model_result", "differences", "comparison")
              if c in frame.columns]
    labels = {"study": "Analysis", "published_result": "Published result", "model_icer": "This model, re-run",
              "model_result": "This model, re-run", "differences": "Main differences", "comparison": "Compared"}
    rows = []
    for _, r in frame.iterrows():
        row = []
        for c in wanted:
            v = r[c]
            row.append(ctx.money(float(v)) if c == "model_icer" and isinstance(v, (int, float)) and v == v
                       else COMPARISON_TEXT.get(str(v), str(v)) if c == "comparison"
                       else clean(str(v)) if v == v else "—")
        citation = str(r.get("citation", "") or "")
        if citation and citation == citation and citation != "nan" and "study" in wanted:
            cited = ctx.citations.cite_full(citation)
            if cited:
                row[wanted.index("study")] += f" {cited}"
        rows.append(row)
    counts = crossval_counts(ctx.bundle)
    w.paragraph(f"Table {ctx.next_table()} sets this model beside the published analyses of the same comparison, "
                "re-run with the model under each analysis's nearest assumptions, with the differences explained. "
                "The last column says what each row can show: "
                + "; ".join(f"{COMPARISON_TEXT[k].lower()}: {n}" for k, n in counts.items() if k in COMPARISON_TEXT)
                + ". Where the published ICER is confidential or not reported only the direction of the result can be "
                "compared; a re-run with no assumption that differs from the base case is the base case itself.")
    widths = {"study": 3.4, "published_result": 3.3, "model_icer": 2.2, "model_result": 2.2, "differences": 5.0,
              "comparison": 2.2}
    w.table("Cross-validation: published analyses and this model under their assumptions",
            [labels[c] for c in wanted], rows, [widths[c] for c in wanted], align="l" * len(wanted), font_size=7)
