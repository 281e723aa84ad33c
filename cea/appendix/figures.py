"""Every PNG figure of the appendix, written into one folder from one AnalysisBundle.

The figures come from the shared plotting modules (:mod:`cea.outputs.plots`,
:mod:`cea.outputs.survival_plots`, :mod:`cea.outputs.diagrams`) so that the appendix shows
exactly what ``cea psa`` / ``cea dsa`` / ``cea validate`` write; the one figure drawn here
is the validation overlay (Kaplan–Meier of the trial data against the Markov trace).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from cea.analyses.base_case import trace_rows  # noqa: E402
from cea.outputs import plots  # noqa: E402
from cea.outputs.analysis_files import arm_labels, short_label  # noqa: E402
from cea.outputs.diagrams import write_state_diagram  # noqa: E402
from cea.outputs.style import ARM_COLOURS, WIDTH, save  # noqa: E402

EVPPI_SHOWN = 0.005  # per-patient EVPPI below half a penny everywhere: the bar chart would only show rounding noise
ENDPOINT_NAMES = {"pfs": "Progression-free survival", "os": "Overall survival"}


def survival_data(bundle) -> dict[tuple[str, str], object]:
    """(endpoint, arm) → DataFrame(time, event): from the bundle's fits, else the inputs folder."""
    fits = bundle.fits
    if fits is not None and getattr(fits, "endpoints", None):
        out = {}
        for endpoint, endpoint_fits in fits.endpoints.items():
            for arm in endpoint_fits.arms:
                out[(endpoint, arm)] = endpoint_fits.data[endpoint_fits.data["arm"] == arm]
        return out
    try:
        from cea.inputs.survival_data import has_survival_data, load_survival_data

        folder = bundle.inputs.folder
        return load_survival_data(folder) if has_survival_data(folder) else {}
    except Exception:  # noqa: BLE001 — no data means no KM curve in the overlay, never a failed appendix
        return {}


def median_targets(bundle) -> list[dict]:
    """Published medians with their accepted bands, from the bundle's validation checks."""
    validation = bundle.validation
    if validation is None:
        return []
    out = []
    for check in getattr(validation, "checks", ()):
        metric = getattr(check, "metric", "")
        if metric.endswith("_median") and np.isfinite(check.lower) and np.isfinite(check.upper):
            out.append({"endpoint": metric.split("_")[0], "arm": check.arm, "target": check.target,
                        "lower": check.lower, "upper": check.upper})
    return out


def validation_overlay(bundle, path: Path) -> Path:
    """Per endpoint: the Markov model (PF occupancy; 1 − Dead) against the trial's Kaplan–Meier curves."""
    from cea.survival.kaplan_meier import kaplan_meier

    base = bundle.base_case
    labels = arm_labels(bundle.inputs)
    data = survival_data(bundle)
    targets = median_targets(bundle)
    horizon = base.settings.horizon_years * 12.0
    observed = max((float(d["time"].max()) for d in data.values()), default=0.0)
    x_max = min(horizon, max(36.0, 12.0 * np.ceil(1.25 * observed / 12.0)))
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.3), sharey=True)
    for ax, endpoint in zip(axes, ("pfs", "os")):
        for k, arm in enumerate(base.outcomes.arms):
            colour = ARM_COLOURS[k % len(ARM_COLOURS)]
            rows = trace_rows(base, arm)
            curve = rows["PF"] if endpoint == "pfs" else 1.0 - rows["Dead"]
            ax.plot(rows["time_months"], curve, color=colour, lw=1.8, label=f"{labels[arm]}: model")
            if (endpoint, arm) in data:
                frame = data[(endpoint, arm)]
                km = kaplan_meier(frame["time"], frame["event"])
                ax.step(np.concatenate(([0.0], km.time)), np.concatenate(([1.0], km.survival)), where="post",
                        color=colour, lw=1.0, ls="--", label=f"{labels[arm]}: Kaplan–Meier")
            for t in targets:
                if t["endpoint"] == endpoint and t["arm"] == arm:
                    ax.errorbar([t["target"]], [0.5], xerr=[[t["target"] - t["lower"]], [t["upper"] - t["target"]]],
                                fmt="o", color=colour, ms=3.5, capsize=3, lw=1, mec="black", mew=0.5)
        ax.axhline(0.5, color="grey", lw=0.5, ls=":")
        ax.set_xlim(0, x_max)
        ax.set_xticks(np.arange(0, x_max + 1e-9, 12 if x_max <= 72 else 24))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("Months since randomisation")
        ax.set_title(ENDPOINT_NAMES[endpoint])
    axes[0].set_ylabel("Proportion")
    handles: dict = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=2, frameon=False, fontsize=7.5)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    save(fig, path)
    return Path(path)


def _save(draw, path: Path, rendered: Path | None = None) -> Path:
    """Save the figure ``draw()`` makes as ``path``, or copy ``rendered``: the same figure, drawn by the same call
    on the same bundle, already saved by this run's other outputs (`cea all`), byte for byte what drawing it
    again would write."""
    path = Path(path)
    if rendered is not None and Path(rendered).is_file():
        if Path(rendered).resolve() != path.resolve():
            shutil.copyfile(rendered, path)
    else:
        save(draw(), path)
    return path


def _survival_figures(bundle, folder: Path, rendered: dict[str, Path] | None = None) -> dict[str, Path]:
    """KM + fitted curves + model per endpoint; hazard and log-cumulative-hazard plots when data were fitted."""
    out: dict[str, Path] = {}
    rendered = rendered or {}
    try:
        from cea.outputs import survival_plots
    except ImportError:  # the survival plots module is optional for the appendix
        return out
    targets = median_targets(bundle)
    fits = bundle.fits
    for endpoint in ("pfs", "os"):
        marks = [t for t in targets if t["endpoint"] == endpoint]
        key = f"survival_{endpoint}"
        if key in rendered and Path(rendered[key]).is_file():  # drawn by the run with the same marks
            out[key] = _save(None, folder / f"{key}.png", rendered[key])
        else:
            out[key] = survival_plots.plot_survival(endpoint, fits, bundle.base_case, folder / f"{key}.png", marks)
        if fits is not None and endpoint in fits.endpoints:
            for key, plot, name in ((f"hazard_{endpoint}", survival_plots.plot_hazards, f"hazard_{endpoint}.png"),
                                    (f"lch_{endpoint}", survival_plots.plot_log_cumulative_hazard,
                                     f"log_cumulative_hazard_{endpoint}.png")):
                if key in rendered and Path(rendered[key]).is_file():
                    out[key] = _save(None, folder / name, rendered[key])
                else:
                    out[key] = plot(endpoint, fits, bundle.base_case, folder / name)
    return out


def write_figures(bundle, folder: Path, rendered: dict[str, Path] | None = None) -> dict[str, Path]:
    """Write every appendix figure (300-dpi PNG) into ``folder``; returns key → path.  ``rendered``: figure key →
    the file this run's other outputs already saved for it from the same bundle (`cea all`), copied instead of
    drawn again (those keys only: survival plots drawn with the same published medians marked, hazard and
    log-cumulative-hazard plots, ce_plane, ceac, convergence, evpi,
    evppi, budget_impact, budget_impact_tornado; price and cumulative in their sections)."""
    rendered = rendered or {}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    inputs, s = bundle.inputs, bundle.inputs.settings
    labels = arm_labels(inputs)
    figures: dict[str, Path] = {"state_diagram": write_state_diagram(folder / "state_diagram.png", s.pd_mortality)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        figures.update(_survival_figures(bundle, folder, rendered))
    base = bundle.base_case
    traces = {arm: trace_rows(base, arm) for arm in base.outcomes.arms}
    save(plots.markov_trace(base.outcomes.times_years * 12.0, traces, labels), folder / "markov_trace.png")
    figures["markov_trace"] = folder / "markov_trace.png"
    from cea.appendix.strategies import write_frontier_figure

    figures.update(write_frontier_figure(bundle, folder, labels))  # more than two arms
    from cea.appendix.dsa import submission_dsa  # prices, no-effect parameters and Dirichlet siblings left out

    dsa = bundle.one_way
    shown = submission_dsa(bundle).table
    from cea.appendix.document import AppendixContext
    from cea.appendix.language import submission_text

    words = AppendixContext(bundle, None, {})  # labels in submission language (arm labels, never ids)
    tornado_labels = {p: submission_text(words, short_label(inputs.parameters[p].description)) for p in shown["parameter"]}
    save(plots.tornado(shown, dsa.base_inmb, dsa.wtp, s.currency, labels=tornado_labels), folder / "tornado.png")
    figures["tornado"] = folder / "tornado.png"
    psa = bundle.psa
    dc, dq = psa.incremental()
    det = base.incremental()
    figures["ce_plane"] = _save(lambda: plots.ce_plane(dq, dc, s.wtp_thresholds, s.currency,
                                                       (det["costs"], det["qalys"])),
                                folder / "ce_plane.png", rendered.get("ce_plane"))
    figures["ceac"] = _save(lambda: plots.ceac(psa.ceac_frame(), psa.arms, labels, s.currency, s.wtp_thresholds),
                            folder / "ceac.png", rendered.get("ceac"))
    if psa.iterations >= 2:
        figures["convergence"] = _save(
            lambda: plots.convergence(psa.convergence(s.primary_wtp), s.primary_wtp, s.currency),
            folder / "convergence.png", rendered.get("convergence"))
    figures["evpi"] = _save(lambda: plots.evpi_curve(bundle.voi.evpi, s.currency), folder / "evpi.png",
                            rendered.get("evpi"))
    groups = bundle.voi.evppi[bundle.voi.evppi["kind"] == "group"]
    if len(groups) and float(groups["evppi"].abs().max()) >= EVPPI_SHOWN:
        figures["evppi"] = _save(lambda: plots.evppi_bars(bundle.voi.evppi, s.currency), folder / "evppi.png",
                                 rendered.get("evppi"))
    figures["validation_overlay"] = validation_overlay(bundle, folder / "validation_overlay.png")
    budget = getattr(bundle, "budget_impact", None)
    if budget is not None:
        from cea.outputs.budget_impact_files import budget_impact_plot, budget_impact_tornado

        figures["budget_impact"] = _save(lambda: budget_impact_plot(budget, labels), folder / "budget_impact.png",
                                         rendered.get("budget_impact"))
        if budget.one_way is not None and len(budget.one_way):
            figures["budget_impact_tornado"] = _save(lambda: budget_impact_tornado(budget),
                                                     folder / "budget_impact_tornado.png",
                                                     rendered.get("budget_impact_tornado"))
    plt.close("all")
    return figures


__all__ = ["write_figures", "validation_overlay", "survival_data", "median_targets"]
