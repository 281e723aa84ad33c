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

from cea.workbook.registry import register_sheet
from cea.workbook.core import Book, abs_ref, sheet_ref
from cea.workbook.data_table import LIVE_TABLES, write_formula_row
from cea.workbook.core import column_letter as letter
from cea.workbook.style import (GENERAL, INTEGER, PALETTE, SECTION_FONT, SUBTITLE_FONT, TOTAL_FONT, area,
                                header_row, merge, put_formula, put_input, put_text, put_value, title, widths)

LIVE = LIVE_TABLES["dsa"]  # the file beside model.xlsx where this sheet's data table is live

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
    title(ws, "One-way deterministic sensitivity analysis (re-run in the workbook on demand)",
          f"Each parameter at its low and its high value (Inputs columns E and F, editable), all others as in use. "
          f"In {LIVE} with C{RUN_ROW} = yes a data table re-runs the model for each and the tornado re-sorts "
          f"itself; otherwise the engine's results at export are shown (cea dsa).")
    widths(ws, {1: 40, 2: 16, 3: 16, 4: 16, 5: 16, 6: 30, 7: 9, 8: 14, 9: 16, 10: 16})
    put_text(ws, RUN_ROW, 1, "Re-run the DSA in the workbook (yes / no)", font=TOTAL_FONT)
    put_input(ws, RUN_ROW, 3, "no")
    put_formula(ws, RUN_ROW, 4, f'IF(dsa_run="yes","Live in {LIVE}: one model run per row (Excel: F9 re-runs '
                                f'the table after edits)","Showing the engine\'s DSA at export: set C{RUN_ROW} to yes '
                                f'in {LIVE} to re-run it")')
    ws.validations.append((RUN_ROW, 3, RUN_ROW, 3, {"validate": "list", "source": ["yes", "no"]}))
    book.name("dsa_run", ws.title, abs_ref(3, RUN_ROW))
    put_text(ws, DSA_ROW, 1, "DSA row evaluated (set by the data table; keep 0)")
    put_value(ws, DSA_ROW, 3, 0, INTEGER)
    book.name("dsa_row", ws.title, abs_ref(3, DSA_ROW))
    first = TABLE_HEADER + 3  # row of variant 1 (row 0, the base, is just above)
    last = first + 2 * len(varied) - 1
    ids, bounds = f"$F${first}:$F${last}", f"$G${first}:$G${last}"
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
    differs = f"OR(ABS(D{base_row}-{dc})>1E-9*MAX(1,ABS({dc})),ABS(E{base_row}-{dq})>1E-9*MAX(1,ABS({dq})))"
    put_formula(ws, CHECK_ROW, 3, f'IFERROR(IF({differs},IF(dsa_run<>"yes","Inputs differ from the export: the DSA '
                                  f'shown is the exported one (set C{RUN_ROW} to yes to re-run it)","Stale: the table '
                                  f'predates the last edit (re-run it in {LIVE}; Excel: F9)"),""),"Stale: recalculate (Excel: F9)")')
    book.name("dsa_check", ws.title, abs_ref(3, CHECK_ROW))
    ws.conditional.append((CHECK_ROW, 3, CHECK_ROW, 3, {"type": "cell", "criteria": "!=", "value": '""',
                                                         "format": {"bg_color": "#FFC7CE", "font_color": "#9C0006"}}))
    put_text(ws, BASE_ROW, 1, "Incremental NMB, model as in use (primary threshold)", font=TOTAL_FONT)
    put_formula(ws, BASE_ROW, 3, f"{wtp}*{dq}-{dc}", money, font=TOTAL_FONT)
    book.name("dsa_base_inmb", ws.title, abs_ref(3, BASE_ROW))
    put_formula(ws, BASE_ROW, 4, f'"at "&TEXT({wtp},"#,##0")&" per QALY"')

    # ---- the data table: one model run per parameter and bound
    put_text(ws, TABLE_HEADER - 1, 1, f"Data table (live in {LIVE}): one model run per row (Data > What-If "
                                      f"Analysis > Data Table, column input cell C{DSA_ROW}; LibreOffice: MULTIPLE."
                                      "OPERATIONS); here the engine's results",
             font=SECTION_FONT)
    header_row(ws, TABLE_HEADER, ["Row (0 = model as in use)", "Table: incremental costs", "Table: incremental QALYs",
                                  "Shown: incremental costs", "Shown: incremental QALYs", "Parameter", "Bound",
                                  "Value", "Incremental NMB", "ICER"], height=45)
    write_formula_row(ws, TABLE_HEADER + 1, "dsa_run", dc, dq, money)
    base = book.analyses["base_case"].incremental()

    def table_row(r: int, index: int, costs: float, qalys: float) -> None:
        put_value(ws, r, 1, index, INTEGER)
        ws.put(r, 2, costs, merge(fmt=money))  # the data table's cells: the engine's results (data_table)
        ws.put(r, 3, qalys, merge(fmt="0.000000"))
        put_formula(ws, r, 4, f'IF(dsa_run="yes",B{r},{costs!r})', money)
        put_formula(ws, r, 5, f'IF(dsa_run="yes",C{r},{qalys!r})', "0.000000")

    table_row(base_row, 0, float(base["costs"]), float(base["qalys"]))
    for k, pid in enumerate(varied):
        for j, bound in enumerate(("low", "high")):
            r = first + 2 * k + j
            table_row(r, 2 * k + j + 1, float(by_id.at[pid, f"inc_cost_{bound}"]),
                      float(by_id.at[pid, f"inc_qaly_{bound}"]))
            put_text(ws, r, 6, pid)
            put_text(ws, r, 7, bound)
            put_formula(ws, r, 8, f"'Inputs'!{abs_ref(5 + j, rows_of[pid])}", GENERAL)
            put_formula(ws, r, 9, f"{wtp}*E{r}-D{r}", money)
            put_formula(ws, r, 10, f'IF(OR(AND(E{r}>0,D{r}>0),AND(E{r}<0,D{r}<0)),D{r}/E{r},"n/a")', money)
    book.data_tables.append((ws.title, f"B{base_row}:C{last}", abs_ref(3, DSA_ROW).replace("$", "")))

    # ---- per parameter, and the tornado sorted by formulas
    pc = 12  # column L
    header_row(ws, TABLE_HEADER, ["Parameter", "Description", "Low value", "High value", "INMB at low",
                                  "INMB at high", "Swing", "Sort key"], col=pc, height=32)
    widths(ws, {pc: 30, pc + 1: 40, **{pc + c: 14 for c in range(2, 8)}})
    p_first = TABLE_HEADER + 1
    for k, pid in enumerate(varied):
        r = p_first + k
        low_row, high_row = first + 2 * k, first + 2 * k + 1
        put_text(ws, r, pc, pid)
        put_text(ws, r, pc + 1, book.inputs.parameters[pid].description)
        put_formula(ws, r, pc + 2, f"H{low_row}", GENERAL)
        put_formula(ws, r, pc + 3, f"H{high_row}", GENERAL)
        put_formula(ws, r, pc + 4, f"I{low_row}", money)
        put_formula(ws, r, pc + 5, f"I{high_row}", money)
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
        "type": "bar", "title": "Tornado: change in incremental NMB from the model in use",
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
