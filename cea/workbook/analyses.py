"""DSA (with tornado chart), Scenarios and PSA (CE plane, CEAC) sheets from analysis frames.

The frames come from the Python analyses (``cea all``) and are written as static values
(grey); only the tornado's deviations from the base case are formulas.  A missing frame
gives a sheet that says how to fill it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from cea.workbook.registry import register_sheet
from cea.workbook.core import Book
from cea.workbook.core import column_letter as get_column_letter
from cea.workbook.style import (GENERAL, INTEGER, PALETTE, SECTION_FONT, SUBTITLE_FONT, TOTAL_FONT, VALUE_FONT, area,
                                header_row, line_chart, merge, put_formula, put_text, put_value, title, widths)

TOKENS = {"inc": "incremental", "inmb": "INMB", "nmb": "NMB", "icer": "ICER", "qaly": "QALYs", "qalys": "QALYs",
          "ly": "LYs", "lys": "LYs", "pct": "%", "wtp": "WTP", "evpi": "EVPI", "ceaf": "CEAF", "dsa": "DSA",
          "psa": "PSA", "prob": "probability", "se": "SE", "ci": "CI", "id": "ID"}
MONEY_WORDS = {"cost", "costs", "nmb", "inmb", "icer", "wtp", "price", "evpi", "evppi"}
OUTCOME_WORDS = {"qaly", "qalys", "ly", "lys"}


def pretty(column: Any) -> str:
    words = [TOKENS.get(w.lower(), w) for w in str(column).replace("-", "_").split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else str(column)


def column_format(book: Book, column: Any, series: pd.Series) -> str:
    words = {w.lower() for w in str(column).split("_")}
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return GENERAL
    if words & MONEY_WORDS:
        return book.money
    if words & OUTCOME_WORDS:
        return "0.0000"
    if "probability" in words or "prob" in words:
        return "0.000"
    if pd.api.types.is_integer_dtype(series):
        return INTEGER
    return GENERAL


def _python(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def write_frame(ws, frame: pd.DataFrame, row: int, col: int, book: Book, columns: list | None = None,
                widths_: bool = True, labels: dict[Any, str] | None = None,
                formats: dict[Any, str] | None = None) -> tuple[int, int, dict[Any, int]]:
    """Header + values (text escaped, NaN/inf blank).  Returns (first data row, last data row, column index)."""
    columns = list(frame.columns) if columns is None else columns
    labels, formats = labels or {}, formats or {}
    header_row(ws, row, [labels.get(c, pretty(c)) for c in columns], col=col, height=32)
    index = {c: col + j for j, c in enumerate(columns)}
    styles: dict[str, dict] = {}

    def put(r: int, c: int, v, fmt: str) -> None:
        style = styles.get(fmt)
        if style is None:
            style = styles[fmt] = merge(VALUE_FONT, fmt=fmt)
        ws.value(r, c, v, style)

    for j, c in enumerate(columns):
        fmt = formats.get(c) or column_format(book, c, frame[c])
        series = frame[c]
        target = col + j
        if pd.api.types.is_float_dtype(series) or pd.api.types.is_integer_dtype(series):
            as_float = pd.api.types.is_float_dtype(series)
            array = series.to_numpy()
            for i, v in enumerate(array.tolist()):
                if as_float and not math.isfinite(v):
                    continue
                put(row + 1 + i, target, v, fmt)
            continue
        for i, value in enumerate(series.tolist()):
            v = _python(value)
            if isinstance(v, str):
                put_text(ws, row + 1 + i, target, v, font=VALUE_FONT)
            elif v is not None:
                put(row + 1 + i, target, v, fmt)
        if widths_:
            ws.widths[target] = max(12, min(60, len(labels.get(c, pretty(c))) + 4))
    return row + 1, row + len(frame), index


def _not_run(ws, row: int, what: str) -> None:
    put_text(ws, row, 1, f"{what} not available in this export: run `cea all` to fill this sheet.", font=SUBTITLE_FONT)


# --------------------------------------------------------------------------- DSA
def _dsa_result_columns(dsa: pd.DataFrame) -> tuple[str, str, str] | None:
    for low, high, label in (("result_low", "result_high", "Result"), ("inmb_low", "inmb_high", "Incremental NMB"),
                             ("icer_low", "icer_high", "ICER")):
        if low in dsa.columns and high in dsa.columns:
            return low, high, label
    return None


def build_dsa(book: Book, dsa: pd.DataFrame | None, base_inmb: float) -> None:
    ws = book.add_sheet("DSA")
    title(ws, "One-way deterministic sensitivity analysis",
          "Each parameter at its DSA low and high value, all others at base case (values from the Python model). "
          "Sorted by swing; the tornado shows the change from the base case.")
    if dsa is None or len(dsa) == 0:
        _not_run(ws, 4, "The DSA")
        return
    frame = dsa.copy()
    if "swing" in frame.columns:
        frame = frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    result = _dsa_result_columns(frame)
    base = None
    if result:
        if "base_result" in frame.columns:
            base = _python(frame["base_result"].iloc[0])
        elif "base_result" in frame.attrs or "base_inmb" in frame.attrs:
            base = _python(frame.attrs.get("base_result", frame.attrs.get("base_inmb")))
        elif result[0] in ("inmb_low", "result_low"):
            base = base_inmb
    first_cols = [c for c in ("parameter", "description", "low", "high") if c in frame.columns]
    if result:
        first_cols += [result[0], result[1]]
    first_cols += [c for c in ("swing",) if c in frame.columns]
    columns = first_cols + [c for c in frame.columns if c not in first_cols]
    r = 4
    if result and base is not None:
        put_text(ws, r, 1, f"Base case {result[2]}", font=TOTAL_FONT)
        put_value(ws, r, 2, base, book.money, font=TOTAL_FONT)
        base_cell = "$B$4"
        r += 1
    else:
        base_cell = None
    r += 1
    top, bottom, index = write_frame(ws, frame, r, 1, book, columns)
    if "description" in index:
        ws.widths[index["description"]] = 48
    ws.widths[1] = max(ws.widths.get(1, 0), 28)
    if not result:
        return
    # tornado data: deviations from base (formulas), next to the table
    dev = len(columns) + 2
    header_row(ws, r, ["Tornado label", "Low value: change", "High value: change"], col=dev, height=32)
    label_col = index.get("description", index.get("parameter", 1))
    n_bars = min(len(frame), 15)
    for i in range(len(frame)):
        row = top + i
        put_formula(ws, row, dev, f"{get_column_letter(label_col)}{row}")
        for j, key in enumerate(result[:2]):
            src = f"{get_column_letter(index[key])}{row}"
            put_formula(ws, row, dev + 1 + j, f"{src}-{base_cell}" if base_cell else src, book.money)
    widths(ws, {dev: 48, dev + 1: 18, dev + 2: 18})
    colours = (PALETTE[0], PALETTE[1])
    chart = {
        "type": "bar", "title": f"Tornado: change in {result[2]} from the base case",
        "series": [{"name": [ws.title, r - 1, dev + j], "categories": area(ws.title, top, dev, top + n_bars - 1),
                    "values": area(ws.title, top, dev + 1 + j, top + n_bars - 1),
                    "fill": {"color": colours[j]}, "border": {"color": colours[j]}, "overlap": 100, "gap": 40}
                   for j in range(2)],
        "x_axis": {"name": f"Change in {result[2]}", "num_format": book.money, "major_gridlines": {"visible": False}},
        "y_axis": {"reverse": True, "label_position": "low"},
        "legend": {"position": "bottom"}, "size": (26, 12),
        "anchor": (top + len(frame) + 2, dev),
    }
    ws.charts.append(chart)
    ws.freeze = (top, 1)


# --------------------------------------------------------------------------- scenarios
def build_scenarios(book: Book, scenarios: pd.DataFrame | None) -> None:
    ws = book.sheets.get("Scenarios") or book.add_sheet("Scenarios")
    start = book.facts.get("scenarios_end_row", 2) + 2
    put_text(ws, start, 1, "Scenario results of the Python model at export (values)", font=SECTION_FONT)
    if scenarios is None or len(scenarios) == 0:
        _not_run(ws, start + 1, "Scenario results")
        return
    top, _, index = write_frame(ws, scenarios, start + 1, 1, book)
    for key, width in (("scenario", 26), ("rationale", 60), ("description", 60)):
        if key in index:
            ws.widths[index[key]] = width


# --------------------------------------------------------------------------- PSA
def build_psa(book: Book, psa: pd.DataFrame | None, ceac: pd.DataFrame | None) -> None:
    s = book.inputs.settings
    ws = book.add_sheet("PSA")
    title(ws, "Probabilistic sensitivity analysis",
          "One row per iteration (values from the Python model: every uncertain parameter drawn from its "
          "distribution). "
          "Summary statistics are formulas.")
    if psa is None or len(psa) == 0:
        _not_run(ws, 4, "PSA iterations")
        top_chart = 6
        right = 2
    else:
        frame = psa.reset_index(drop=True).copy()
        frame.insert(0, "iteration", np.arange(1, len(frame) + 1))
        inc = {}
        for measure in ("cost", "qaly"):
            a, b = f"{measure}_{s.intervention}", f"{measure}_{s.comparator}"
            if a in frame.columns and b in frame.columns:
                inc[measure] = f"inc_{measure}"
                frame[inc[measure]] = frame[a].to_numpy(dtype=float) - frame[b].to_numpy(dtype=float)
        header = 8
        arm_label = {a: book.inputs.structure.arm(a).label for a in book.inputs.structure.arm_ids}
        labels = {c: f"{pretty(c.split('_', 1)[0])}: {arm_label[c.split('_', 1)[1]]}" for c in frame.columns
                  if isinstance(c, str) and "_" in c and c.split("_", 1)[1] in arm_label}
        labels |= {"inc_cost": "Incremental costs", "inc_qaly": "Incremental QALYs"}
        top, bottom, index = write_frame(ws, frame, header, 1, book, labels=labels)
        # summary (formulas)
        put_text(ws, 4, 1, "Iterations", font=TOTAL_FONT)
        put_formula(ws, 4, 2, f"COUNT(A{top}:A{bottom})", INTEGER)
        put_text(ws, 5, 1, "Mean", font=TOTAL_FONT)
        put_text(ws, 6, 1, "2.5th / 97.5th percentile", font=TOTAL_FONT)
        for c, j in index.items():
            if c == "iteration" or not pd.api.types.is_numeric_dtype(frame[c]):
                continue
            letter = get_column_letter(j)
            fmt = column_format(book, c, frame[c])
            put_formula(ws, 5, j, f"AVERAGE({letter}{top}:{letter}{bottom})", fmt, font=TOTAL_FONT)
            put_formula(ws, 6, j, f'TEXT(PERCENTILE({letter}{top}:{letter}{bottom},0.025),"#,##0.000")&" to "&'
                                  f'TEXT(PERCENTILE({letter}{top}:{letter}{bottom},0.975),"#,##0.000")')
        ws.freeze = (top, 2)
        right = len(frame.columns) + 2
        top_chart = 4
        if len(inc) == 2:
            arm = book.inputs.structure.arm
            ws.charts.append({
                "type": "scatter", "title": "Cost-effectiveness plane",
                "series": [{"name": "PSA iterations", "categories": area(ws.title, top, index[inc["qaly"]], bottom),
                            "values": area(ws.title, top, index[inc["cost"]], bottom),
                            "marker": {"type": "circle", "size": 3, "fill": {"color": PALETTE[0]},
                                       "border": {"color": PALETTE[0]}}}],
                "x_axis": {"name": f"Incremental QALYs ({arm(s.intervention).label} vs {arm(s.comparator).label})",
                           "num_format": "0.00"},
                "y_axis": {"name": f"Incremental costs ({s.currency})", "num_format": book.money},
                "legend": {"none": True}, "size": (18, 11), "anchor": (top_chart, right)})
            top_chart += 24
    if ceac is None or len(ceac) == 0 or "wtp" not in ceac.columns:
        put_text(ws, top_chart, right, "Cost-effectiveness acceptability curve: run `cea all` to fill.",
                 font=SUBTITLE_FONT)
        return
    table_col = right + 12
    put_text(ws, 3, table_col, "Cost-effectiveness acceptability curve", font=SECTION_FONT)
    arms = [a for a in ceac.columns if a in book.inputs.structure.arm_ids]
    c_top, c_bottom, c_index = write_frame(ws, ceac.reset_index(drop=True), 8, table_col, book,
                                           labels={a: book.inputs.structure.arm(a).label for a in arms},
                                           formats={a: "0.000" for a in arms})
    if not arms:
        return
    x = area(ws.title, c_top, c_index["wtp"], c_bottom)
    curves = [(area(ws.title, c_top, c_index[a], c_bottom), book.inputs.structure.arm(a).label) for a in arms]
    chart = line_chart("Cost-effectiveness acceptability curve", x, curves,
                       f"Willingness to pay per QALY ({s.currency})", "Probability cost-effective", y_max=1,
                       x_format=book.money)
    ws.charts.append({**chart, "size": (18, 11), "anchor": (top_chart, right)})


def write_dsa(book: Book) -> None:
    base = book.analyses["base_case"]
    inc = base.incremental()
    base_inmb = book.inputs.settings.primary_wtp * inc["qalys"] - inc["costs"]
    build_dsa(book, book.analyses.get("dsa"), base_inmb)


def write_scenarios(book: Book) -> None:
    build_scenarios(book, book.analyses.get("scenarios"))


register_sheet("scenarios", write_scenarios)

__all__ = ["build_dsa", "build_scenarios", "build_psa", "write_frame", "pretty"]
