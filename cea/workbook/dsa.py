"""The one-way DSA inside the workbook ('DSA'): every parameter with a DSA range at its low and its high
value, the model re-run for each by a data table (as the PSA, cea.workbook.psa), and a tornado sorted by
formulas, so that edits to any input (a price, a bound on Inputs columns E/F) re-run the DSA.

How a row is evaluated: the DSA switch that every 'value in use' reads (Inputs: ``dsa_parameter``,
``dsa_bound``) goes through two cells on this sheet, ``dsa_parameter_in_use`` and ``dsa_bound_in_use``,
which take row k of the list below while the data table sets ``dsa_row`` = k (0 = none: the typed
switch applies).  The cached values are the engine's (cea.analyses.one_way, the same variants in the same
order); LibreOffice re-running the table is compared with them in the tests.

Tornado order without array formulas: key_i = swing_i − i·1e-9 (a tie-break far below a penny: equal
swings keep the Inputs order, as the engine's stable sort), the k-th largest key by LARGE and its row by
MATCH.
"""

from __future__ import annotations

import pandas as pd

from cea.workbook import register_sheet
from cea.workbook.core import Book, abs_ref, sheet_ref
from cea.workbook.core import column_letter as letter
from cea.workbook.style import (GENERAL, INTEGER, PALETTE, SECTION_FONT, SUBTITLE_FONT, TOTAL_FONT, area,
                                header_row, merge, put_formula, put_input, put_text, put_value, title, widths)

DSA = "DSA"
RUN_ROW, DSA_ROW, PARAMETER_ROW, BOUND_ROW, CHECK_ROW, BASE_ROW = 4, 5, 6, 7, 8, 10
TABLE_HEADER = 13
ENGINE_COLUMNS = ("parameter", "inc_cost_low", "inc_cost_high", "inc_qaly_low", "inc_qaly_high")
TORNADO_BARS = 15


def engine_table(book: Book) -> pd.DataFrame | None:
    """The engine's one-way results (cea.analyses.one_way's table), when given with every column needed."""
    frame = book.analyses.get("dsa")
    if frame is None or not all(c in frame.columns for c in ENGINE_COLUMNS):
        return None
    return frame


def plan_dsa(book: Book) -> None:
    """Before any sheet is written: the live DSA replaces the typed switch by the cells on this sheet."""
    if engine_table(book) is None:
        return
    book.facts["dsa_switch"] = (f"{sheet_ref(DSA)}{abs_ref(3, PARAMETER_ROW)}", f"{sheet_ref(DSA)}{abs_ref(3, BOUND_ROW)}")


def build_live_dsa(book: Book, frame: pd.DataFrame) -> None:
    s = book.inputs.settings
    rows_of = book.facts["dsa_rows"]  # parameter id -> its row on Inputs (columns E, F: low, high)
    varied = list(rows_of)
    by_id = frame.set_index("parameter")
    missing = [p for p in varied if p not in by_id.index]
    if missing:
        raise ValueError(f"the DSA results lack parameters the workbook varies: {missing}")
    ws = book.add_sheet(DSA)
    money = book.money
    title(ws, "One-way deterministic sensitivity analysis (live: the model re-run for every bound)",
          "Each parameter at its low and its high value (Inputs columns E and F, editable), all others as in use; "
          "a data table re-runs the model for each and the tornado re-sorts itself.")
    widths(ws, {1: 40, 2: 16, 3: 16, 4: 30, 5: 9, 6: 14, 7: 16, 8: 16})
    put_text(ws, RUN_ROW, 1, "Run the DSA in the workbook (yes / no)", font=TOTAL_FONT)
    put_input(ws, RUN_ROW, 3, "yes")
    ws.validations.append((RUN_ROW, 3, RUN_ROW, 3, {"validate": "list", "source": ["yes", "no"]}))
    book.name("dsa_run", ws.title, abs_ref(3, RUN_ROW))
    put_text(ws, DSA_ROW, 1, "DSA row evaluated (set by the data table; keep 0)")
    put_value(ws, DSA_ROW, 3, 0, INTEGER)
    book.name("dsa_row", ws.title, abs_ref(3, DSA_ROW))
    first = TABLE_HEADER + 3  # row of variant 1 (row 0, the base, is just above)
    last = first + 2 * len(varied) - 1
    ids, bounds = f"$D${first}:$D${last}", f"$E${first}:$E${last}"
    put_text(ws, PARAMETER_ROW, 1, "Parameter varied now (the Inputs switch unless the table sets a row)")
    put_formula(ws, PARAMETER_ROW, 3, f"IF(dsa_row>0,INDEX({ids},dsa_row),IF(LEN(dsa_parameter)=0,\"\",dsa_parameter))")
    book.name("dsa_parameter_in_use", ws.title, abs_ref(3, PARAMETER_ROW))
    put_text(ws, BOUND_ROW, 1, "Bound now")
    put_formula(ws, BOUND_ROW, 3, f"IF(dsa_row>0,INDEX({bounds},dsa_row),dsa_bound)")
    book.name("dsa_bound_in_use", ws.title, abs_ref(3, BOUND_ROW))
    dc, dq = book.result_ref("incremental.costs"), book.result_ref("incremental.qalys")
    wtp = _primary_wtp(book)
    base_row = TABLE_HEADER + 2
    put_text(ws, CHECK_ROW, 1, "Check")
    put_formula(ws, CHECK_ROW, 3, f'IFERROR(IF(dsa_run<>"yes","DSA not run: set C{RUN_ROW} to yes",'
                                  f'IF(OR(ABS(B{base_row}-{dc})>1E-9*MAX(1,ABS({dc})),ABS(C{base_row}-{dq})>1E-9*'
                                  f'MAX(1,ABS({dq}))),"Stale: the table predates the last edit (Excel: press F9)","")),'
                                  f'"Stale: recalculate (Excel: F9)")')
    book.name("dsa_check", ws.title, abs_ref(3, CHECK_ROW))
    ws.conditional.append((CHECK_ROW, 3, CHECK_ROW, 3, {"type": "cell", "criteria": "!=", "value": '""',
                                                         "format": {"bg_color": "#FFC7CE", "font_color": "#9C0006"}}))
    put_text(ws, BASE_ROW, 1, "Incremental NMB, model as in use (primary threshold)", font=TOTAL_FONT)
    put_formula(ws, BASE_ROW, 3, f"{wtp}*{dq}-{dc}", money, font=TOTAL_FONT)
    book.name("dsa_base_inmb", ws.title, abs_ref(3, BASE_ROW))
    put_formula(ws, BASE_ROW, 4, f'"at "&TEXT({wtp},"#,##0")&" per QALY"')

    # ---- the data table: one model run per parameter and bound
    put_text(ws, TABLE_HEADER - 1, 1, "Data table: one model run per row (Data > What-If Analysis > Data Table, "
                                      f"column input cell C{DSA_ROW}; LibreOffice: MULTIPLE.OPERATIONS)",
             font=SECTION_FONT)
    header_row(ws, TABLE_HEADER, ["Row", "Incremental costs", "Incremental QALYs", "Parameter", "Bound",
                                  "Value", "Incremental NMB", "ICER"], height=32)
    put_text(ws, TABLE_HEADER + 1, 1, "Formula row (what the table records)", font=SUBTITLE_FONT)
    put_formula(ws, TABLE_HEADER + 1, 2, f'IF(dsa_run="yes",{dc},NA())', money)
    put_formula(ws, TABLE_HEADER + 1, 3, f'IF(dsa_run="yes",{dq},NA())', "0.000000")
    base = book.analyses["base_case"].incremental()
    put_value(ws, base_row, 1, 0, INTEGER)
    ws.value(base_row, 2, float(base["costs"]), merge(fmt=money))
    ws.value(base_row, 3, float(base["qalys"]), merge(fmt="0.000000"))
    put_text(ws, base_row, 4, "row 0 = the model as in use (staleness check)", font=SUBTITLE_FONT)
    for k, pid in enumerate(varied):
        for j, bound in enumerate(("low", "high")):
            r = first + 2 * k + j
            put_value(ws, r, 1, 2 * k + j + 1, INTEGER)
            ws.value(r, 2, float(by_id.at[pid, f"inc_cost_{bound}"]), merge(fmt=money))
            ws.value(r, 3, float(by_id.at[pid, f"inc_qaly_{bound}"]), merge(fmt="0.000000"))
            put_text(ws, r, 4, pid)
            put_text(ws, r, 5, bound)
            put_formula(ws, r, 6, f"'Inputs'!{abs_ref(5 + j, rows_of[pid])}", GENERAL)
            put_formula(ws, r, 7, f"{wtp}*C{r}-B{r}", money)
            put_formula(ws, r, 8, f'IF(OR(AND(C{r}>0,B{r}>0),AND(C{r}<0,B{r}<0)),B{r}/C{r},"n/a")', money)
    book.data_tables.append((ws.title, f"B{base_row}:C{last}", abs_ref(3, DSA_ROW).replace("$", "")))

    # ---- per parameter, and the tornado sorted by formulas
    pc = 10  # column J
    header_row(ws, TABLE_HEADER, ["Parameter", "Description", "Low value", "High value", "INMB at low",
                                  "INMB at high", "Swing", "Sort key"], col=pc, height=32)
    widths(ws, {pc: 30, pc + 1: 40, **{pc + c: 14 for c in range(2, 8)}})
    p_first = TABLE_HEADER + 1
    for k, pid in enumerate(varied):
        r = p_first + k
        low_row, high_row = first + 2 * k, first + 2 * k + 1
        put_text(ws, r, pc, pid)
        put_text(ws, r, pc + 1, book.inputs.parameters[pid].description)
        put_formula(ws, r, pc + 2, f"F{low_row}", GENERAL)
        put_formula(ws, r, pc + 3, f"F{high_row}", GENERAL)
        put_formula(ws, r, pc + 4, f"G{low_row}", money)
        put_formula(ws, r, pc + 5, f"G{high_row}", money)
        put_formula(ws, r, pc + 6, f"ABS({letter(pc + 5)}{r}-{letter(pc + 4)}{r})", money)
        put_formula(ws, r, pc + 7, f"{letter(pc + 6)}{r}-{k + 1}*1E-9", GENERAL)
    p_last = p_first + len(varied) - 1
    keys = f"${letter(pc + 7)}${p_first}:${letter(pc + 7)}${p_last}"
    sc = pc + 9  # sorted table
    header_row(ws, TABLE_HEADER, ["Rank", "Parameter (tornado order)", "Change at low", "Change at high", "Swing"],
               col=sc, height=32)
    widths(ws, {sc: 7, sc + 1: 44, sc + 2: 16, sc + 3: 16, sc + 4: 14})
    for k in range(len(varied)):
        r = p_first + k
        at = f"MATCH(LARGE({keys},{k + 1}),{keys},0)"
        put_value(ws, r, sc, k + 1, INTEGER)
        put_formula(ws, r, sc + 1, f"INDEX(${letter(pc + 1)}${p_first}:${letter(pc + 1)}${p_last},{at})")
        for j, source in enumerate((pc + 4, pc + 5, pc + 6)):
            column = f"${letter(source)}${p_first}:${letter(source)}${p_last}"
            change = f"INDEX({column},{at})" + ("-dsa_base_inmb" if j < 2 else "")
            put_formula(ws, r, sc + 2 + j, change, money)
    bars = min(len(varied), TORNADO_BARS)
    colours = (PALETTE[0], PALETTE[1])
    ws.charts.append({
        "type": "bar", "title": "Tornado: change in incremental NMB from the model in use (live)",
        "series": [{"name": [ws.title, TABLE_HEADER - 1, sc + 1 + j], "categories": area(ws.title, p_first, sc + 1,
                                                                                          p_first + bars - 1),
                    "values": area(ws.title, p_first, sc + 2 + j, p_first + bars - 1),
                    "fill": {"color": colours[j]}, "border": {"color": colours[j]}, "overlap": 100, "gap": 40}
                   for j in range(2)],
        "x_axis": {"name": f"Change in incremental NMB ({s.currency})", "num_format": money,
                   "major_gridlines": {"visible": False}},
        "y_axis": {"reverse": True, "label_position": "low"},
        "legend": {"position": "bottom"}, "size": (26, 12), "anchor": (2, sc + 6)})
    ws.freeze = (TABLE_HEADER + 1, 1)
    ws.repeat_rows = (TABLE_HEADER, TABLE_HEADER)


def _primary_wtp(book: Book) -> str:
    """The named threshold input equal to settings.primary_wtp (the engine's one-way uses it)."""
    s = book.inputs.settings
    thresholds = [float(w) for w in s.wtp_thresholds]
    if float(s.primary_wtp) not in thresholds:
        raise ValueError(f"primary_wtp {s.primary_wtp} is not one of wtp_thresholds {thresholds}")
    return book.n(f"wtp_{thresholds.index(float(s.primary_wtp)) + 1}")


def write_dsa(book: Book) -> None:
    """The live DSA when the engine's one-way results are given (`cea all`), else the pasted results."""
    frame = engine_table(book)
    if frame is None:
        from cea.workbook.analyses import write_dsa as write_pasted

        write_pasted(book)
        return
    build_live_dsa(book, frame)


register_sheet("dsa", write_dsa)
