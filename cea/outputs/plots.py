"""Figures drawn from analysis results only (no computation beyond arranging data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from cea.outputs.style import ARM_COLOURS, COLOURS, figure, money_formatter


def tornado(table: pd.DataFrame, base: float, wtp: float, currency: str, top: int = 15, labels: dict | None = None):
    """Incremental NMB at the low and high bound of each parameter, widest swing at the top."""
    rows = table.head(top).iloc[::-1]
    fig, ax = figure(height=0.32 * len(rows) + 1.2)
    y = np.arange(len(rows))
    names = [(labels or {}).get(p, p) for p in rows["parameter"]]
    for k, (_, row) in enumerate(rows.iterrows()):
        ax.barh(y[k], row["inmb_low"] - base, left=base, color=COLOURS["comparator"], height=0.6,
                label="Low value" if k == 0 else None)
        ax.barh(y[k], row["inmb_high"] - base, left=base, color=COLOURS["intervention"], height=0.6,
                label="High value" if k == 0 else None)
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(y, names)
    ax.xaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_xlabel(f"Incremental net monetary benefit at {money_formatter(currency)(wtp)}/QALY")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=False)
    ax.set_title("One-way sensitivity analysis (tornado)")
    return fig


def ce_plane(d_qaly: np.ndarray, d_cost: np.ndarray, wtps: tuple[float, ...], currency: str,
             deterministic: tuple[float, float] | None = None, max_points: int = 5000):
    fig, ax = figure(height=4.0)
    step = max(1, len(d_qaly) // max_points)
    ax.scatter(d_qaly[::step], d_cost[::step], s=4, alpha=0.35, color=COLOURS["intervention"], lw=0,
               label="PSA iterations")
    ax.scatter([d_qaly.mean()], [d_cost.mean()], color="black", marker="D", s=25, label="Probabilistic mean", zorder=3)
    if deterministic is not None:
        ax.scatter([deterministic[1]], [deterministic[0]], color=COLOURS["accent"], marker="*", s=70,
                   label="Deterministic", zorder=3)
    x_lo, x_hi = min(0.0, d_qaly.min()) * 1.1, max(0.0, d_qaly.max()) * 1.1
    xs = np.linspace(x_lo, x_hi, 2)
    for k, w in enumerate(wtps):
        ax.plot(xs, w * xs, lw=1, ls=["--", ":", "-."][k % 3], color="grey",
                label=f"{money_formatter(currency)(w)}/QALY")
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlim(x_lo, x_hi)
    y_lo, y_hi = min(0.0, d_cost.min()) * 1.1, max(0.0, d_cost.max()) * 1.1
    ax.set_ylim(y_lo, y_hi)
    ax.yaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_xlabel("Incremental QALYs")
    ax.set_ylabel("Incremental costs")
    ax.set_title("Cost-effectiveness plane")
    ax.legend(loc="upper left", frameon=False)
    return fig


def ce_plane_strategies(costs: np.ndarray, qalys: np.ndarray, arms: tuple[str, ...], labels: dict[str, str],
                        entries: list[dict], currency: str, max_points: int = 2000):
    """Every arm on the cost-effectiveness plane (total QALYs, total costs): PSA clouds, the means and the
    efficient frontier through the non-dominated means (entries: cea.analyses.strategies.incremental_entries)."""
    fig, ax = figure(height=4.5)
    step = max(1, costs.shape[0] // max_points)
    for k, arm in enumerate(arms):
        colour = ARM_COLOURS[k % len(ARM_COLOURS)]
        ax.scatter(qalys[::step, k], costs[::step, k], s=4, alpha=0.25, color=colour, lw=0)
        status = next(e["status"] for e in entries if e["arm"] == arm)
        ax.scatter([qalys[:, k].mean()], [costs[:, k].mean()], color=colour, marker="D", s=30, edgecolor="black",
                   lw=0.6, zorder=3, label=f"{labels.get(arm, arm)} ({status})")
    frontier = [e for e in entries if e["status"] in ("reference", "non-dominated")]
    ax.plot([e["qalys"] for e in frontier], [e["costs"] for e in frontier], color="black", lw=1.2, zorder=2,
            label="Efficient frontier (means)")
    ax.yaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_xlabel("QALYs")
    ax.set_ylabel("Costs")
    ax.set_title("Cost-effectiveness plane: every strategy")
    ax.legend(frameon=False, loc="upper left", fontsize="small")
    return fig


def ceac(frame: pd.DataFrame, arms: tuple[str, ...], labels: dict[str, str], currency: str,
         thresholds: tuple[float, ...] = ()):
    fig, ax = figure()
    for k, arm in enumerate(arms):
        ax.plot(frame["wtp"], frame[arm], color=ARM_COLOURS[k % len(ARM_COLOURS)], lw=1.6, label=labels.get(arm, arm))
    ax.plot(frame["wtp"], frame["ceaf_probability"], color="black", lw=2.5, alpha=0.35, label="Frontier (CEAF)")
    for w in thresholds:
        ax.axvline(w, color="grey", lw=0.8, ls=":")
    ax.set_ylim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_xlabel("Willingness to pay per QALY")
    ax.set_ylabel("Probability cost-effective")
    ax.set_title("Cost-effectiveness acceptability curves and frontier")
    # below the axes: with several strategies the curves cross everywhere a legend could sit inside
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=min(3, len(arms) + 1),
              fontsize="small")
    return fig


def convergence(frame: pd.DataFrame, wtp: float, currency: str):
    fig, ax = figure()
    x = frame["iteration"]
    ax.plot(x, frame["running_mean"], color=COLOURS["intervention"], lw=1.4, label="Running mean INMB")
    ax.fill_between(x, frame["running_mean"] - 1.96 * frame["mcse"], frame["running_mean"] + 1.96 * frame["mcse"],
                    color=COLOURS["intervention"], alpha=0.2, label="±1.96 Monte Carlo SE")
    ax.set_xscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_xlabel("PSA iterations")
    ax.set_ylabel(f"INMB at {money_formatter(currency)(wtp)}/QALY")
    ax.set_title("PSA convergence")
    ax.legend(frameon=False)
    return fig


def evpi_curve(frame: pd.DataFrame, currency: str, population: bool = False):
    fig, ax = figure()
    column = "population_evpi" if population else "evpi"
    ax.plot(frame["wtp"], frame[column], color=COLOURS["intervention"], lw=1.6)
    ax.xaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.yaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_xlabel("Willingness to pay per QALY")
    ax.set_ylabel("Population EVPI" if population else "EVPI per patient")
    ax.set_title("Expected value of perfect information")
    return fig


def evppi_bars(table: pd.DataFrame, currency: str):
    groups = table[table["kind"] == "group"]
    wtps = sorted(groups["wtp"].unique())
    labels = list(dict.fromkeys(groups["label"]))
    fig, ax = figure(height=0.35 * len(labels) * max(1, len(wtps)) + 1.2)
    height = 0.8 / max(1, len(wtps))
    for k, w in enumerate(wtps):
        values = groups[groups["wtp"] == w].set_index("label").reindex(labels)["evppi"]
        ax.barh(np.arange(len(labels)) + k * height, values, height=height, color=ARM_COLOURS[k % 4],
                label=f"{money_formatter(currency)(w)}/QALY")
    ax.set_yticks(np.arange(len(labels)) + height * (len(wtps) - 1) / 2, labels)
    ax.invert_yaxis()
    if groups["evppi"].max() >= 10:
        ax.xaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    else:  # (near) zero everywhere: the decision is certain at these thresholds
        ax.set_xlim(0, max(1.0, float(groups["evppi"].max()) * 1.1))
    ax.set_xlabel("EVPPI per patient")
    ax.set_title("Expected value of partial perfect information by parameter group")
    ax.legend(frameon=False)
    return fig


def markov_trace(times_months: np.ndarray, traces: dict[str, dict[str, np.ndarray]], labels: dict[str, str]):
    fig, axes = figure(height=3.2)
    fig.clf()
    axes = fig.subplots(1, len(traces), sharey=True)
    for ax, (arm, trace) in zip(np.atleast_1d(axes), traces.items()):
        for state, colour in zip(("PF", "PD", "Dead"), ("#1f5f8b", "#e59b2e", "#7f7f7f")):
            ax.plot(times_months, trace[state], color=colour, lw=1.5, label=state)
        ax.set_title(labels.get(arm, arm))
        ax.set_xlabel("Months")
    np.atleast_1d(axes)[0].set_ylabel("Proportion of cohort")
    np.atleast_1d(axes)[0].legend(frameon=False)
    return fig
