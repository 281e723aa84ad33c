"""Cross-validation (AdViSHE A2/D2): this model beside published analyses of the same comparison.

For every row of ``published_analyses.csv`` the model is re-run under that analysis's nearest
assumptions (its overrides, applied exactly as ``cea run --set`` applies them) and set beside
the published result, with the differences that remain stated in words.  Currencies differ,
so the comparable number is the ICER as a multiple of the threshold each source states:

    published ICER / published threshold   against   model ICER / primary WTP (settings.toml)

Rows with ``comparable = no`` (other comparators) are listed, not re-run.  The first row is the
model's own base case.

``comparison`` says what each row can show (AdViSHE D2), so that no row claims more than it compares:

* ``numbers``: the published ICER and threshold are known, so the ICERs are compared as multiples of
  their thresholds;
* ``direction and size``: a published ICER without a threshold (other currency and prices): the
  direction of the result and the size of the gap only;
* ``direction``: no published ICER (confidential prices, not reported): the direction only;
* ``base case``: none of the analysis's assumptions differs from the base case in a way the model
  can take, so the re-run *is* the base case and only the direction of the published decision is
  set beside it;
* ``not re-run``: other comparators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from cea.analyses.base_case import run_base_case
from cea.errors import InputError, Problem
from cea.inputs.manifest import RunManifest, build_manifest
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides
from cea.inputs.published_analyses import PUBLISHED_ANALYSES_FILE, PublishedAnalysis, load_published_analyses

COLUMNS = ("analysis", "study", "country", "year", "status", "comparator", "published_result", "published_icer",
           "currency", "published_threshold", "published_icer_to_threshold", "decision", "horizon_years",
           "discount_costs", "discount_outcomes", "comparable", "model_assumptions", "model_inc_cost",
           "model_inc_qaly", "model_inc_ly", "model_icer", "model_status", "model_currency",
           "model_icer_to_threshold", "comparison", "differences", "citation")

COMPARISONS = {
    "numbers": "ICERs compared as multiples of each threshold",
    "direction and size": "Direction and size of the gap only (no published threshold; other prices)",
    "direction": "Direction only (no published ICER)",
    "base case": "Direction only: the re-run is the base case (no assumption differs that the model can take)",
    "not re-run": "Not re-run (other comparators)",
}


def comparison(a: PublishedAnalysis) -> str:
    """What the row compares (a key of ``COMPARISONS``)."""
    if not a.comparable:
        return "not re-run"
    if not a.overrides:
        return "base case"
    if a.published_icer is not None and a.threshold is not None:
        return "numbers"
    if a.published_icer is not None:
        return "direction and size"
    return "direction"


@dataclass(frozen=True)
class CrossValidationResult:
    table: pd.DataFrame
    manifest: RunManifest

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def to_dict(self) -> dict[str, Any]:
        return {"cross_validation": self.table.astype(object).where(self.table.notna(), None).to_dict(orient="records"),
                "manifest": self.manifest.to_dict()}


def _model_columns(inputs: ModelInputs) -> dict[str, Any]:
    inc = run_base_case(inputs).incremental()
    icer = inc["icer"]
    return {"model_inc_cost": inc["costs"], "model_inc_qaly": inc["qalys"], "model_inc_ly": inc["lys"],
            "model_icer": icer, "model_status": inc["status"], "model_currency": inputs.settings.currency,
            "model_icer_to_threshold": None if icer is None else icer / inputs.settings.primary_wtp}


def assumptions_text(overrides: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in overrides.items()) or "base case (no overrides)"


def _row(a: PublishedAnalysis, inputs: ModelInputs) -> dict[str, Any]:
    row = {"analysis": a.analysis, "study": a.study, "country": a.country, "year": a.year, "status": a.status,
           "comparator": a.comparator, "published_result": a.published_result, "published_icer": a.published_icer,
           "currency": a.currency, "published_threshold": a.threshold,
           "published_icer_to_threshold": a.published_icer_to_threshold, "decision": a.decision,
           "horizon_years": a.horizon_years, "discount_costs": a.discount_costs,
           "discount_outcomes": a.discount_outcomes, "comparable": a.comparable,
           "model_assumptions": assumptions_text(a.overrides) if a.comparable else "not re-run (not comparable)",
           "comparison": comparison(a), "differences": a.differences, "citation": a.citation}
    if a.comparable:
        rerun = apply_overrides(inputs, a.overrides, origin=f"{PUBLISHED_ANALYSES_FILE} [{a.analysis}]")
        row |= _model_columns(rerun)
    return row


def run_cross_validation(inputs: ModelInputs, overrides: dict[str, str] | None = None) -> CrossValidationResult:
    """The base case and every published analysis with the model re-run under its assumptions
    (``inputs`` with any ``--set`` overrides already applied; they are recorded in the manifest)."""
    if not (inputs.folder / PUBLISHED_ANALYSES_FILE).is_file():
        raise InputError(Problem(PUBLISHED_ANALYSES_FILE, f"missing file: cross-validation needs {PUBLISHED_ANALYSES_FILE} "
                                 f"in {inputs.folder} (see inputs/README.md)"))
    s = inputs.settings
    base = {"analysis": "this_model", "study": f"This model ({s.country}, {s.perspective})", "country": s.country,
            "year": s.price_year, "status": "this model", "comparator": inputs.structure.arm(s.comparator).label,
            "published_result": "", "published_icer": None, "currency": s.currency,
            "published_threshold": s.primary_wtp, "published_icer_to_threshold": None, "decision": "",
            "horizon_years": s.horizon_years, "discount_costs": s.discount_rate_costs,
            "discount_outcomes": s.discount_rate_outcomes, "comparable": True,
            "model_assumptions": "base case (no overrides)", "comparison": "reference",
            "differences": "Reference: the model's base case.",
            "citation": ""} | _model_columns(inputs)
    rows = [base] + [_row(a, inputs) for a in load_published_analyses(inputs.folder)]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return CrossValidationResult(table, build_manifest(inputs, overrides=overrides))
