"""'Price' sheet: ICER and INMB over discounts off the list price of the technology, unweighted and
severity-weighted, and the threshold prices, as formulas over the workbook's own Results (so an edit on Inputs,
a scenario or a price moves them), as `cea price`.

ΔC(d) = ΔC + (m − 1)·ΔC_priced with m = (1 − d)/(1 − p): the items that multiply a priced parameter are
proportional to its price (Results' 'Costs of the priced items').  The probability of cost-effectiveness by price
needs the PSA's per-iteration costs of the technology and is in `cea price` (price/price.csv), not here.
"""

from __future__ import annotations

from cea.workbook.registry import register_sheet
from cea.workbook.core import Book
from cea.workbook.style import (PCT, SECTION_FONT, SUBTITLE_FONT, TOTAL_FONT, header_row, put_formula, put_input,
                                put_text, put_value, title, widths)

DISCOUNTS = tuple(round(0.05 * k, 2) for k in range(19))


def write(book: Book) -> None:
    s = book.inputs.settings
    priced_cell = book.facts.get("priced_cost_increment")
    if priced_cell is None or s.price_parameter not in book.names:
        return  # the price does not enter the costs linearly through cost items: no closed form
    ws = book.add_sheet("Price", key="Price")
    title(ws, "Price analysis: cost-effectiveness by discount off the list price",
          "Formulas over Results: an edit on Inputs moves every number. Equals `cea price` (deterministic part).")
    money, money2 = book.money, book.money2
    r = 4
    put_text(ws, r, 1, "From Results and Inputs", font=SECTION_FONT)
    r += 1
    rows = {}
    for key, label, formula, fmt in (
            ("dc", "Incremental costs", book.result_ref("incremental.costs"), money),
            ("dq", "Incremental QALYs", book.result_ref("incremental.qalys"), "0.0000"),
            ("dp", "Incremental costs of the priced items (proportional to the price)", priced_cell, money)):
        put_text(ws, r, 1, label)
        put_formula(ws, r, 2, formula, fmt)
        rows[key] = f"$B${r}"
        r += 1
    put_text(ws, r, 1, "Discount off the list price in this run (PAS)")
    put_value(ws, r, 2, float(s.pas_discount), PCT)
    rows["p"] = f"$B${r}"
    r += 1
    prices = [s.price_parameter, *[p for p in s.price_linked if p in book.names]]
    for pid in prices:
        description = book.inputs.parameters[pid].description if pid in book.inputs.parameters else pid
        put_text(ws, r, 1, f"List price: {description}")
        put_formula(ws, r, 2, f"{book.n(pid)}/(1-{rows['p']})", money2)
        rows[f"list:{pid}"] = f"$B${r}"
        r += 1
    weight = 1.0
    base = book.analyses.get("base_case")
    if base is not None and "NHS" in s.perspective:
        from cea.analyses.severity import severity

        weight = float(severity(base)["weight"])
    put_text(ws, r, 1, "Severity weight (NICE QALY shortfall at export; 1 = none)")
    put_input(ws, r, 2, weight, "0.0")
    put_text(ws, r, 3, "From the QALY shortfall of the comparator at export (`cea all`); it does not follow edits.",
             font=SUBTITLE_FONT)
    rows["w"] = f"$B${r}"
    r += 2
    wtps = list(enumerate(s.wtp_thresholds, start=1))
    header = (["Discount", *[f"Price: {pid}" for pid in prices], "Incremental costs", "ICER",
               "ICER per weighted QALY"] + [f"INMB at threshold {i}" for i, _ in wtps]
              + [f"Weighted INMB at threshold {i}" for i, _ in wtps])
    put_text(ws, r, 1, "Cost-effectiveness by discount", font=SECTION_FONT)
    r += 1
    header_row(ws, r, header, height=45)
    r += 1
    dc, dq, dp, p, w = rows["dc"], rows["dq"], rows["dp"], rows["p"], rows["w"]
    for d in DISCOUNTS:
        put_value(ws, r, 1, d, PCT)
        col = 2
        for pid in prices:
            put_formula(ws, r, col, f"{rows[f'list:{pid}']}*(1-$A{r})", money2)
            col += 1
        cost = f"({dc}+((1-$A{r})/(1-{p})-1)*{dp})"
        put_formula(ws, r, col, cost, money)
        put_formula(ws, r, col + 1, f"IF({dq}>0,{cost}/{dq},NA())", money, font=TOTAL_FONT)
        put_formula(ws, r, col + 2, f"IF({dq}>0,{cost}/({w}*{dq}),NA())", money)
        col += 3
        for i, _ in wtps:
            put_formula(ws, r, col, f"{book.n(f'wtp_{i}')}*{dq}-{cost}", money)
            col += 1
        for i, _ in wtps:
            put_formula(ws, r, col, f"{w}*{book.n(f'wtp_{i}')}*{dq}-{cost}", money)
            col += 1
        r += 1
    r += 1
    put_text(ws, r, 1, "Threshold prices (ICER, or ICER per weighted QALY, equal to the threshold)", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["Threshold", "Weighting", "Willingness to pay per QALY", "Discount needed",
                       *[f"Threshold price: {pid}" for pid in prices]], height=45)
    r += 1
    for label, wt in (("unweighted", "1"), ("weighted", w)):
        for i, _ in wtps:
            put_text(ws, r, 1, f"Threshold {i}")
            put_text(ws, r, 2, label)
            put_formula(ws, r, 3, book.n(f"wtp_{i}"), money)
            put_formula(ws, r, 4, f"IF({dp}=0,NA(),1-(1+({wt}*C{r}*{dq}-{dc})/{dp})*(1-{p}))", PCT, font=TOTAL_FONT)
            col = 5
            for pid in prices:
                put_formula(ws, r, col, f"{rows[f'list:{pid}']}*(1-D{r})", money2)
                col += 1
            r += 1
    r += 1
    put_text(ws, r, 1, "Both pack prices take the same discount. The probability of cost-effectiveness by price "
             "(re-pricing every PSA iteration) is in `cea price` (price/price.csv).", font=SUBTITLE_FONT)
    widths(ws, {1: 34, 2: 16, 3: 16, 4: 16, 5: 16, 6: 16, 7: 16, 8: 16, 9: 16, 10: 16})


register_sheet("price", write, after="results")
