"""Files of the price analysis (price/) and of the cumulative scenarios (cumulative/): CSV, JSON with the run
manifest, a PNG figure each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from cea.inputs.manifest import RunManifest
from cea.outputs.files import to_json
from cea.outputs.style import COLOURS, figure, money_formatter, save

FLOAT = "%.10g"


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format=FLOAT, lineterminator="\n")


def price_figure(result, currency: str, thresholds: tuple[float, ...]):
    """ICER (unweighted and severity-weighted) against the discount off the list price, thresholds as lines;
    P(cost-effective) at each threshold on a second panel."""
    import matplotlib.pyplot as plt

    g = result.grid
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(6.3, 3.3))
    x = g["discount"]
    ax.plot(x, g["icer"], color=COLOURS["intervention"], lw=1.6, label="ICER")
    if result.weight != 1.0:
        ax.plot(x, g["icer_weighted"], color=COLOURS["accent"], lw=1.6, ls="--",
                label=f"ICER per weighted QALY (×{result.weight:g})")
    for w in thresholds:
        ax.axhline(w, color="grey", lw=0.8, ls=":")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_xlabel("Discount off the list price")
    ax.set_ylabel("Cost per QALY gained")
    ax.set_title("ICER by price")
    ax.legend(frameon=False, fontsize=7)
    styles = (("unweighted", "-"), ("weighted", "--"))
    colours = [COLOURS["intervention"], COLOURS["comparator"], COLOURS["accent"], COLOURS["neutral"]]
    for label, ls in styles:
        for k, w in enumerate(thresholds):
            col = f"p_ce_{label}_{w:g}"
            if col in g:
                ax2.plot(x, g[col], ls=ls, lw=1.4, color=colours[k % len(colours)],
                         label=f"{money_formatter(currency)(w)}{'' if label == 'unweighted' else f' weighted (×{result.weight:g})'}")
    ax2.set_ylim(-0.02, 1.02)
    ax2.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax2.set_xlabel("Discount off the list price")
    ax2.set_ylabel("Probability cost-effective")
    ax2.set_title("Probability cost-effective by price")
    ax2.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def write_price(folder: Path, result, manifest: RunManifest, currency: str, thresholds: tuple[float, ...],
                statement: dict | None = None) -> None:
    _csv(result.grid, folder / "price.csv")
    _csv(result.thresholds, folder / "price_thresholds.csv")
    (folder / "price.json").write_text(to_json({**result.to_dict(), "statement": statement or {},
                                                "manifest": manifest.to_dict()}), encoding="utf-8")
    save(price_figure(result, currency, thresholds), folder / "price.png")
    (folder / "manifest.json").write_text(to_json(manifest.to_dict()), encoding="utf-8")


def cumulative_figure(result, currency: str, thresholds: tuple[float, ...]):
    """Waterfall: the base-case ICER, the change each added step makes, the ICER after the last step; the
    severity-weighted ICER after each step as markers; bounds as separate hollow bars."""
    t = result.table
    seq = t[t["kind"] != "bound"].reset_index(drop=True)
    bounds = t[t["kind"] == "bound"].reset_index(drop=True)
    n = len(seq) + len(bounds)
    fig, ax = figure(height=3.4 + 0.12 * n)
    labels = []
    for k, row in seq.iterrows():
        if k == 0:
            ax.bar(k, row["icer"], color=COLOURS["neutral"])
        else:
            prev = seq.loc[k - 1, "icer"]
            change = row["icer"] - prev
            ax.bar(k, change, bottom=prev, color=COLOURS["comparator"] if change > 0 else COLOURS["accent"])
        labels.append(row["label"])
    if "icer_weighted" in seq:
        ax.plot(range(len(seq)), seq["icer_weighted"], "D", color="black", ms=4, label="per weighted QALY")
    top = 1.25 * max([*seq["icer"].dropna(), *thresholds, 1.0])
    fmt = money_formatter(currency)
    for b, row in bounds.iterrows():
        x = len(seq) + b
        height = row["icer"] if row["icer"] is not None and np.isfinite(row["icer"]) else top
        ax.bar(x, min(height, top), fill=False, edgecolor=COLOURS["intervention"], hatch="//")
        text = fmt(row["icer"]) if row["icer"] is not None and np.isfinite(row["icer"]) else str(row["status"])
        ax.annotate(text + (" (off scale)" if height > top else ""), (x, min(height, top)), ha="center",
                    va="bottom", fontsize=6)
        labels.append(row["label"])
    for k, row in seq.iterrows():
        ax.annotate(fmt(row["icer"]), (k, row["icer"]), ha="center", va="bottom", fontsize=6)
    ax.set_ylim(0, top * 1.05)
    for w in thresholds:
        ax.axhline(w, color="grey", lw=0.8, ls=":")
    ax.set_xticks(range(n))
    import textwrap

    ax.set_xticklabels([textwrap.fill(str(x), 16) for x in labels], rotation=0, fontsize=6)
    ax.yaxis.set_major_formatter(FuncFormatter(money_formatter(currency)))
    ax.set_ylabel("ICER (cost per QALY gained)")
    ax.set_title("Preferred assumptions added one at a time")
    if "icer_weighted" in seq:
        ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def write_cumulative(folder: Path, result, manifest: RunManifest, currency: str, thresholds: tuple[float, ...]) -> None:
    table = result.table.copy()
    table["overrides"] = table["overrides"].map(lambda d: "; ".join(f"{k}={v}" for k, v in d.items()))
    _csv(table, folder / "cumulative.csv")
    (folder / "cumulative.json").write_text(to_json({"steps": result.table.to_dict(orient="records"),
                                                     "manifest": manifest.to_dict()}), encoding="utf-8")
    save(cumulative_figure(result, currency, thresholds), folder / "cumulative.png")
    (folder / "manifest.json").write_text(to_json(manifest.to_dict()), encoding="utf-8")
