"""`cea all`: every output of one run in one folder, from one AnalysisBundle (one PSA feeds the
VOI, the workbook and the appendix), with an index listing the files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cea.analyses.bundle import AnalysisBundle
from cea.analyses.structures import compare_structures
from cea.appendix import write_appendix
from cea.outputs.budget_impact_files import write_budget_impact
from cea.outputs.analysis_files import (write_cross_validation, write_dsa, write_psa, write_scenarios, write_threshold,
                                       write_voi)
from cea.outputs.files import to_json
from cea.outputs.parameter_markdown import write_parameter_markdown
from cea.outputs.report import base_case_files
from cea.outputs.plausibility_files import write_plausibility
from cea.outputs.validation_output import fit_and_validation_files
from cea.workbook import write_workbook
from cea.workbook.recalc import soffice

DESCRIPTIONS = {
    "results.json": "Base case: costs, LYs, QALYs per arm (by state and category), incremental results, ICER, NMB",
    "results_table.csv": "Base case: disaggregated results table",
    "parameters.md": "Every parameter with value, uncertainty, distribution, DSA range and source",
    "model.xlsx": "Payer workbook: the model as live Excel formulas",
    "model_psa.xlsx": "The payer workbook with a live PSA data table (re-run the PSA in the workbook)",
    "model_dsa.xlsx": "The payer workbook with a live DSA data table (re-run the DSA in the workbook)",
    "appendix.docx": "HTA submission appendix (Word), CHEERS 2022 mapped",
    "manifest.json": "Run manifest: version, inputs SHA-256, seed, settings",
    "budget_impact.csv": "Budget impact: eligible, treated, costs with and without, net impact per year (undiscounted)",
    "budget_impact_one_way.csv": "Budget impact: one-way sensitivity of the total net impact",
    "crossval.csv": "Cross-validation: published analyses beside this model re-run under their nearest assumptions",
    "psa_samples.csv": "PSA: every iteration's parameter draws and costs, QALYs, LYs per arm (CSV: a spreadsheet opens it)",
    "psa_samples.parquet": "PSA: every iteration's parameter draws and costs, QALYs, LYs per arm (Parquet: more rows "
                           "or cells than a spreadsheet opens; the run manifest in its metadata)",
    "crossval.json": "Cross-validation table (as crossval.csv) with the run manifest",
    "price.csv": "Price analysis: ICER, INMB and P(cost-effective), unweighted and severity-weighted, by discount",
    "price_thresholds.csv": "Price analysis: threshold discount and pack prices at each threshold, with and without the severity weight",
    "price.json": "Price analysis (grid, thresholds, TA421 scheme and generic-price statement) with the run manifest",
    "cumulative.csv": "Cumulative scenarios: the ICER after each added change, unweighted and severity-weighted",
    "cumulative.json": "Cumulative scenarios with the run manifest",
    "os_joint_fits.csv": "Joint OS fits: AIC, BIC, Akaike weight, treatment effect, landmarks at 1-10 years per arm",
    "os_landmarks_with_benchmarks.csv": "OS landmarks: joint fits, AIC-weighted mixture, Kaplan-Meier, base case, "
                                        "external benchmarks",
    "os_model_average.csv": "Model averaging over the joint OS fits: per-fit and Akaike-weighted costs, QALYs, ICER",
    "pd_death_rates.csv": "Implied post-progression death rate per month by arm, and their ratio",
    "pd_death_rates.png": "Implied post-progression death rate by arm over time",
    "time_on_treatment.csv": "Proportion on each drug at 6, 12, 24 months, share of PF, median and mean",
    "time_on_treatment_published.csv": "Published exposure points for everolimus + exemestane",
    "plausibility.json": "OS plausibility, model averaging (deterministic and probabilistic), time on treatment",
    "ce_plane_strategies.png": "PSA: every arm on the cost-effectiveness plane with the efficient frontier (more "
                               "than two arms)",
}


def psa_frame(bundle: AnalysisBundle) -> pd.DataFrame:
    """Per-iteration costs, QALYs and LYs per arm, for the workbook's PSA sheet."""
    psa = bundle.psa
    frame = pd.DataFrame(index=range(psa.iterations))
    for j, arm in enumerate(psa.arms):
        frame[f"cost_{arm}"], frame[f"qaly_{arm}"], frame[f"ly_{arm}"] = psa.costs[:, j], psa.qalys[:, j], psa.lys[:, j]
    return frame


def write_all(folder: Path, bundle: AnalysisBundle, psa_samples: Path | None = None) -> None:
    """Write every output of ``bundle`` into ``folder`` (a staging folder: the caller swaps it in)."""
    inputs, manifest = bundle.inputs, bundle.manifest
    base_case_files(folder, bundle.base_case)
    for name in ("validation", "dsa", "scenarios", "threshold", "psa", "voi", "structures", "figures"):
        (folder / name).mkdir(exist_ok=True)
    fit_and_validation_files(folder / "validation", inputs, bundle.fits, bundle.base_case, bundle.validation)
    write_dsa(folder / "dsa", inputs, bundle.one_way, manifest)
    write_scenarios(folder / "scenarios", bundle.scenarios, manifest)
    write_threshold(folder / "threshold", bundle.threshold, manifest)
    if bundle.cross_validation is not None:
        (folder / "crossval").mkdir(exist_ok=True)
        write_cross_validation(folder / "crossval", bundle.cross_validation)
    write_psa(folder / "psa", inputs, bundle.psa)
    if psa_samples is not None:
        psa_samples.replace(folder / "psa" / psa_samples.name)  # psa_samples.csv or .parquet
    write_voi(folder / "voi", inputs, bundle.voi, manifest)
    structures = compare_structures(inputs)
    structures.to_csv(folder / "structures" / "structures.csv", index=False, float_format="%.10g", lineterminator="\n")
    (folder / "structures" / "structures.json").write_text(
        to_json({"structures": structures.to_dict(orient="records"), "manifest": manifest.to_dict()}), encoding="utf-8")
    write_plausibility(folder / "plausibility", bundle)
    if bundle.budget_impact is not None:
        (folder / "budget_impact").mkdir(exist_ok=True)
        write_budget_impact(folder / "budget_impact", bundle.budget_impact, bundle.budget_impact_list_price,
                            labels={a.id: a.label for a in inputs.structure.arms})
    write_parameter_markdown(folder / "parameters.md", inputs)
    # One workbook per run: the appendix's LibreOffice check recalculates this run's model.xlsx (it has no data
    # tables; model_psa.xlsx and model_dsa.xlsx, the same cells with one live table each, are written beside it).
    _write_run_workbook(folder, bundle)
    _write_price_and_cumulative(folder, bundle)
    check = folder / "model.xlsx" if soffice() is not None else None
    write_appendix(folder / "appendix.docx", bundle, folder / "figures", check_workbook=check,
                   rendered=rendered_figures(folder, bundle))
    (folder / "index.md").write_text(index_text(folder, bundle), encoding="utf-8")


# Figures the appendix shows that this run's other outputs already drew from the same bundle with the same call
# (the appendix copies them instead of drawing them again): figure key → file under the run folder.
RENDERED_FIGURES = {
    "ce_plane": "psa/ce_plane.png", "ceac": "psa/ceac.png", "convergence": "psa/convergence.png",
    "evpi": "voi/evpi.png", "evppi": "voi/evppi.png",
    "budget_impact": "budget_impact/budget_impact.png",
    "budget_impact_tornado": "budget_impact/budget_impact_tornado.png",
    "hazard_pfs": "validation/hazard_pfs.png", "hazard_os": "validation/hazard_os.png",
    "lch_pfs": "validation/log_cumulative_hazard_pfs.png", "lch_os": "validation/log_cumulative_hazard_os.png",
    "price": "price/price.png", "cumulative": "cumulative/cumulative.png",
}


def rendered_figures(folder: Path, bundle: AnalysisBundle) -> dict[str, Path]:
    """The figures of RENDERED_FIGURES this run saved, and its survival plots where the appendix would mark the
    same published medians (the appendix takes them from the validation checks, validation/ from the targets)."""
    from cea.appendix.figures import median_targets
    from cea.outputs.validation_output import median_marks

    out = {key: folder / name for key, name in RENDERED_FIGURES.items() if (folder / name).is_file()}
    outputs_marks, appendix_marks = median_marks(bundle.inputs, bundle.fits), median_targets(bundle)
    for endpoint in ("pfs", "os"):
        path = folder / "validation" / f"survival_{endpoint}.png"
        if path.is_file() and ([m for m in outputs_marks if m["endpoint"] == endpoint]
                               == [m for m in appendix_marks if m["endpoint"] == endpoint]):
            out[f"survival_{endpoint}"] = path
    return out


def _write_run_workbook(folder: Path, bundle: AnalysisBundle) -> None:
    inputs, manifest = bundle.inputs, bundle.manifest
    write_workbook(folder / "model.xlsx", inputs, bundle.base_case, dsa=bundle.one_way.table,
                   scenarios=bundle.scenarios.table, psa=psa_frame(bundle), ceac=bundle.psa.ceac_frame(),
                   psa_draws=bundle.psa.parameters, psa_seed=bundle.psa.seed,
                   validation=bundle.validation.to_frame() if bundle.validation is not None else None,
                   manifest=manifest.to_dict(),
                   budget_impact=bundle.budget_impact.inputs if bundle.budget_impact is not None else None,
                   crossval=bundle.cross_validation.table if bundle.cross_validation is not None else None)


def _write_price_and_cumulative(folder: Path, bundle: AnalysisBundle) -> None:
    """price/ (cea price) and cumulative/ (cea cumulative) from the bundle's one PSA and base case."""
    from cea.analyses.price import PRICE_EVIDENCE
    from cea.outputs.price_files import write_cumulative, write_price

    s = bundle.inputs.settings
    if bundle.price is not None:
        (folder / "price").mkdir(exist_ok=True)
        write_price(folder / "price", bundle.price, bundle.manifest, s.currency, s.wtp_thresholds, PRICE_EVIDENCE)
    if bundle.cumulative is not None:
        (folder / "cumulative").mkdir(exist_ok=True)
        write_cumulative(folder / "cumulative", bundle.cumulative, bundle.manifest, s.currency, s.wtp_thresholds)


def index_text(folder: Path, bundle: AnalysisBundle) -> str:
    """README-style index of every file written, with the headline results."""
    inc = bundle.base_case.incremental()
    summary = bundle.psa.summary()
    s = bundle.inputs.settings
    lines = [f"# {s.title}", "",
             f"Inputs `{bundle.inputs.folder}` (SHA-256 {bundle.manifest.inputs_sha256[:16]}…), "
             f"cea {bundle.manifest.version}, PSA {summary['iterations']:,} iterations, seed {summary['seed']}.", "",
             "## Headline results", "",
             f"- Incremental costs {inc['costs']:,.0f} {s.currency}, incremental QALYs {inc['qalys']:.3f}, "
             f"ICER {'n/a' if inc['icer'] is None else format(inc['icer'], ',.0f')} ({inc['status']})",
             f"- Probabilistic ICER {'n/a' if summary['incremental']['icer'] is None else format(summary['incremental']['icer'], ',.0f')}",
             ] + [f"- P(cost-effective) at {w}: {p[s.intervention]:.3f}" for w, p in summary["prob_cost_effective"].items()]
    if len(bundle.base_case.outcomes.arms) > 2:  # every strategy at once (results.json incremental_analysis)
        entries = bundle.base_case.incremental_analysis()
        lines.append(f"- Fully incremental analysis of the {len(entries)} arms (sorted by cost): " + "; ".join(
            f"{e['arm']} {e['status']}" + ("" if e["icer"] is None else f", ICER {e['icer']:,.0f} vs {e['compared_with']}")
            for e in entries))
        best = {w: max(entries, key=lambda e: e["nmb"][w])["arm"] for w in entries[0]["nmb"]}
        lines += [f"- Largest net monetary benefit at {w}: {arm} (deterministic); CEAF "
                  f"{summary['ceaf'][w]['strategy']} with probability {summary['ceaf'][w]['probability']:.3f}"
                  for w, arm in best.items()]
    bia = bundle.budget_impact
    if bia is not None:
        lines.append(f"- Budget impact at {'list price' if bia.price_discount == 0 else f'{bia.price_discount:.0%} off the list price'}: net {bia.total_net:,.0f} {s.currency} over {len(bia.years)} years "
                     f"(year 1 {bia.net[0]:,.0f}; year {bia.years[-1]} {bia.net[-1]:,.0f}), undiscounted")
    else:
        lines.append("- Budget impact: not run (this input set has no budget_impact.csv)")
    if bundle.validation is not None:
        summary_v = bundle.validation.summary()
        lines.append(f"- Validation: internal (dependent) and structural checks "
                     f"{'passed' if bundle.validation.passed else 'FAILED'}; same-trial data cut (dependent) "
                     f"{summary_v['same_trial']['passed']} of {summary_v['same_trial']['checks']}, external "
                     f"(independent) {summary_v['external']['passed']} of {summary_v['external']['checks']} within "
                     "their band")
    if bundle.cross_validation is not None:
        lines.append(f"- Cross-validation: {len(bundle.cross_validation.table) - 1} published analyses beside the "
                     "model re-run under their assumptions (crossval/crossval.csv)")
    lines += ["", "## Files", ""]
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "index.md"):
        relative = path.relative_to(folder).as_posix()
        lines.append(f"- [`{relative}`]({relative})" + (f": {DESCRIPTIONS[path.name]}" if path.name in DESCRIPTIONS else ""))
    return "\n".join(lines) + "\n"
