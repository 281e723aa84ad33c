"""Write and print survival fits and validation (``cea fit``, ``cea validate``).

Files go to ``OUT/validation/`` (the caller passes that folder) atomically (:func:`cea.outputs.files.write_atomically`):
``fit_table.csv`` (every fit with AIC/BIC, summaries and diagnostics), the PNG figures of
:mod:`cea.outputs.survival_plots`, and for ``cea validate`` also ``validation.json`` (the
contract of :class:`cea.analyses.validation.ValidationResult`) and ``validation.csv``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cea.analyses.base_case import BaseCaseResult
from cea.analyses.survival_fits import FAMILY_LABELS, SurvivalFitsResult
from cea.analyses.validation import ValidationResult
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.validation_targets import FINDING_KINDS, VALIDATION_TARGETS_FILE, load_validation_targets
from cea.analyses.landmarks import os_landmark_table
from cea.outputs.files import to_json, write_atomically
from cea.outputs.survival_plots import write_survival_plots

def median_marks(inputs: ModelInputs, fits: SurvivalFitsResult | None) -> list[dict]:
    """Published medians (explicit targets in validation_targets.csv) of endpoints without data, for the plots."""
    if not (inputs.folder / VALIDATION_TARGETS_FILE).is_file():
        return []
    marks = []
    for t in load_validation_targets(inputs.folder, inputs.structure.arm_ids):
        has_data = fits is not None and t.endpoint in fits.endpoints and t.arm in fits.endpoints[t.endpoint].arms
        if t.statistic != "median" or t.target is None or has_data:
            continue
        lower = t.lower if t.lower is not None else t.target - (t.tolerance or 0.0)
        upper = t.upper if t.upper is not None else t.target + (t.tolerance or 0.0)
        marks.append({"endpoint": t.endpoint, "arm": t.arm, "target": t.target, "lower": lower, "upper": upper})
    return marks


def fit_and_validation_files(folder: Path, inputs: ModelInputs, fits: SurvivalFitsResult | None, base_case: BaseCaseResult,
           validation: ValidationResult | None) -> None:
    sub = folder
    if fits is not None and fits.endpoints:
        fits.to_frame().to_csv(sub / "fit_table.csv", index=False, float_format="%.10g")
    landmarks = os_landmark_table(fits, base_case)
    landmarks.to_csv(sub / "os_landmarks.csv", index=False, float_format="%.10g")
    (sub / "os_landmarks.json").write_text(to_json({"os_landmarks": landmarks.to_dict(orient="records")}),
                                           encoding="utf-8")
    write_survival_plots(sub, fits, base_case, median_marks(inputs, fits))
    if validation is not None:
        (sub / "validation.json").write_text(to_json(validation.to_dict()), encoding="utf-8")
        validation.to_frame().to_csv(sub / "validation.csv", index=False, float_format="%.10g")


def write_fit_outputs(out: Path, inputs: ModelInputs, fits: SurvivalFitsResult | None,
                      base_case: BaseCaseResult) -> list[Path]:
    return write_atomically(out, lambda folder: fit_and_validation_files(folder, inputs, fits, base_case, None))


def write_validation_outputs(out: Path, inputs: ModelInputs, fits: SurvivalFitsResult | None,
                             validation: ValidationResult) -> list[Path]:
    return write_atomically(out, lambda folder: fit_and_validation_files(folder, inputs, fits, validation.base_case, validation))


# --------------------------------------------------------------------------- text tables
def fit_table_text(fits: SurvivalFitsResult) -> str:
    """AIC/BIC table: independent fits per arm, then the joint PH/AFT fits, per endpoint."""
    frame = fits.to_frame()
    lines = []
    for endpoint, part in frame.groupby("endpoint", sort=False):
        e = fits.endpoints[endpoint]
        head = f"{endpoint.upper()}: n = {len(e.data)}"
        if e.cox is not None:
            head += (f"; Cox HR {e.cox.hazard_ratio:.3f} ({e.cox.lower:.3f}-{e.cox.upper:.3f}) vs {e.reference}; "
                     f"PH test (Grambsch-Therneau) p = {e.ph_p_value:.3f}")
        lines += [head, ""]
        shown = part.drop_duplicates(["model", "family", "arm"])
        rows = []
        for _, r in shown.iterrows():
            rows.append({"model": r["model"], "arm": r["arm"], "family": FAMILY_LABELS[r["family"]],
                         "k": r["k"], "AIC": f"{r['aic']:.1f}", "BIC": f"{r['bic']:.1f}",
                         "dAIC": f"{r['delta_aic']:.1f}", "median": f"{r['median']:.1f}",
                         "S(2y)": f"{r['s_2y']:.3f}", "S(5y)": f"{r['s_5y']:.3f}", "S(10y)": f"{r['s_10y']:.3f}",
                         "mean to horizon": f"{r['mean_to_horizon']:.1f}",
                         "effect": "" if not r["effect"] or math.isnan(r["effect_estimate"])
                         else f"{r['effect']} {r['effect_estimate']:.3f}",
                         "plausible": "yes" if r["plausible"] else "NO"})
        lines.append(pd.DataFrame(rows).to_string(index=False))
        lines.append("")
    lines.append("AIC = 2k - 2 log L, BIC = k ln(n) - 2 log L (n = observations); joint models: AIC/BIC of the "
                 "two-arm model (repeated per arm).  Months; mean to horizon = restricted mean to the model horizon; "
                 "plausible = never above general-population survival (life_table.csv, start_age) to the horizon; "
                 "fit_table.csv gives the first month above it (above_gp_survival_from_month).")
    return "\n".join(lines)


def _number(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return f"{value:.{digits}f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.1e}"


KIND_HEADINGS = {
    "internal": "Internal (dependent) validation: data the curves were fitted or calibrated to; a pass shows the fit "
                "is implemented as intended, not that the model predicts",
    "same_trial": "Same-trial (dependent) validation: another data cut of the trial the curves were fitted to, not "
                  "used in fitting; the same patients, so not independent; a result outside the band is a finding",
    "external": "External (independent) validation: other patients' data, never used to build the model; a result "
                "outside the band is a finding, not an error (exit code unchanged)",
    "structural": "Structural checks: properties the model must have whatever the data",
}
BASIS_LABELS = {"stated": "stated", "kaplan_meier_of_survival_data": "KM of survival_data.csv"}


def validation_table_text(result: ValidationResult) -> str:
    """The checks grouped by kind (internal, external, structural), each with its target's basis."""
    parts = []
    for kind, heading in KIND_HEADINGS.items():
        checks = result.of_kind(kind)
        if not checks:
            continue
        rows = []
        for c in checks:
            band = (f"± {_number(c.tolerance)}" if c.tolerance is not None and math.isfinite(c.lower)
                    else f"{_number(c.lower)} to {_number(c.upper)}" if math.isfinite(c.lower)
                    else f"<= {_number(c.upper)}")
            verdict = (("within" if c.passed else "OUTSIDE") if kind in FINDING_KINDS
                       else ("pass" if c.passed else "FAIL"))
            rows.append({"check": c.name, "arm": c.arm, "model": _number(c.model), "target": _number(c.target),
                         "target from": BASIS_LABELS.get(c.target_basis, c.target_basis),
                         "published": _number(c.published), "accepted": band, "result": verdict})
        parts.append(f"{heading}\n{pd.DataFrame(rows).to_string(index=False)}")
    summary = result.summary()
    verdict = ("internal and structural checks passed" if result.passed
               else f"{len(result.failed)} internal/structural check(s) FAILED")
    same, external = summary["same_trial"], summary["external"]
    tail = (f"Validation: {verdict} ({summary['internal']['checks']} internal, {summary['structural']['checks']} "
            f"structural); same trial (dependent): {same['passed']} of {same['checks']} within the band; external "
            f"(independent): {external['passed']} of {external['checks']} within the band.  'KM of "
            "survival_data.csv' targets are Kaplan-Meier values of the data behind the fitted curves (for OS, IPD "
            "reconstructed from the published curve), not the published figures: those are in 'published'.")
    return "\n\n".join(parts + [tail])
