"""Budget impact outputs (`cea bia`, `cea all`): the yearly table, costs by category, costs per
patient by year since start, the one-way sensitivity table, two figures and the manifest.
Built into a staging folder by the caller (cea.outputs.files.write_atomically)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from cea.analyses.budget_impact import BudgetImpactResult
from cea.outputs.files import to_json
from cea.outputs.style import COLOURS, figure, save

FLOAT = "%.10g"
CATEGORY_LABELS = {
    "drug_acquisition": "Drug acquisition", "monitoring": "Monitoring", "adverse_events": "Adverse events",
    "progressed_disease_care": "Progressed-disease care", "subsequent_therapy": "Subsequent therapy",
    "terminal_care": "Terminal care",
}


def millions(currency: str):
    """Axis and label formatter for budgets: £88.4m, £950k."""
    symbol = {"GBP": "£", "USD": "$", "EUR": "€"}.get(currency, "")

    def fmt(value, _pos=None):
        sign, value = ("−" if value < 0 else ""), abs(value)
        if value >= 1e6:
            return f"{sign}{symbol}{value / 1e6:,.1f}m"
        return f"{sign}{symbol}{value / 1e3:,.0f}k" if value >= 1e3 else f"{sign}{symbol}{value:,.0f}"

    return fmt


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format=FLOAT, lineterminator="\n")


def price_label(result: BudgetImpactResult) -> str:
    return "list price" if result.price_discount == 0 else f"{result.price_discount:.0%} discount on the list price"


def budget_impact_plot(result: BudgetImpactResult, labels: dict[str, str] | None = None):
    """Costs in the worlds with and without the intervention (bars) and the net budget impact (line), by year."""
    fig, ax = figure(height=3.6)
    years = np.asarray(result.years)
    width = 0.38
    ax.bar(years - width / 2, result.costs_without.sum(axis=0), width, color=COLOURS["comparator"],
           label=f"Without {(labels or {}).get(result.intervention, result.intervention)}")
    ax.bar(years + width / 2, result.costs_with.sum(axis=0), width, color=COLOURS["intervention"],
           label=f"With {(labels or {}).get(result.intervention, result.intervention)}")
    ax.plot(years, result.net, color="black", marker="o", lw=1.4, label="Net budget impact")
    for x, y in zip(years, result.net):
        ax.annotate(millions(result.currency)(y), (x, y), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=7)
    ax.set_xticks(years, [f"Year {y}" for y in years])
    ax.yaxis.set_major_formatter(FuncFormatter(millions(result.currency)))
    ax.set_ylabel(f"Costs a year ({result.currency}, undiscounted)")
    ax.set_title(f"Budget impact at {price_label(result)}: total {millions(result.currency)(result.total_net)} "
                 f"over {len(years)} years")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return fig


def budget_impact_tornado(result: BudgetImpactResult, top: int = 12):
    """Total net budget impact with each driver at its low and high value (widest swing at the top)."""
    rows = result.one_way.head(top).iloc[::-1]
    base = float(result.one_way["base_net"].iloc[0])
    fig, ax = figure(height=0.32 * len(rows) + 1.2)
    y = np.arange(len(rows))
    for k, (_, row) in enumerate(rows.iterrows()):
        ax.barh(y[k], row["net_low"] - base, left=base, color=COLOURS["comparator"], height=0.6,
                label="Low value" if k == 0 else None)
        ax.barh(y[k], row["net_high"] - base, left=base, color=COLOURS["intervention"], height=0.6,
                label="High value" if k == 0 else None)
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(y, [short_description(d) for d in rows["description"]])
    ax.xaxis.set_major_formatter(FuncFormatter(millions(result.currency)))
    ax.set_xlabel(f"Net budget impact over {len(result.years)} years ({result.currency})")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=False)
    ax.set_title("Budget impact: one-way sensitivity")
    return fig


def short_description(text: str, limit: int = 46) -> str:
    """A parameter description without its bracketed detail, wrapped at word boundaries (never cut)."""
    import textwrap

    return textwrap.fill(text.split(" (")[0], width=limit)


def text_table(result: BudgetImpactResult) -> str:
    """The yearly table as text for the terminal."""
    table = result.table()
    money = lambda x: f"{x:,.0f}"  # noqa: E731
    lines = [f"Budget impact at {price_label(result)} ({result.currency}, undiscounted)",
             f"{'Year':>6} {'Eligible':>10} {'Treated':>10} {'Costs with':>16} {'Costs without':>16} {'Net':>15}"]
    for _, r in table.iterrows():
        lines.append(f"{r['year']:>6} {money(r['eligible']):>10} {money(r['treated']):>10} {money(r['costs_with']):>16} "
                     f"{money(r['costs_without']):>16} {money(r['net']):>15}")
    return "\n".join(lines)


def write_budget_impact(folder: Path, result: BudgetImpactResult, list_price: BudgetImpactResult | None = None,
                        labels: dict[str, str] | None = None) -> None:
    """budget_impact.csv/.json, by_category.csv, per_patient.csv, one_way.csv, two figures, manifest.json;
    with a discount, the list-price table beside it (budget_impact_list_price.csv)."""
    _csv(result.table(), folder / "budget_impact.csv")
    _csv(result.by_category(), folder / "budget_impact_by_category.csv")
    _csv(result.per_patient_frame(), folder / "costs_per_patient_by_year.csv")
    document = result.to_dict() | {"price_discount": result.price_discount, "currency": result.currency}
    if list_price is not None:
        _csv(list_price.table(), folder / "budget_impact_list_price.csv")
        document["list_price"] = {k: v for k, v in list_price.to_dict().items() if k != "manifest"}
    (folder / "budget_impact.json").write_text(to_json(document), encoding="utf-8")
    save(budget_impact_plot(result, labels), folder / "budget_impact.png")
    if result.one_way is not None:
        _csv(result.one_way, folder / "budget_impact_one_way.csv")
        save(budget_impact_tornado(result), folder / "budget_impact_tornado.png")
    (folder / "manifest.json").write_text(to_json(result.manifest.to_dict()), encoding="utf-8")
