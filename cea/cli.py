"""Command-line interface: a thin typer shell around the library API.

Every command reads an inputs folder, runs one analysis and writes its files
atomically; an InputError anywhere becomes a message on stderr and exit code 2.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cea.commands import exit_code_on_input_error, load_with_overrides, run_command  # typer-free, see cea.console

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Cohort cost-effectiveness model (PF, PD, Dead) with DSA, PSA, VOI, Excel workbook and HTA appendix; configured by an inputs folder (default: BOLERO-2).")

InputsDir = Annotated[Path, typer.Option("--inputs", help="Folder holding parameters.csv, survival_models.csv, settings.toml, …")]
OutputsDir = Annotated[Path, typer.Option("--out", help="Folder to write results into; earlier results survive a failed run.")]
SetOption = Annotated[Optional[list[str]], typer.Option("--set", help="Override a parameter or setting: ID=VALUE (repeatable).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]
InterventionArm = Annotated[Optional[str], typer.Option(
    "--intervention", help="Arm (id in arms.csv) of the pairwise comparison (default: [arms] intervention in settings.toml).")]
ComparatorArm = Annotated[Optional[str], typer.Option(
    "--comparator", help="Arm (id in arms.csv) the intervention is compared with (default: [arms] comparator in "
                         "settings.toml).")]


Structure = Annotated[Optional[str], typer.Option("--structure", help="markov or psm (partitioned survival); "
                                                  "default: model_structure in settings.toml.")]


@app.command()
def run(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
        structure: Structure = None, json_output: JsonFlag = False) -> None:
    """Deterministic base case: costs, LYs, QALYs per arm, ICER and NMB; writes results.json and traces."""
    run_command(inputs, out, set_, structure, json_output)  # also `cea run`'s fast path (cea.console)


@app.command()
def params(inputs: InputsDir = Path("inputs"), json_output: JsonFlag = False,
           markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Also write a Markdown parameter table to this file.")] = None) -> None:
    """List every parameter with its value, verification status, distribution and source."""
    from cea.outputs.parameter_table import parameter_frame

    with exit_code_on_input_error():
        from cea.inputs.model_inputs import load_inputs

        frame = parameter_frame(model_inputs := load_inputs(inputs))
        if markdown is not None:
            from cea.outputs.parameter_markdown import write_parameter_markdown

            write_parameter_markdown(markdown, model_inputs)
        if json_output:
            from cea.outputs.files import to_json

            sys.stdout.write(to_json(frame.to_dict(orient="records")))
        else:
            import pandas as pd

            with pd.option_context("display.max_rows", None, "display.max_colwidth", 60, "display.width", 200):
                typer.echo(frame[["id", "value", "unit", "status", "distribution", "dsa_low", "dsa_high", "source"]].to_string(index=False))


def _finite_wtp(value: Optional[float]) -> Optional[float]:
    if value is not None and not 0 <= value < float("inf"):
        raise typer.BadParameter(f"{value} is not a willingness to pay; expected a finite number >= 0")
    return value


Iterations = Annotated[Optional[int], typer.Option("--iterations", min=2, max=10_000_000,
                                                   help="PSA iterations (default: settings.toml).")]
Seed = Annotated[Optional[int], typer.Option("--seed", min=0, max=2**63 - 1, help="PSA seed (default: settings.toml).")]
Wtp = Annotated[Optional[float], typer.Option("--wtp", callback=_finite_wtp,
                                              help="Willingness to pay per QALY (default: every threshold in settings).")]


def _emit(document: dict, json_output: bool, text: str) -> None:
    from cea.outputs.files import to_json

    sys.stdout.write(to_json(document)) if json_output else typer.echo(text)


@app.command()
def dsa(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
        wtp: Wtp = None, intervention: InterventionArm = None, comparator: ComparatorArm = None,
        json_output: JsonFlag = False) -> None:
    """One-way sensitivity analysis: table and tornado of incremental NMB (writes OUT/dsa/)."""
    from cea.analyses.one_way import one_way
    from cea.inputs.manifest import build_manifest
    from cea.outputs.analysis_files import write_dsa
    from cea.outputs.files import write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_, intervention, comparator)
        result = one_way(model_inputs, wtp)
        pair = f"{model_inputs.settings.intervention} vs {model_inputs.settings.comparator}"
        manifest = build_manifest(model_inputs, overrides=assignments)
        write_atomically(out / "dsa", lambda d: write_dsa(d, model_inputs, result, manifest))
        top = result.table.head(10)[["parameter", "low", "high", "inmb_low", "inmb_high", "swing"]]
        _emit({"intervention": model_inputs.settings.intervention, "comparator": model_inputs.settings.comparator,
               "wtp": result.wtp, "base_inmb": result.base_inmb, "parameters": result.table.to_dict(orient="records"),
               "manifest": manifest.to_dict()}, json_output,
              f"Incremental NMB ({pair}) at {result.wtp:,.0f}/QALY: base {result.base_inmb:,.0f}\n{top.to_string(index=False)}"
              f"\n\nWritten to {out / 'dsa'}/")


@app.command()
def scenarios(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
              intervention: InterventionArm = None, comparator: ComparatorArm = None,
              json_output: JsonFlag = False) -> None:
    """Scenario analyses defined in scenarios.csv, intervention vs comparator, and the strategy with the largest
    net benefit at each threshold among all arms (writes OUT/scenarios/)."""
    from cea.analyses.scenarios import run_scenarios
    from cea.inputs.manifest import build_manifest
    from cea.outputs.analysis_files import write_scenarios
    from cea.outputs.files import write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_, intervention, comparator)
        result = run_scenarios(model_inputs)
        manifest = build_manifest(model_inputs, overrides=assignments)
        write_atomically(out / "scenarios", lambda d: write_scenarios(d, result, manifest))
        s = model_inputs.settings
        best = [c for c in result.table.columns if c.startswith("nmb_max_")]
        table = result.table[["scenario", "inc_cost", "inc_qaly", "icer", "status"] + best]
        _emit(result.to_dict() | {"manifest": manifest.to_dict()}, json_output,
              f"{s.intervention} vs {s.comparator}; nmb_max_<threshold>: the arm with the largest net monetary "
              f"benefit among all {len(model_inputs.structure.arm_ids)} arms\n"
              f"{table.to_string(index=False)}\n\nWritten to {out / 'scenarios'}/")


@app.command()
def crossval(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
             json_output: JsonFlag = False) -> None:
    """Cross-validation (AdViSHE A2/D2): published analyses of the same comparison beside this model re-run
    under each one's nearest assumptions (published_analyses.csv; writes OUT/crossval/)."""
    from cea.analyses.cross_validation import run_cross_validation
    from cea.outputs.analysis_files import cross_validation_text, write_cross_validation
    from cea.outputs.files import write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        result = run_cross_validation(model_inputs, overrides=assignments)
        write_atomically(out / "crossval", lambda d: write_cross_validation(d, result))
        _emit(result.to_dict(), json_output, f"{cross_validation_text(result)}\n\nWritten to {out / 'crossval'}/")


@app.command()
def threshold(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
              parameter: Annotated[Optional[str], typer.Option("--parameter", help="Parameter id (default: the "
                                                               "price parameter in settings, with its linked prices).")] = None,
              wtp: Wtp = None, intervention: InterventionArm = None, comparator: ComparatorArm = None,
              json_output: JsonFlag = False) -> None:
    """Value of a parameter at which incremental NMB (intervention vs comparator) = 0 (headline: the everolimus
    price)."""
    from cea.analyses.threshold import threshold as run_threshold
    from cea.inputs.manifest import build_manifest
    from cea.outputs.analysis_files import write_threshold
    from cea.outputs.files import write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_, intervention, comparator)
        s = model_inputs.settings
        linked = s.price_linked if parameter in (None, s.price_parameter) else ()
        result = run_threshold(model_inputs, parameter or s.price_parameter, None if wtp is None else [wtp], linked)
        manifest = build_manifest(model_inputs, overrides=assignments)
        write_atomically(out / "threshold", lambda d: write_threshold(d, result, manifest))
        _emit({"intervention": s.intervention, "comparator": s.comparator,
               "thresholds": result.table.to_dict(orient="records"), "manifest": manifest.to_dict()}, json_output,
              f"{s.intervention} vs {s.comparator}\n{result.table.to_string(index=False)}"
              f"\n\nWritten to {out / 'threshold'}/")


@app.command()
def price(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
          iterations: Iterations = None, seed: Seed = None, json_output: JsonFlag = False) -> None:
    """Price analysis: ICER, INMB and P(cost-effective), unweighted and severity-weighted, over 0-90% off the list
    price of the technology, and the threshold price at each threshold (writes OUT/price/)."""
    from cea.analyses.price import PRICE_EVIDENCE, price_analysis
    from cea.analyses.severity import severity
    from cea.outputs.files import write_atomically
    from cea.outputs.price_files import write_price

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        s = model_inputs.settings
        psa_result = _run_psa_into(None, model_inputs, iterations, seed, assignments, not json_output)
        weight = severity(psa_result.base_case)["weight"] if "NHS" in s.perspective else 1.0
        result = price_analysis(psa_result.base_case, psa_result, weight)
        write_atomically(out / "price", lambda d: write_price(d, result, psa_result.manifest, s.currency,
                                                              s.wtp_thresholds, PRICE_EVIDENCE))
        cols = ["weighting", "wtp", "threshold_discount", f"threshold_price_{s.price_parameter}"]
        _emit({**result.to_dict(), "manifest": psa_result.manifest.to_dict()}, json_output,
              f"{result.thresholds[cols].to_string(index=False)}\n\nWritten to {out / 'price'}/")


def _run_psa_into(folder: Path | None, model_inputs, iterations, seed, assignments, progress: bool = True,
                  keep_parameters: int = 200_000):
    """Run the PSA with a progress bar, streaming per-iteration rows into folder/psa_samples.csv, or
    psa_samples.parquet above what a spreadsheet opens (cea.outputs.psa_samples), when a folder is given;
    returns the PsaResult (holding the first ``keep_parameters`` iterations' draws, for EVPPI)."""
    from tqdm import tqdm

    from cea.analyses.psa import run_psa
    from cea.inputs.manifest import build_manifest
    from cea.outputs.psa_samples import SamplesWriter
    from cea.parameters.sampling import stochastic_ids

    n = int(iterations or model_inputs.settings.psa_iterations)
    ids = stochastic_ids(model_inputs)
    arms = model_inputs.structure.arm_ids
    bar = tqdm(total=n, desc="PSA", unit="it", disable=not progress, file=sys.stderr, leave=False)
    with contextlib.ExitStack() as stack:
        # the manifest the PsaResult will carry (run_psa builds the same one), for the Parquet file's metadata
        manifest = build_manifest(model_inputs, int(seed if seed is not None else model_inputs.settings.seed),
                                  assignments).to_dict()
        writer = None if folder is None else stack.enter_context(SamplesWriter(folder, n, ids, arms, manifest))

        def on_block(start, sample, costs, qalys, lys):
            if writer is not None:
                writer.write(start, sample, costs, qalys, lys)
            bar.update(costs.shape[0])

        result = run_psa(model_inputs, n, seed, keep_parameters=keep_parameters, on_block=on_block,
                         overrides=assignments)
    bar.close()
    return result


@app.command()
def psa(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
        iterations: Iterations = None, seed: Seed = None, intervention: InterventionArm = None,
        comparator: ComparatorArm = None, json_output: JsonFlag = False) -> None:
    """Probabilistic sensitivity analysis: samples, summary, CE plane, CEAC/CEAF over every arm, and the fully
    incremental analysis of the means (writes OUT/psa/)."""
    from cea.outputs.analysis_files import write_psa
    from cea.outputs.files import write_atomically
    from cea.outputs.report import incremental_analysis_lines

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_, intervention, comparator)
        holder = {}

        def build(folder: Path) -> None:
            # the draws are in the samples file; no EVPPI here, so the result keeps none of them in memory
            holder["result"] = _run_psa_into(folder, model_inputs, iterations, seed, assignments, not json_output,
                                             keep_parameters=0)
            write_psa(folder, model_inputs, holder["result"])

        write_atomically(out / "psa", build)
        summary = holder["result"].summary()
        inc = summary["incremental"]
        currency = model_inputs.settings.currency
        _emit(summary, json_output,
              f"PSA: {summary['iterations']:,} iterations, seed {summary['seed']}\n"
              + "\n".join(incremental_analysis_lines(
                  summary["incremental_analysis"], currency, "Fully incremental probabilistic analysis (means over "
                  "the iterations, every arm sorted by cost; ICER against the previous strategy on the frontier)"))
              + "\n" + "\n".join(f"Frontier (CEAF) at {w}: {c['strategy']}, probability cost-effective "
                                  f"{c['probability']:.3f}" for w, c in summary["ceaf"].items())
              + f"\n\n{inc['intervention']} vs {inc['comparator']}: mean incremental costs {inc['costs']:,.0f}, "
              f"QALYs {inc['qalys']:.3f}, probabilistic ICER "
              f"{inc['icer'] if inc['icer'] is None else format(inc['icer'], ',.0f')} ({inc['status']})\n"
              + "\n".join(f"P(cost-effective) at {w}: {p}" for w, p in summary["prob_cost_effective"].items())
              + f"\n\nWritten to {out / 'psa'}/")


@app.command()
def voi(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
        iterations: Iterations = None, seed: Seed = None, json_output: JsonFlag = False) -> None:
    """Value of information over every arm: EVPI over the WTP grid, population EVPI, EVPPI by parameter and
    group."""
    from cea.analyses.voi_analysis import run_voi
    from cea.inputs.manifest import build_manifest
    from cea.outputs.analysis_files import write_voi
    from cea.outputs.files import to_json, write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        holder = {}

        def build(folder: Path) -> None:
            psa_result = _run_psa_into(None, model_inputs, iterations, seed, assignments, not json_output)
            holder["result"] = run_voi(model_inputs, psa_result)
            write_voi(folder, model_inputs, holder["result"], psa_result.manifest)

        write_atomically(out / "voi", build)
        document = __import__("json").loads((out / "voi" / "voi.json").read_text())
        _emit(document, json_output, to_json({k: document[k] for k in ("evpi", "population_evpi")})
              + f"\nWritten to {out / 'voi'}/")


def _survival_fits_or_none(model_inputs):
    from cea.analyses.survival_fits import run_survival_fits
    from cea.inputs.survival_data import has_survival_data

    return run_survival_fits(model_inputs) if has_survival_data(model_inputs.folder) else None


@app.command()
def validate(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
             json_output: JsonFlag = False) -> None:
    """Validate the model against the trial (validation_targets.csv): survival fits, plots and checks
    (writes OUT/validation/; exit code 1 if any check fails)."""
    from cea.analyses.validation import run_validation
    from cea.outputs.validation_output import fit_table_text, validation_table_text, write_validation_outputs

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        fits = _survival_fits_or_none(model_inputs)
        result = run_validation(model_inputs, overrides=assignments)
        write_validation_outputs(out / "validation", model_inputs, fits, result)
        _emit(result.to_dict(), json_output,
              (fit_table_text(fits) + "\n\n" if fits is not None else "") + validation_table_text(result)
              + f"\n\nWritten to {out / 'validation'}/")
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def fit(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs")) -> None:
    """Fit the six survival families to survival_data.csv: AIC/BIC table (fit_table.csv) and plots
    (writes OUT/validation/)."""
    from cea.analyses.base_case import run_base_case
    from cea.outputs.validation_output import fit_table_text, write_fit_outputs

    with exit_code_on_input_error():
        model_inputs, _ = load_with_overrides(inputs, None)
        fits = _survival_fits_or_none(model_inputs)
        write_fit_outputs(out / "validation", model_inputs, fits, run_base_case(model_inputs))
        text = fit_table_text(fits) if fits is not None else "survival_data.csv not found: nothing to fit"
        typer.echo(text + f"\n\nWritten to {out / 'validation'}/")


@app.command()
def structures(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
               json_output: JsonFlag = False) -> None:
    """Markov and partitioned-survival structures side by side (writes OUT/structures/)."""
    from cea.analyses.structures import compare_structures
    from cea.inputs.manifest import build_manifest
    from cea.outputs.files import to_json, write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        table = compare_structures(model_inputs)
        manifest = build_manifest(model_inputs, overrides=assignments)
        if table["pfs_os_crossings"].sum() > 0:
            typer.echo("warning: the PFS curve crosses above OS; the partitioned-survival model capped PF at OS "
                       f"in {int(table['pfs_os_crossings'].sum())} cycles", err=True)

        def build(folder: Path) -> None:
            table.to_csv(folder / "structures.csv", index=False, float_format="%.10g", lineterminator="\n")
            (folder / "structures.json").write_text(to_json({"structures": table.to_dict(orient="records"),
                                                             "manifest": manifest.to_dict()}), encoding="utf-8")

        write_atomically(out / "structures", build)
        _emit({"structures": table.to_dict(orient="records"), "manifest": manifest.to_dict()}, json_output,
              table.to_string(index=False) + f"\n\nWritten to {out / 'structures'}/")


@app.command()
def bia(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
        intervention: InterventionArm = None, comparator: ComparatorArm = None,
        json_output: JsonFlag = False) -> None:
    """Budget impact: eligible and treated patients, costs with and without the intervention and the net
    budget impact per year (undiscounted), one-way sensitivity and figures (writes OUT/budget_impact/).
    At the inputs' price: `--set pas_discount=0.5` gives 50% off the list price (the list-price table is
    then written beside it).  With more than two arms budget_impact.csv states the market share of every other arm
    in the world without the intervention and whom the intervention takes patients from (cea.inputs.budget_impact)."""
    from cea.analyses.budget_impact import run_budget_impact
    from cea.outputs.budget_impact_files import text_table, write_budget_impact
    from cea.outputs.files import write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_, intervention, comparator)
        result = run_budget_impact(model_inputs, overrides=assignments)
        list_price = (run_budget_impact(model_inputs, 0.0, assignments, sensitivity=False)
                      if result.price_discount > 0 else None)
        labels = {a.id: a.label for a in model_inputs.structure.arms}
        write_atomically(out / "budget_impact", lambda d: write_budget_impact(d, result, list_price, labels))
        extra = "" if list_price is None else "\n\n" + text_table(list_price)
        _emit(result.to_dict(), json_output, text_table(result) + extra + f"\n\nWritten to {out / 'budget_impact'}/")


@app.command()
def excel(inputs: InputsDir = Path("inputs"),
          out: Annotated[Path, typer.Option("--out", help="Workbook file to write.")] = Path("outputs/model.xlsx"),
          set_: SetOption = None,
          max_horizon: Annotated[Optional[float], typer.Option(
              "--max-horizon", min=1.0, max=100.0,
              help="Years of trace rows at the run's cycle length (default: the run's horizon + 5 years; "
                   "longer horizons are refused in the workbook).")]
          = None) -> None:
    """Payer workbook: the model as live Excel formulas (base case and budget impact; `cea all` adds DSA,
    scenarios and PSA)."""
    from cea.analyses.base_case import run_base_case
    from cea.inputs.budget_impact import has_budget_impact, load_budget_impact
    from cea.workbook import write_workbook

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        result = run_base_case(model_inputs, overrides=assignments)
        bia = load_budget_impact(model_inputs.folder) if has_budget_impact(model_inputs.folder) else None
        typer.echo(f"Written {write_workbook(out, model_inputs, result, manifest=result.manifest.to_dict(), budget_impact=bia, max_horizon_years=max_horizon)}")


@app.command()
def appendix(inputs: InputsDir = Path("inputs"),
             out: Annotated[Path, typer.Option("--out", help="Word document to write.")] = Path("outputs/appendix.docx"),
             set_: SetOption = None, iterations: Iterations = None, seed: Seed = None) -> None:
    """HTA submission appendix (Word) from one run; figures go to a `figures/` folder beside it."""
    from cea.analyses.bundle import run_all_analyses
    from cea.appendix import write_appendix
    from cea.outputs.files import write_atomically

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        bundle = run_all_analyses(model_inputs, iterations, seed, assignments)

        def build(folder: Path) -> None:
            write_appendix(folder / out.name, bundle, folder / "figures")

        write_atomically(out.parent, build)
        typer.echo(f"Written {out} (figures in {out.parent / 'figures'}/)")


@app.command(name="all")
def all_(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
         iterations: Iterations = None, seed: Seed = None) -> None:
    """Everything: base case, validation, cross-validation, DSA, scenarios, threshold, PSA, VOI, structures,
    workbook and appendix, into one folder with an index (index.md).  One PSA feeds the VOI, the workbook and the appendix."""
    from cea.analyses.bundle import run_all_analyses
    from cea.outputs.files import write_atomically
    from cea.outputs.report import print_base_case
    from cea.outputs.psa_samples import samples_file
    from cea.outputs.run_all import write_all

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)

        holder = {}

        def build(folder: Path) -> None:
            samples_dir = folder / ".psa"
            samples_dir.mkdir()
            psa_result = _run_psa_into(samples_dir, model_inputs, iterations, seed, assignments)
            holder["bundle"] = run_all_analyses(model_inputs, iterations, seed, assignments, psa=psa_result)
            write_all(folder, holder["bundle"], psa_samples=samples_file(samples_dir))
            samples_dir.rmdir()

        write_atomically(out, build)
        print_base_case(holder["bundle"].base_case, out)
        index = (out / "index.md").read_text(encoding="utf-8")
        typer.echo("\n" + index.split("## Files")[0].rstrip() + f"\n\nEvery file is listed in {out / 'index.md'}")


@app.command()
def cumulative(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
               steps: Annotated[Optional[Path], typer.Option("--steps", help="Ordered list of scenarios (CSV: step, "
                                                             "scenario, kind, label, rationale); default: the "
                                                             "inputs folder's cumulative.csv.")] = None,
               json_output: JsonFlag = False) -> None:
    """Scenarios added one at a time, each to the last (a review group's base case step by step): ICER after
    every step, unweighted and severity-weighted, waterfall figure (writes OUT/cumulative/)."""
    from cea.analyses.cumulative import load_cumulative, run_cumulative
    from cea.inputs.manifest import build_manifest
    from cea.outputs.files import write_atomically
    from cea.outputs.price_files import write_cumulative

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(inputs, set_)
        s = model_inputs.settings
        result = run_cumulative(model_inputs, load_cumulative(model_inputs, steps))
        manifest = build_manifest(model_inputs, overrides=assignments)
        write_atomically(out / "cumulative", lambda d: write_cumulative(d, result, manifest, s.currency,
                                                                        s.wtp_thresholds))
        cols = ["step", "kind", "scenario", "inc_cost", "inc_qaly", "icer", "icer_weighted"]
        _emit({"steps": result.table.to_dict(orient="records"), "manifest": manifest.to_dict()}, json_output,
              f"{result.table[cols].to_string(index=False)}\n\nWritten to {out / 'cumulative'}/")
