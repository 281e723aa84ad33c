"""Files for each analysis (CSV tables, JSON summaries, PNG figures), built into a staging
folder by the caller (cea.outputs.files.write_atomically)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cea.analyses.cross_validation import CrossValidationResult
from cea.analyses.one_way import OneWayResult
from cea.analyses.psa import PsaResult
from cea.analyses.scenarios import ScenarioResult
from cea.analyses.threshold import ThresholdResult
from cea.analyses.voi_analysis import VoiResult
from cea.inputs.manifest import RunManifest
from cea.inputs.model_inputs import ModelInputs
from cea.outputs import plots
from cea.outputs.files import to_json
from cea.outputs.style import save

FLOAT = "%.10g"


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format=FLOAT, lineterminator="\n")


def _manifest(folder: Path, manifest: RunManifest, **extra) -> None:
    (folder / "manifest.json").write_text(to_json({**manifest.to_dict(), **extra}), encoding="utf-8")


def short_label(text: str, limit: int = 48) -> str:
    """A parameter description for figure labels: without its bracketed detail, wrapped at word boundaries into
    lines of ``limit`` characters and never cut, so that two parameters whose descriptions differ only at the end
    (e.g. the same share in two arms) keep distinct labels."""
    import textwrap

    return textwrap.fill(text.split(" (")[0], width=limit)


def arm_labels(inputs: ModelInputs) -> dict[str, str]:
    return {a.id: a.label for a in inputs.structure.arms}


def write_dsa(folder: Path, inputs: ModelInputs, result: OneWayResult, manifest: RunManifest) -> None:
    _csv(result.table, folder / "dsa.csv")
    (folder / "dsa.json").write_text(to_json({"wtp": result.wtp, "base_inmb": result.base_inmb,
                                              "base_icer": result.base_icer,
                                              "parameters": result.table.to_dict(orient="records"),
                                              "manifest": manifest.to_dict()}), encoding="utf-8")
    labels = {p: short_label(inputs.parameters[p].description) for p in result.table["parameter"]}
    save(plots.tornado(result.table, result.base_inmb, result.wtp, inputs.settings.currency, labels=labels),
         folder / "tornado.png")
    _manifest(folder, manifest)


def write_scenarios(folder: Path, result: ScenarioResult, manifest: RunManifest) -> None:
    _csv(result.table, folder / "scenarios.csv")
    (folder / "scenarios.json").write_text(to_json(result.to_dict() | {"manifest": manifest.to_dict()}),
                                           encoding="utf-8")
    _manifest(folder, manifest)


def write_threshold(folder: Path, result: ThresholdResult, manifest: RunManifest) -> None:
    _csv(result.table, folder / "threshold.csv")
    (folder / "threshold.json").write_text(to_json({"thresholds": result.table.to_dict(orient="records"),
                                                    "manifest": manifest.to_dict()}), encoding="utf-8")
    _manifest(folder, manifest)


def sample_columns(arms: tuple[str, ...]) -> list[str]:
    return [f"{m}_{a}" for a in arms for m in ("cost", "qaly", "ly")]


def write_psa(folder: Path, inputs: ModelInputs, result: PsaResult) -> None:
    """Summary, CEAC/CEAF, EVPI, convergence and figures (samples are streamed separately)."""
    s = inputs.settings
    (folder / "psa_summary.json").write_text(to_json(result.summary()), encoding="utf-8")
    ceac = result.ceac_frame()
    _csv(ceac, folder / "ceac.csv")
    _csv(result.evpi_frame(), folder / "evpi.csv")
    conv = result.convergence(s.primary_wtp)
    _csv(conv, folder / "convergence.csv")
    dc, dq = result.incremental()
    det = result.base_case.incremental()
    save(plots.ce_plane(dq, dc, s.wtp_thresholds, s.currency, (det["costs"], det["qalys"])), folder / "ce_plane.png")
    save(plots.ceac(ceac, result.arms, arm_labels(inputs), s.currency, s.wtp_thresholds), folder / "ceac.png")
    if len(result.arms) > 2:  # every strategy on one plane (with two arms ce_plane.png shows the comparison)
        save(plots.ce_plane_strategies(result.costs, result.qalys, result.arms, arm_labels(inputs),
                                       result.incremental_analysis(), s.currency), folder / "ce_plane_strategies.png")
    save(plots.convergence(conv, s.primary_wtp, s.currency), folder / "convergence.png")
    _manifest(folder, result.manifest)


def write_voi(folder: Path, inputs: ModelInputs, result: VoiResult, manifest: RunManifest) -> None:
    s = inputs.settings
    _csv(result.evpi, folder / "evpi.csv")
    _csv(result.evppi, folder / "evppi.csv")
    groups = result.evppi[result.evppi["kind"] == "group"]
    (folder / "voi.json").write_text(to_json({
        "evpi": {f"{w:g}": float(np.interp(w, result.evpi["wtp"], result.evpi["evpi"])) for w in s.wtp_thresholds},
        "population_evpi": {f"{w:g}": float(np.interp(w, result.evpi["wtp"], result.evpi["population_evpi"]))
                            for w in s.wtp_thresholds},
        "effective_population": result.effective_population,
        "strategies": list(inputs.structure.arm_ids),  # EVPI and EVPPI are over the choice among all of them
        "evppi_groups": groups[["label", "wtp", "evppi", "population_evppi"]].to_dict(orient="records"),
        "manifest": manifest.to_dict()}), encoding="utf-8")
    save(plots.evpi_curve(result.evpi, s.currency), folder / "evpi.png")
    save(plots.evppi_bars(result.evppi, s.currency), folder / "evppi.png")
    _manifest(folder, manifest)


def write_cross_validation(folder: Path, result: CrossValidationResult) -> None:
    """crossval.csv, crossval.json (with the run manifest) and manifest.json."""
    _csv(result.table, folder / "crossval.csv")
    (folder / "crossval.json").write_text(to_json(result.to_dict()), encoding="utf-8")
    _manifest(folder, result.manifest)


def cross_validation_text(result: CrossValidationResult) -> str:
    """The cross-validation table for the terminal: published result beside the re-run model."""
    def money(value) -> str:
        return "" if value is None or pd.isna(value) else f"{value:,.0f}"

    def ratio(value) -> str:
        return "" if value is None or pd.isna(value) else f"{value:.2f}"

    def short(text: str, limit: int = 58) -> str:
        return text if len(text) <= limit else text[: limit - 1] + "…"

    t = result.table
    currency = t["model_currency"].iloc[0]
    rows = [{"analysis": r.analysis, "source": r.status, "compared": r.comparison,
             "published": short(r.published_result or ""),
             "pub/threshold": ratio(r.published_icer_to_threshold),
             f"model ICER ({currency})": money(r.model_icer) if r.comparable else "not re-run",
             "model/threshold": ratio(r.model_icer_to_threshold)} for r in t.itertuples()]
    frame = pd.DataFrame(rows)
    return (frame.to_string(index=False) + "\n\nEach re-run applies the row's overrides exactly as `cea run --set` does "
            "(model_assumptions in crossval.csv); 'differences' there says what still differs.  Ratios are the ICER "
            "over the threshold its source states (the model: primary_wtp), so that currencies need not be converted.  "
            "'compared' says what a row can show: numbers, direction and size, the direction only, or the base case "
            "itself; 'source' is whether the published figures were read in the cited source.")
