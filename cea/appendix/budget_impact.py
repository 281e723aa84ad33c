"""Budget impact (NICE budget impact template; ISPOR Budget Impact Analysis Good Practice II).

Reports ``bundle.budget_impact`` (cea.analyses.budget_impact): methods, the population and market
inputs with their sources, the yearly table, costs by category, the one-way sensitivity and the two
figures that `cea bia` writes.  With a confidential discount (pas_discount) the list-price table is
shown beside the net-price one.  Every number is read from the run.
"""

from __future__ import annotations

from cea.appendix.document import AppendixContext, in_sentence, number, percent
from cea.appendix.strategies import budget_impact_strategies, many_arms
from cea.outputs.budget_impact_files import short_description

CATEGORY_LABELS = {
    "drug_acquisition": "Drug acquisition", "monitoring": "Monitoring", "adverse_events": "Adverse events",
    "progressed_disease_care": "Progressed-disease care", "subsequent_therapy": "Subsequent therapy",
    "terminal_care": "Terminal care",
}


def _year_table(ctx: AppendixContext, result, caption: str) -> None:
    rows = []
    for _, r in result.table().iterrows():
        rows.append([r["year"] if r["year"] == "Total" else f"Year {r['year']}", number(r["eligible"], 0),
                     number(r["treated"], 0), ctx.money(r["costs_with"]), ctx.money(r["costs_without"]),
                     ctx.money(r["net"])])
    ctx.w.table(caption, ("Year", "Eligible", "Treated", "Costs with", "Costs without", "Net budget impact"), rows,
                (2.2, 2.0, 2.0, 3.4, 3.4, 3.4), align="lrrrrr", font_size=8)


def _inputs_table(ctx: AppendixContext, result) -> None:
    bia = result.inputs
    years = range(1, bia.n_years + 1)
    eligible = bia.eligible()
    rows = [["Newly eligible patients (incl. prevalent in year 1)"] + [number(eligible[y - 1], 0) for y in years],
            [f"Uptake of {in_sentence(ctx.intervention)}, world with it"] + [percent(bia.uptake_with[y - 1], 0) for y in years],
            [f"Uptake of {in_sentence(ctx.intervention)}, world without it"] + [percent(bia.uptake_without[y - 1], 0) for y in years]]
    ctx.w.table("Budget impact: population and market by year", ["Quantity"] + [f"Year {y}" for y in years], rows,
                [5.6] + [2.2] * bia.n_years, align="l" + "r" * bia.n_years, font_size=8)
    source_rows = []
    for row in bia.rows:
        if row.year not in (None, 1):
            continue
        span = "" if row.low is None or row.high is None else f"{_plain(row.low)} to {_plain(row.high)}"
        name = row.quantity + ("" if row.year is None else f" (year {row.year})")
        if row.arm:  # market shares (more than two arms): the strategy's label, never its id
            what = "Market share without the intervention" if row.quantity == "market_share_without" else \
                "Share of the uptake taken"
            name = f"{what}: {ctx.labels.get(row.arm, row.arm)}" + ("" if row.year is None else f" (year {row.year})")
        source_rows.append([name, _plain(row.value),
                            span, row.source + (f" {row.notes}" if row.notes else "")])
    ctx.w.table("Budget impact inputs: values, one-way ranges and sources",
                ("Input", "Value", "One-way range", "Source and notes"), source_rows, (3.4, 1.5, 2.6, 9.1),
                align="lrll", font_size=7.5)


def _plain(value: float) -> str:
    """1,500 for counts; 0.3 or −0.02 for shares and rates (no trailing zeros)."""
    if float(value).is_integer():
        return number(value, 0)
    return f"{value:,.6g}".replace("-", "−")


def budget_impact_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("budget_impact", "Budget impact")
    result = getattr(b, "budget_impact", None)
    if result is None:
        w.paragraph("This input set has no budget impact inputs, so no budget impact analysis "
                    "was run.")
        return
    n_years = len(result.years)
    price = "list price" if result.price_discount == 0 else \
        f"the net price ({percent(result.price_discount, 0)} discount on the list price)"
    w.paragraph(
        "The budget impact analysis follows the ISPOR Budget Impact Analysis Good Practice II report "
        f"{ctx.cite('Sullivan 2014')} and the layout of NICE's budget impact template. It compares the NHS's spending in a world where "
        f"{in_sentence(ctx.intervention)} is available with a world where it is not, over {n_years} years, for the eligible "
        f"population of {ctx.s.country}. Each year's newly eligible patients form a cohort that starts treatment at the "
        f"start of that year; in each world a share of the cohort starts {in_sentence(ctx.intervention)} and the rest start "
        + (f"{in_sentence(ctx.comparator)}, the treatment it displaces." if not many_arms(b) else
           "the other strategies in their market shares, from which the intervention takes its uptake.")
        + " The cohorts overlap: a year's costs are those of every cohort still alive and incurring costs in that "
        "year.")
    w.paragraph(
        "Costs per patient come from the model itself: the undiscounted costs of every model cycle by category (drug "
        "acquisition while on treatment, monitoring, adverse events, progressed-disease care, subsequent therapy and "
        "terminal care), each cycle shared between the years it overlaps in proportion to its time in each. As a "
        "budget is a cash flow, costs are neither discounted nor inflated (ISPOR). Results are at "
        f"{price}.")
    budget_impact_strategies(ctx)  # more than two arms: which strategies the budget impact covers
    _inputs_table(ctx, result)
    _year_table(ctx, result, f"Budget impact at {price} ({ctx.currency}, undiscounted)")
    net = result.net
    w.paragraph(
        f"The net budget impact is {ctx.money(net[0])} in year 1, rising to {ctx.money(net[-1])} in year {n_years}; "
        f"{ctx.money(result.total_net)} over {n_years} years, for "
        f"{number(float(result.treated.sum()), 0)} patients starting {in_sentence(ctx.intervention)}.")
    list_price = getattr(b, "budget_impact_list_price", None)
    if list_price is not None:
        _year_table(ctx, list_price, f"Budget impact at list price ({ctx.currency}, undiscounted)")
    by_cat = result.by_category()
    totals = by_cat.groupby("category", sort=False)[["costs_with", "costs_without", "net"]].sum()
    rows = [[CATEGORY_LABELS.get(c, c), ctx.money(r["costs_with"]), ctx.money(r["costs_without"]), ctx.money(r["net"])]
            for c, r in totals.iterrows()]
    rows.append(["Total", ctx.money(totals["costs_with"].sum()), ctx.money(totals["costs_without"].sum()),
                 ctx.money(totals["net"].sum())])
    w.table(f"Budget impact by cost category over {n_years} years ({ctx.currency}, undiscounted)",
            ("Category", "Costs with", "Costs without", "Net"), rows, (5.4, 3.6, 3.6, 3.6), align="lrrr", font_size=8)
    plot = ctx.figure("budget_impact", f"Costs with and without {in_sentence(ctx.intervention)} and the net budget impact by year")
    if plot is not None:
        w.paragraph(f"Figure {plot} shows the yearly costs in each world and the net budget impact.")
    if result.one_way is not None and len(result.one_way):
        top = result.one_way.head(10)
        rows = [[short_description(r["description"]), _plain(r["low"]), _plain(r["high"]), ctx.money(r["net_low"]),
                 ctx.money(r["net_high"]), ctx.money(r["swing"])] for _, r in top.iterrows()]
        w.table(f"Budget impact one-way sensitivity: total net impact over {n_years} years, ten largest swings",
                ("Driver", "Low", "High", "Net at low", "Net at high", "Swing"), rows, (6.0, 1.7, 1.7, 2.4, 2.4, 2.2),
                align="lrrrrr", font_size=7.5)
        first = top.iloc[0]
        tornado = ctx.figure("budget_impact_tornado", "Budget impact: one-way sensitivity of the total net impact")
        w.paragraph(f"The net budget impact is most sensitive to {short_description(first['description']).lower()} (from "
                    f"{ctx.money(first['net_low'])} to {ctx.money(first['net_high'])}"
                    + (f"; Figure {tornado}" if tornado is not None else "") + "). Model parameters are varied "
                    "over the ranges of the deterministic sensitivity analysis; the budget impact inputs over the "
                    "ranges of the budget impact inputs table, the uptake of every year together.")
    market = ("the model's two arms stand for the whole market, so treatments other than the comparator that the "
              "intervention might displace are left out" if not many_arms(b) else
              "the model's strategies stand for the whole market, so treatments that are not among them are left out"
              + ("" if any(r.quantity == "market_share_without" and r.low is not None and r.high is not None
                           for r in result.inputs.rows) else
                 ", and the market shares are held fixed in the one-way sensitivity analysis"))
    w.paragraph(
        "Limitations: the population figure and the uptake are not from a published budget impact analysis (see the "
        f"sources above; assumptions are labelled and varied); {market}; every cohort starts "
        "at the start of its year, which brings a little spending forward compared with patients starting through "
        "the year.")
