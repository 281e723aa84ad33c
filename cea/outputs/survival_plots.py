"""Survival figures for model validation (NICE DSU TSD14; HTA_METHODS SV-4, SV-5, MS-8).

Every figure is drawn from data: the Kaplan–Meier estimate of ``survival_data.csv``, the
fitted curves of :mod:`cea.analyses.survival_fits` and the base case's Markov trace.

* ``survival_<endpoint>.png`` — per arm: KM with 95% CI, the six independently fitted
  curves, and the model's curve (PF occupancy for PFS, 1 − Dead for OS) to the horizon;
  published medians from ``validation_targets.csv`` as points with their accepted band.
* ``hazard_<endpoint>.png`` — per arm: piecewise-constant empirical hazard with exact 95%
  CI and a kernel-smoothed hazard, against the fitted hazards.
* ``log_cumulative_hazard_<endpoint>.png`` — log(−log S_KM) against log time for both arms
  (parallel lines support proportional hazards, straight lines a Weibull), with the fitted
  Weibull lines.

Matplotlib with the Agg backend; 300 dpi PNG sized for an A4 page (7.5 inches wide).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from cea.analyses.base_case import BaseCaseResult  # noqa: E402
from cea.analyses.survival_fits import FAMILY_LABELS, SurvivalFitsResult  # noqa: E402
from cea.analyses.validation import modelled_curves  # noqa: E402
from cea.engine import survival as engine  # noqa: E402
from cea.survival.diagnostics import log_cumulative_hazard, piecewise_hazard, smoothed_hazard  # noqa: E402
from cea.survival.fitting import FAMILIES, log_hazard_and_survival  # noqa: E402
from cea.survival.kaplan_meier import kaplan_meier  # noqa: E402

DPI = 300
WIDTH = 7.5  # inches: A4 text width with margins
FAMILY_COLOURS = dict(zip(FAMILIES, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")))
ENDPOINT_NAMES = {"os": "Overall survival", "pfs": "Progression-free survival"}
STYLE = {"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "legend.fontsize": 7, "xtick.labelsize": 7,
         "ytick.labelsize": 7, "axes.spines.top": False, "axes.spines.right": False}


def _month_ticks(ax, horizon: float) -> None:
    step = 12 if horizon <= 72 else 24
    ax.set_xticks(np.arange(0, horizon + 1e-9, step))
    ax.set_xlim(0, horizon)


def _arm_label(base_case: BaseCaseResult, arm: str) -> str:
    return base_case.inputs.structure.arm(arm).label


def _km_step(ax, data, colour="black", label="Kaplan–Meier (95% CI)"):
    km = kaplan_meier(data["time"], data["event"])
    t = np.concatenate(([0.0], km.time))
    ax.step(t, np.concatenate(([1.0], km.survival)), where="post", color=colour, lw=1.2, label=label, zorder=5)
    ax.fill_between(t, np.concatenate(([1.0], km.lower)), np.concatenate(([1.0], km.upper)), step="post",
                    color=colour, alpha=0.15, lw=0, zorder=4)
    censored = km.n_censor > 0
    ax.plot(km.time[censored], km.survival[censored], "|", color=colour, ms=3, mew=0.6, zorder=5)


def _x_limit(curves: list[np.ndarray], grid: np.ndarray, horizon: float, observed: float) -> float:
    """The horizon, or earlier once every plotted curve is below 1% (whole years, past the data)."""
    alive = np.zeros(grid.shape, dtype=bool)
    for c in curves:
        alive |= c >= 0.01
    last = grid[np.flatnonzero(alive)[-1]] if alive.any() else 0.0
    return float(min(horizon, max(12.0 * np.ceil(max(last, observed) / 12.0), 12.0)))


def plot_survival(endpoint: str, fits: SurvivalFitsResult | None, base_case: BaseCaseResult, path: Path,
                  targets=()) -> Path:
    """KM + CI, six fitted curves and the modelled curve, one panel per arm, extrapolated to the horizon."""
    arms = base_case.outcomes.arms
    horizon = base_case.settings.horizon_years * 12.0
    grid = np.linspace(0.0, horizon, 721)
    endpoint_fits = fits.endpoints.get(endpoint) if fits else None
    fitted = {arm: {f: engine.survival(f, fits.coefficients(endpoint, arm, f), grid)[0] for f in FAMILIES}
              for arm in arms if endpoint_fits is not None and arm in endpoint_fits.arms}
    model = {arm: modelled_curves(base_case, arm) for arm in arms}
    observed = float(endpoint_fits.data["time"].max()) if endpoint_fits is not None else 0.0
    x_max = _x_limit([np.interp(grid, model[a]["time"], model[a][endpoint]) for a in arms]
                     + [c for per_arm in fitted.values() for c in per_arm.values()], grid, horizon, observed)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(arms), figsize=(WIDTH, 3.6), sharey=True, squeeze=False)
        for ax, arm in zip(axes[0], arms):
            curves = model[arm]
            ax.plot(curves["time"], curves[endpoint], color="0.55", lw=3.0, alpha=0.7, solid_capstyle="butt",
                    label=(f"Partitioned-survival model ({endpoint.upper()} curve)"
                           if base_case.settings.model_structure == "psm" else
                           f"Markov model ({'1 − Dead' if endpoint == 'os' else 'PF occupancy'})"), zorder=3)
            if arm in fitted:
                data = endpoint_fits.data[endpoint_fits.data["arm"] == arm]
                for family in FAMILIES:
                    ax.plot(grid, fitted[arm][family], color=FAMILY_COLOURS[family], lw=1.0, ls="--",
                            label=FAMILY_LABELS[family], zorder=4)
                _km_step(ax, data)
            else:
                ax.text(0.97, 0.95, f"no {endpoint.upper()} patient-level data\navailable to the model",
                        transform=ax.transAxes, ha="right", va="top", fontsize=7, color="0.35")
            for t in targets:
                if t["arm"] == arm:
                    ax.errorbar([t["target"]], [0.5], xerr=[[t["target"] - t["lower"]], [t["upper"] - t["target"]]],
                                fmt="o", color="#d62728", ms=3.5, capsize=3, lw=1, zorder=7,
                                label="Published median (accepted band)")
            ax.set_title(_arm_label(base_case, arm))
            ax.set_xlabel("Months since randomisation")
            _month_ticks(ax, x_max)
            ax.set_ylim(0, 1.02)
            ax.grid(alpha=0.3, lw=0.4)
        axes[0, 0].set_ylabel(f"{ENDPOINT_NAMES.get(endpoint, endpoint)} (proportion)")
        handles: dict = {}
        for ax in axes[0]:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(lab, h)
        ncol = min(4, len(handles))
        rows = -(-len(handles) // ncol)
        fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=ncol, frameon=False,
                   bbox_to_anchor=(0.5, 0.0), columnspacing=1.2, handlelength=2.5)
        shown = "" if x_max >= horizon else f"; shown to {x_max:g} months, where every curve is below 1%"
        what = "data, fitted curves and the model" if fitted else "the model and the published medians"
        fig.suptitle(f"{ENDPOINT_NAMES.get(endpoint, endpoint)}: {what}\n"
                     f"(curves extrapolated to the {horizon:g}-month horizon{shown})", y=0.99, fontsize=9)
        fig.tight_layout(rect=(0, 0.02 + 0.055 * rows, 1, 0.96))
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path


def plot_hazards(endpoint: str, fits: SurvivalFitsResult, base_case: BaseCaseResult, path: Path) -> Path:
    """Empirical hazards (piecewise with 95% CI, kernel-smoothed) against the six fitted hazards."""
    endpoint_fits = fits.endpoints[endpoint]
    arms = endpoint_fits.arms
    follow_up = float(endpoint_fits.data["time"].max())
    x_max = min(fits.horizon_months, 2.0 * follow_up)
    width = max(1.0, round(follow_up / 8.0))  # eight intervals over follow-up, in whole months
    grid = np.linspace(x_max / 400, x_max, 400)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(arms), figsize=(WIDTH, 3.5), sharey=True, squeeze=False)
        y_top = 0.0
        for ax, arm in zip(axes[0], arms):
            data = endpoint_fits.data[endpoint_fits.data["arm"] == arm]
            breaks = np.arange(0.0, follow_up, width)
            if follow_up - breaks[-1] < width / 2 and breaks.size > 1:
                breaks = breaks[:-1]  # a short last interval joins the one before it
            breaks = np.append(breaks, follow_up)
            pieces = piecewise_hazard(data["time"], data["event"], breaks)
            pieces = pieces[pieces["exposure"] > 0]
            mids = (pieces["start"] + pieces["end"]) / 2
            ax.errorbar(mids, pieces["hazard"], yerr=[pieces["hazard"] - pieces["lower"], pieces["upper"] - pieces["hazard"]],
                        xerr=width / 2, fmt="s", color="0.25", ms=2.5, lw=0.7, capsize=0,
                        label=f"Piecewise ({width:g}-month intervals, 95% CI)", zorder=5)
            inner = np.linspace(width / 2, follow_up - width / 2, 200)
            smooth = smoothed_hazard(data["time"], data["event"], inner, bandwidth=width)
            ax.plot(smooth["time"], smooth["hazard"], color="black", lw=1.3,
                    label=f"Kernel-smoothed (bandwidth {width:g} months)", zorder=6)
            y_top = max(y_top, float(np.nanmax(pieces["hazard"])), float(np.nanmax(smooth["hazard"])))
            for family in FAMILIES:
                log_h, _ = log_hazard_and_survival(family, fits.coefficients(endpoint, arm, family), grid)
                ax.plot(grid, np.exp(log_h), color=FAMILY_COLOURS[family], lw=0.9, ls="--", label=FAMILY_LABELS[family])
            ax.axvline(follow_up, color="0.5", lw=0.6, ls=":")
            ax.text(follow_up, 0.98, " end of follow-up", transform=ax.get_xaxis_transform(), fontsize=6,
                    color="0.4", va="top")
            ax.set_title(_arm_label(base_case, arm))
            ax.set_xlabel("Months since randomisation")
            _month_ticks(ax, x_max)
            ax.grid(alpha=0.3, lw=0.4)
        axes[0, 0].set_ylim(0, 1.6 * y_top)  # confidence limits beyond this are clipped
        axes[0, 0].set_ylabel("Hazard (events per patient-month)")
        handles = dict(zip(*reversed(axes[0, 0].get_legend_handles_labels())))
        fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=4, frameon=False)
        fig.suptitle(f"{ENDPOINT_NAMES.get(endpoint, endpoint)}: empirical and fitted hazards", y=0.99)
        fig.tight_layout(rect=(0, 0.12, 1, 0.97))
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path


def plot_log_cumulative_hazard(endpoint: str, fits: SurvivalFitsResult, base_case: BaseCaseResult,
                               path: Path) -> Path:
    """log(−log S_KM(t)) against t on a log axis, both arms, with the fitted Weibull lines."""
    endpoint_fits = fits.endpoints[endpoint]
    lch = log_cumulative_hazard(endpoint_fits.data)
    colours = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(WIDTH * 0.62, 3.4))
        for colour, arm in zip(colours, endpoint_fits.arms):
            part = lch[lch["arm"] == arm]
            ax.step(part["time"], part["log_cumhaz"], where="post", color=colour, lw=1.1,
                    label=f"{_arm_label(base_case, arm)}: Kaplan–Meier")
            grid = np.geomspace(part["time"].min(), part["time"].max(), 100)
            h = engine.cumulative_hazard("weibull", fits.coefficients(endpoint, arm, "weibull"), grid)[0]
            ax.plot(grid, np.log(h), color=colour, lw=0.9, ls="--", label=f"{_arm_label(base_case, arm)}: Weibull fit")
        ax.set_xscale("log")
        ticks = [t for t in (0.5, 1, 2, 3, 6, 12, 24, 48, 96) if lch["time"].min() / 1.5 <= t <= lch["time"].max() * 1.5]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel("Months since randomisation (log scale)")
        ax.set_ylabel("log cumulative hazard, log(−log S(t))")
        p = endpoint_fits.ph_p_value
        cox = endpoint_fits.cox
        note = ""
        if cox is not None:
            note = (f"Cox HR {cox.hazard_ratio:.2f} ({cox.lower:.2f}–{cox.upper:.2f}); "
                    f"Grambsch–Therneau PH test p = {p:.2f}")
        ax.set_title(f"{ENDPOINT_NAMES.get(endpoint, endpoint)}: log-cumulative hazard (PH diagnostic)\n{note}",
                     fontsize=8)
        ax.grid(alpha=0.3, lw=0.4)
        ax.legend(frameon=False, loc="lower right")
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path


def write_survival_plots(folder: Path, fits: SurvivalFitsResult | None, base_case: BaseCaseResult,
                         targets=()) -> list[Path]:
    """Every figure into ``folder``: survival per endpoint (with data or a model curve), hazards and
    log-cumulative hazards per endpoint with data.  ``targets``: dicts (endpoint, arm, target, lower,
    upper) of published medians to mark."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for endpoint in ("pfs", "os"):
        marks = [t for t in targets if t["endpoint"] == endpoint]
        written.append(plot_survival(endpoint, fits, base_case, folder / f"survival_{endpoint}.png", marks))
        if fits is not None and endpoint in fits.endpoints:
            written.append(plot_hazards(endpoint, fits, base_case, folder / f"hazard_{endpoint}.png"))
            written.append(plot_log_cumulative_hazard(endpoint, fits, base_case,
                                                      folder / f"log_cumulative_hazard_{endpoint}.png"))
    return written
