"""Every analysis of one run, computed once and shared by the files, the workbook and the
appendix (one PSA feeds the VOI, the workbook and the appendix)."""

from __future__ import annotations

from dataclasses import dataclass
from cea.analyses.base_case import BaseCaseResult
from cea.analyses.cross_validation import CrossValidationResult, run_cross_validation
from cea.analyses.one_way import OneWayResult, one_way
from cea.analyses.psa import PsaResult, run_psa
from cea.analyses.scenarios import ScenarioResult, run_scenarios
from cea.analyses.survival_fits import SurvivalFitsResult, run_survival_fits
from cea.analyses.threshold import ThresholdResult, threshold
from cea.analyses.validation import ValidationResult, run_validation
from cea.analyses.voi_analysis import VoiResult, run_voi
from cea.inputs.manifest import RunManifest, build_manifest
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.published_analyses import PUBLISHED_ANALYSES_FILE
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


def run_all_analyses(inputs: ModelInputs, iterations: int | None = None, seed: int | None = None,
                     overrides: dict[str, str] | None = None, psa: PsaResult | None = None) -> AnalysisBundle:
    """Base case, DSA, scenarios, threshold price, PSA (unless given), VOI from that PSA, validation and
    cross-validation (when the inputs have published_analyses.csv)."""
    s = inputs.settings
    psa = psa or run_psa(inputs, iterations, seed, overrides=overrides)
    validation = run_validation(inputs, overrides)
    fits = run_survival_fits(inputs) if has_survival_data(inputs.folder) else None
    cross_validation = (run_cross_validation(inputs, overrides)
                        if (inputs.folder / PUBLISHED_ANALYSES_FILE).is_file() else None)
    return AnalysisBundle(
        inputs=inputs, base_case=psa.base_case, one_way=one_way(inputs), scenarios=run_scenarios(inputs),
        threshold=threshold(inputs, s.price_parameter, linked=s.price_linked), psa=psa, voi=run_voi(inputs, psa),
        manifest=build_manifest(inputs, psa.seed, overrides), validation=validation, fits=fits,
        cross_validation=cross_validation)
