"""Every analysis of one run, computed once and shared by the files, the workbook and the
appendix (one PSA feeds the VOI, the workbook and the appendix)."""

from __future__ import annotations

from dataclasses import dataclass
from cea.analyses.base_case import BaseCaseResult, run_base_case
from cea.analyses.budget_impact import BudgetImpactResult, run_budget_impact
from cea.analyses.cross_validation import CrossValidationResult, run_cross_validation
from cea.analyses.landmarks import landmark_table
from cea.analyses.one_way import OneWayResult, one_way
from cea.analyses.psa import PsaResult, run_psa
from cea.analyses.scenarios import ScenarioResult, run_scenarios
from cea.analyses.severity import severity
from cea.analyses.survival_fits import SurvivalFitsResult, run_survival_fits
from cea.analyses.threshold import ThresholdResult, threshold
from cea.analyses.validation import ValidationResult, run_validation
from cea.analyses.verification import black_box_checks
from cea.analyses.voi_analysis import VoiResult, run_voi
from cea.inputs.manifest import RunManifest, build_manifest
from cea.inputs.budget_impact import has_budget_impact
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.published_analyses import PUBLISHED_ANALYSES_FILE
from cea.inputs.overrides import apply_overrides
from cea.inputs.survival_data import has_survival_data


@dataclass(frozen=True)
class AnalysisBundle:
    inputs: ModelInputs
    base_case: BaseCaseResult
    one_way: OneWayResult
    scenarios: ScenarioResult
    threshold: ThresholdResult
    psa: PsaResult
    voi: VoiResult
    manifest: RunManifest
    validation: ValidationResult | None = None
    fits: SurvivalFitsResult | None = None
    cross_validation: CrossValidationResult | None = None
    severity: dict | None = None  # QALY shortfall and weight (cea.analyses.severity); NHS/PSS analyses only
    weighted_threshold: ThresholdResult | None = None  # threshold price with severity-weighted QALYs (weight > 1)
    list_price_base_case: BaseCaseResult | None = None  # the base case at list price when a PAS discount is set
    budget_impact: BudgetImpactResult | None = None  # None: the input set has no budget_impact.csv
    budget_impact_list_price: BudgetImpactResult | None = None  # at list price when a PAS discount is set
    verification: tuple[dict, ...] = ()  # black-box checks run on these inputs (cea.analyses.verification)
    landmarks: object = None  # landmark survival table (cea.analyses.landmarks), a DataFrame
    price: object = None  # PriceResult (cea.analyses.price): ICER, INMB, P(CE) over discounts off the list price
    cumulative: object = None  # CumulativeResult (cea.analyses.cumulative) when the inputs have cumulative.csv


def run_all_analyses(inputs: ModelInputs, iterations: int | None = None, seed: int | None = None,
                     overrides: dict[str, str] | None = None, psa: PsaResult | None = None) -> AnalysisBundle:
    """Base case, DSA, scenarios, threshold price, PSA (unless given), VOI from that PSA, validation,
    cross-validation (when the inputs have published_analyses.csv) and the budget impact (when the input set has
    budget_impact.csv; at the run's price, and at list price too under a PAS discount)."""
    s = inputs.settings
    psa = psa or run_psa(inputs, iterations, seed, overrides=overrides)
    validation = run_validation(inputs, overrides)
    fits = run_survival_fits(inputs) if has_survival_data(inputs.folder) else None
    cross_validation = (run_cross_validation(inputs, overrides)
                        if (inputs.folder / PUBLISHED_ANALYSES_FILE).is_file() else None)
    weight = severity(psa.base_case) if "NHS" in s.perspective else None
    weighted = None
    if weight is not None and weight["weight"] > 1:
        weighted = threshold(inputs, s.price_parameter, [weight["weight"] * x for x in s.wtp_thresholds],
                             linked=s.price_linked)
    list_price = run_base_case(apply_overrides(inputs, {"pas_discount": "0"}, origin="list price")) \
        if s.pas_discount > 0 else None
    budget = run_budget_impact(inputs, overrides=overrides) if has_budget_impact(inputs.folder) else None
    budget_list = (run_budget_impact(inputs, 0.0, overrides, sensitivity=False)
                   if budget is not None and s.pas_discount > 0 else None)
    from cea.analyses.cumulative import has_cumulative, load_cumulative, run_cumulative
    from cea.analyses.price import price_analysis

    price = price_analysis(psa.base_case, psa, weight["weight"] if weight is not None else 1.0)
    cumulative = run_cumulative(inputs, load_cumulative(inputs)) if has_cumulative(inputs.folder) else None
    return AnalysisBundle(
        inputs=inputs, base_case=psa.base_case, one_way=one_way(inputs), scenarios=run_scenarios(inputs),
        threshold=threshold(inputs, s.price_parameter, linked=s.price_linked), psa=psa, voi=run_voi(inputs, psa),
        manifest=build_manifest(inputs, psa.seed, overrides), validation=validation, fits=fits,
        cross_validation=cross_validation,
        severity=weight, weighted_threshold=weighted, list_price_base_case=list_price, budget_impact=budget,
        budget_impact_list_price=budget_list,
        verification=tuple(black_box_checks(inputs)), landmarks=landmark_table(psa.base_case), price=price,
        cumulative=cumulative)
