"""Per-arm model sheets as live formulas: survival/transitions ('Surv <arm>') and the Markov trace
('Trace <arm>').  Each mirrors cea.engine operation by operation (same order of floating-point
operations wherever it matters) so that a spreadsheet engine reproduces the Python results.

Rows: cycle 0 … n (n fixed at export); the row of cycle k holds the trace at t_k and the
transitions of the interval (t_{k-1}, t_k] (HTA_METHODS F5, F7; cea.engine.transitions/trace).
Rows after the modelled number of cycles (a shorter horizon or longer cycle typed on Inputs)
get zero weight, so those edits are exact too.

Spreadsheet notes: unary minus binds tighter than ^ in Excel, so every negation is written
-1*(…); expm1 (Gompertz) uses a Taylor series near 0; log-normal uses NORM.S.DIST; the
generalised gamma uses GAMMA.DIST (regularised lower incomplete gamma), so for Q > 0 the
survival 1 − P(a, u) loses relative accuracy only where S(t) is far below 1e-6 (the tests
check a Q > 0 and a Q < 0 curve against scipy to 1e-9 over the 15-year horizon).
"""

from __future__ import annotations

from dataclasses import dataclass

from cea.structure import category_label
from cea.workbook.registry import register_sheet
from cea.workbook.core import Book, Sheet, abs_ref, sheet_ref
from cea.workbook.core import column_letter as get_column_letter
from cea.workbook.inputs import FAMILIES
from cea.workbook.style import (FACTOR, GENERAL, INTEGER, OCC, PROB, SECTION_FONT, SUBTITLE_FONT, YEARS, area,
                                header_row, line_chart, merge, put_formula, put_text, put_value, title, widths)

HEADER_ROW = 9
AE_TOTAL_ROW = 7  # Trace sheets: the adverse-event share's denominator, above the column headers
AE_TOTAL_CELL = f"$F${AE_TOTAL_ROW}"
PSM_ROW = 8  # Trace sheets: TRUE when model_structure = psm (read by the Trace and Surv sheets of the arm)
PSM_CELL = f"$F${PSM_ROW}"

# Coefficients after an acceleration factor ({af}) and the parameters each family's H(t) reads.
FAMILY_PARAMETERS: dict[str, tuple[tuple[str, str], ...]] = {
    "exponential": (("rate (per month)", "EXP({c0}-LN({af}))"),),
    "weibull": (("scale (months)", "EXP({c0}+LN({af}))"), ("shape", "EXP({c1})")),
    "gompertz": (("rate (per month)", "EXP({c0})"), ("shape (per month)", "{c1}")),
    "loglogistic": (("scale (months)", "EXP({c0}+LN({af}))"), ("shape", "EXP({c1})")),
    "lognormal": (("mu (log months)", "{c0}+LN({af})"), ("sigma", "EXP({c1})")),
    "gengamma": (("mu (log months)", "{c0}+LN({af})"), ("sigma", "EXP({c1})"), ("Q", "{c2}"),
                 ("1/Q^2", "IF(ABS({c2})<1E-8,1,{c2}^(-2))")),
}


def _expm1(x: str) -> str:
    """exp(x) − 1 without cancellation: a 7-term Taylor series for |x| < 0.01 (error < 1e-17 relative)."""
    series = f"{x}*(1+{x}*(1/2+{x}*(1/6+{x}*(1/24+{x}*(1/120+{x}*(1/720+{x}/5040))))))"
    return f"IF(ABS({x})<0.01,{series},EXP({x})-1)"


def cumulative_hazard(family: str, t: str, p: list[str]) -> str:
    """Excel formula of H(t) (t in months) from the family's parameter cells p (see FAMILY_PARAMETERS);
    non-PH families as −ln(max(S(t), 1e-300)) with S(0) = 1, exactly as cea.engine.survival."""
    if family == "exponential":
        return f"{p[0]}*{t}"
    if family == "weibull":
        return f"({t}/{p[0]})^{p[1]}"
    if family == "gompertz":
        return f"IF(ABS({p[1]})<1E-12,{p[0]}*{t},{p[0]}/{p[1]}*{_expm1(f'{p[1]}*{t}')})"
    if family == "loglogistic":
        s = f"1/(1+({t}/{p[0]})^{p[1]})"
    elif family == "lognormal":
        s = f"_xlfn.NORM.S.DIST(-1*((LN({t})-{p[0]})/{p[1]}),TRUE)"
    elif family == "gengamma":
        w = f"((LN({t})-{p[0]})/{p[1]})"
        u = f"{p[3]}*EXP(MAX(-700,MIN(700,{p[2]}*{w})))"
        p_lower = f"_xlfn.GAMMA.DIST({u},{p[3]},1,TRUE)"
        s = f"IF(ABS({p[2]})<1E-8,_xlfn.NORM.S.DIST(-1*{w},TRUE),IF({p[2]}>0,1-{p_lower},{p_lower}))"
    else:
        raise ValueError(f"unknown survival family {family!r}")
    return f"IF({t}>0,-1*LN(MAX({s},1E-300)),0)"


def parameter_or_number(n, x: str, absent: str) -> str:
    """An arm column that names a parameter (hazard ratio, acceleration factor, PD death rate): ``absent`` when
    blank or "none" (the engine's 'no such column', as `cea run --set arm.<arm>.<column>=none`), a number as
    typed, else the value in use of the parameter of that id (#N/A for an unknown id)."""
    return (f'IF(OR(LEN({x})=0,{x}="none"),{absent},IF(ISNUMBER({x}),{x},'
            f"INDEX({n('param_values')},MATCH({x},{n('param_ids')},0))))")


def chosen_cumulative_hazard(family_number: str, t: str, p: list[str]) -> str:
    """H(t) of whichever family the curve drop-down selected: CHOOSE over the six family formulas
    (FAMILIES order), all reading the same parameter cells p."""
    return f"CHOOSE({family_number},{','.join(cumulative_hazard(f, t, p) for f in FAMILIES)})"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: str
    width: float = 11.0


SURV_COLUMNS = (
    Column("cycle", "Cycle", INTEGER, 7), Column("t_years", "Time (years)", YEARS, 9),
    Column("t_months", "Time (months)", YEARS, 9), Column("mid_years", "Mid-cycle time (years)", YEARS, 10),
    Column("age_mid", "Age at mid-cycle", "0.00", 9), Column("qx", "q_x (life table)", PROB),
    Column("bg", "Background death hazard per cycle", "0.00000000", 13),
    Column("p_bg", "Background death probability", "0.00000000", 13),
    Column("omega", "Waning weight ω", FACTOR, 9),
    Column("pfs_H", "PFS curve H(t)", PROB), Column("pfs_dH_own", "PFS ΔH (own, x HR)", "0.00000000", 13),
    Column("pfs_dH", "PFS ΔH (after waning)", "0.00000000", 13),
    Column("pfs_cum", "PFS cumulative hazard (psm: each ΔH floored at background)", PROB, 13),
    Column("pfs_S", "PFS S(t)", OCC), Column("os_H", "OS curve H(t)", PROB),
    Column("os_dH_own", "OS ΔH (own, x HR)", "0.00000000", 13),
    Column("os_dH", "OS ΔH (after waning)", "0.00000000", 13),
    Column("os_cum", "OS cumulative hazard (psm: each ΔH floored at background)", PROB, 13),
    Column("os_S", "OS S(t) (target of the trace)", OCC),
    Column("h_prog", "Progression hazard", "0.00000000", 13),
    Column("h_death", "PF death hazard (floored)", "0.00000000", 13),
    Column("h_total", "Total PF exit hazard", "0.00000000", 13), Column("p_exit", "P(leave PF)", PROB),
    Column("p_pf_pd", "P(PF→PD)", PROB), Column("p_pf_d", "P(PF→Dead)", PROB),
)


def _index(columns) -> dict[str, int]:
    return {c.key: j for j, c in enumerate(columns, start=1)}


SURV = _index(SURV_COLUMNS)


def trace_columns(categories: tuple[str, ...], drugs: tuple[str, ...] = ()) -> tuple[Column, ...]:
    fixed = (
        Column("cycle", "Cycle", INTEGER, 7), Column("t_years", "Time (years)", YEARS, 9),
        Column("p_pf_pd", "P(PF→PD)", PROB), Column("p_pf_d", "P(PF→Dead)", PROB),
        Column("pf", "PF", OCC, 10), Column("new_prog", "New progressions", OCC),
        Column("pf_deaths", "Deaths from PF", OCC),
        Column("p_pd_d", "P(PD→Dead)", PROB), Column("pd_deaths", "Deaths from PD", OCC), Column("pd", "PD", OCC, 10),
        Column("new_deaths", "New deaths", OCC), Column("dead", "Dead", OCC, 10),
        Column("total", "PF+PD+Dead", OCC, 10),
        *(Column(f"on:{d}", f"On {d} (ToT = PF x exp(-rate t))", OCC, 11) for d in drugs),
        Column("ae_share", "Share of adverse events in this cycle (ToT of the timing drug)", FACTOR, 12),
        Column("w", "Within-cycle weight", FACTOR, 10),
        Column("df_c", "Discount factor, costs", FACTOR, 10), Column("df_o", "Discount factor, outcomes", FACTOR, 10),
        Column("df_mid", "Discount factor, costs at mid-cycle", FACTOR, 11),
        Column("u_profile", "Population utility U_gp(age) (age profile)", FACTOR, 12),
        Column("ly_pf", "LYs PF (disc.)", "0.000000", 10), Column("ly_pd", "LYs PD (disc.)", "0.000000", 10),
        Column("ly_pf_u", "LYs PF (undisc.)", "0.000000", 10), Column("ly_pd_u", "LYs PD (undisc.)", "0.000000", 10),
        Column("q_pf", "QALYs PF (disc.)", "0.000000", 10), Column("q_pd", "QALYs PD (disc.)", "0.000000", 10),
        *(Column(f"b_drug:{d}", f"Days on {d} (disc., cycle start)", "0.0000", 12) for d in drugs),
        Column("ae_q", "AE QALY loss (disc.)", "0.000000", 10),
        Column("b_pf", "PF months (disc.)", "0.000000", 11), Column("b_pd", "PD months (disc.)", "0.000000", 11),
        Column("b_prog", "Progressions (disc. at mid-cycle)", "0.000000", 12),
        Column("b_death", "Deaths (disc. at mid-cycle)", "0.000000", 12),
    )
    cats = tuple(Column(f"cat:{c}", f"Costs: {category_label(c)}", "#,##0.00", 13) for c in categories)
    return fixed + cats + (Column("cost_total", "Total costs", "#,##0.00", 13),)


BASIS_COLUMN = {"per_month_in_pf": "b_pf", "per_month_in_pd": "b_pd",
                "per_progression": "b_prog", "per_death": "b_death"}


def build_model_sheets(book: Book) -> None:
    arms = book.inputs.structure.arm_ids
    for arm in arms:
        book.surv[arm] = book.add_sheet(f"Surv {arm}", key="Surv").title
        book.trace[arm] = book.add_sheet(f"Trace {arm}", key="Trace").title
    for arm in arms:
        _surv_sheet(book, arm)
        _trace_sheet(book, arm)


def _column_headers(ws: Sheet, columns) -> None:
    header_row(ws, HEADER_ROW, [c.header for c in columns], height=58)
    widths(ws, {j: c.width for j, c in enumerate(columns, start=1)})
    ws.freeze = (HEADER_ROW + 1, 2)
    ws.repeat_rows = (HEADER_ROW, HEADER_ROW)
    ws.fit_width = False


def _putter(ws: Sheet):
    """put(row, col, number-or-'=formula', number format) with one style per number format."""
    styles: dict[str, dict] = {}

    def put(row: int, col: int, value, fmt: str) -> None:
        style = styles.get(fmt)
        if style is None:
            style = styles[fmt] = merge(fmt=fmt)
        if isinstance(value, str):
            ws.formula(row, col, value, style)
        else:
            ws.value(row, col, value, style)

    return put


def _surv_sheet(book: Book, arm_id: str) -> None:
    n, st = book.n, book.inputs.structure
    arm = st.arm(arm_id)
    ws = book.sheets[book.surv[arm_id]]
    title(ws, f"Survival and transitions: {arm.label}",
          "Cumulative hazards of the arm's PFS and OS curves (time in months), per-cycle increments ΔH = H(t_k) − "
          "H(t_k−1) (x hazard ratio), waning, background mortality and the PF exit split with competing hazards.")
    header_row(ws, 4, ["Endpoint", "Curve", "Family", "Hazard ratio", "Acceleration factor", "Waning towards",
                       "Parameter 1", "Value", "Parameter 2", "Value", "Parameter 3", "Value", "Parameter 4", "Value",
                       "Coefficient 1", "Coefficient 2", "Coefficient 3", "Family number"], col=1, height=30)
    params: dict[str, list[str]] = {}
    hr_cell: dict[str, str] = {}
    family_cell: dict[str, str] = {}
    for i, endpoint in enumerate(("pfs", "os")):
        row = 5 + i
        put_text(ws, row, 1, endpoint.upper())
        put_formula(ws, row, 2, n(f"arm.{arm_id}.{endpoint}_curve"))
        match = f"MATCH($B${row},{n('curve_ids')},0)"
        put_formula(ws, row, 3, f"INDEX({n('curve_family')},{match})")
        for col, field_ in ((4, "hazard_ratio"), (5, "acceleration_factor")):
            # blank or "none" = none (x 1, + ln 1 = 0 change nothing: `cea run --set arm.<arm>.<column>=none`);
            # a number as typed; else the parameter of that id
            put_formula(ws, row, col, parameter_or_number(n, n(f"arm.{arm_id}.{endpoint}_{field_}"), "1"), GENERAL)
        put_text(ws, row, 6, arm.waning_reference or "—")
        for j in range(3):
            put_formula(ws, row, 15 + j, f"IF(LEN(INDEX({n(f'curve_c{j + 1}')},{match}))=0,0,"
                                         f"INDEX({n(f'curve_c{j + 1}')},{match}))", "0.000000")
        put_formula(ws, row, 18, f"INDEX({n('curve_family_no')},{match})", INTEGER)
        hr_cell[endpoint] = abs_ref(4, row)
        family_cell[endpoint] = abs_ref(18, row)
        names = {f"c{j}": abs_ref(15 + j, row) for j in range(3)}
        names["af"] = abs_ref(5, row)
        params[endpoint] = []
        for j in range(4):
            labels, values = [], []
            for family in FAMILIES:
                slots = FAMILY_PARAMETERS[family]
                labels.append(f'"{slots[j][0]}"' if j < len(slots) else '""')
                values.append(slots[j][1].format(**names) if j < len(slots) else "0")
            put_formula(ws, row, 7 + 2 * j, f"CHOOSE({family_cell[endpoint]},{','.join(labels)})")
            put_formula(ws, row, 8 + 2 * j, f"CHOOSE({family_cell[endpoint]},{','.join(values)})", "0.000000")
            params[endpoint].append(abs_ref(8 + 2 * j, row))
    put_text(ws, 7, 1, "PF exits: hazard ΔH_PFS split into progression (1 − π)ΔH and death max(πΔH, background); "
             "P(leave PF) = 1 − exp(−total), shared in proportion.", font=SUBTITLE_FONT)
    _column_headers(ws, SURV_COLUMNS)
    for col in range(1, 19):  # room for the curve table above the data
        ws.widths[col] = max(ws.widths.get(col, 0), 13)
    put_text(ws, HEADER_ROW - 1, SURV["pfs_H"], "PFS", font=SECTION_FONT)
    put_text(ws, HEADER_ROW - 1, SURV["os_H"], "OS", font=SECTION_FONT)

    ref_sheet = sheet_ref(book.surv[arm.waning_reference]) if arm.waning_reference else None
    psm = sheet_ref(book.trace[arm_id]) + PSM_CELL  # TRUE when model_structure = psm
    share = n(st.pf_death_share)
    ws_s, ws_e = n("waning_start_months"), n("waning_end_months")
    L = {k: get_column_letter(j) for k, j in SURV.items()}
    fmts = {c.key: c.fmt for c in SURV_COLUMNS}
    put = _putter(ws)
    for k in range(book.n_rows + 1):
        r = book.first_row + k
        p = r - 1
        f: dict[str, object] = {}
        f["cycle"] = 0 if k == 0 else f"={L['cycle']}{p}+1"
        f["t_years"] = f"={L['cycle']}{r}*{n('cycle_years')}"
        f["t_months"] = f"={L['t_years']}{r}*12"
        for e in ("pfs", "os"):
            f[f"{e}_H"] = "=" + chosen_cumulative_hazard(family_cell[e], f"{L['t_months']}{r}", params[e])
        if k == 0:
            f.update({f"{e}_cum": 0 for e in ("pfs", "os")})
        else:
            mid = f"{L['mid_years']}{r}"
            f["mid_years"] = f"=({L['t_years']}{p}+{L['t_years']}{r})/2"
            f["age_mid"] = f"={n('start_age')}+{mid}"
            f["qx"] = f"=INDEX({n('life_qx')},IFERROR(MATCH({L['age_mid']}{r},{n('life_age')},1),1))"
            f["bg"] = f"=-1*LN(1-{L['qx']}{r})*{n('cycle_years')}"
            f["p_bg"] = f"=1-EXP(-1*{L['bg']}{r})"
            f["omega"] = (f"=IF(AND(ISNUMBER({ws_s}),ISNUMBER({ws_e})),IF({ws_e}<={ws_s},IF({mid}*12>={ws_s},1,0),"
                          f"MAX(0,MIN(1,({mid}*12-{ws_s})/({ws_e}-{ws_s})))),0)")
            for e in ("pfs", "os"):
                own = f"{L[e + '_dH_own']}{r}"
                f[f"{e}_dH_own"] = f"=MAX(({L[e + '_H']}{r}-{L[e + '_H']}{p})*{hr_cell[e]},0)"
                if ref_sheet:
                    om = f"{L['omega']}{r}"
                    f[f"{e}_dH"] = f"=(1-{om})*{own}+{om}*{ref_sheet}{L[e + '_dH_own']}{r}"
                else:
                    f[f"{e}_dH"] = f"={own}"
                # partitioned survival floors each curve's hazard at the background hazard (cea.engine.psm)
                f[f"{e}_cum"] = (f"={L[e + '_cum']}{p}+IF({psm},MAX({L[e + '_dH']}{r},{L['bg']}{r}),"
                                 f"{L[e + '_dH']}{r})")
            dh = f"{L['pfs_dH']}{r}"
            f["h_prog"] = f"=(1-{share})*{dh}"
            f["h_death"] = f"=MAX({share}*{dh},{L['bg']}{r})"
            f["h_total"] = f"={L['h_prog']}{r}+{L['h_death']}{r}"
            f["p_exit"] = f"=1-EXP(-1*{L['h_total']}{r})"
            f["p_pf_pd"] = f"=IF({L['h_total']}{r}>0,{L['p_exit']}{r}*({L['h_prog']}{r}/{L['h_total']}{r}),0)"
            f["p_pf_d"] = f"={L['p_exit']}{r}-{L['p_pf_pd']}{r}"
        for e in ("pfs", "os"):
            f[f"{e}_S"] = f"=EXP(-1*{L[e + '_cum']}{r})"
        for key, value in f.items():
            put(r, SURV[key], value, fmts[key])
    first, last = book.first_row, book.last_row
    x = area(ws.title, first, SURV["t_years"], last)
    curves = [(area(ws.title, first, SURV[f"{e}_S"], last), e.upper()) for e in ("pfs", "os")]
    chart = line_chart(f"Modelled PFS and OS: {arm.label}", x, curves, "Years", "Proportion surviving", y_max=1)
    ws.charts.append({**chart, "anchor": (HEADER_ROW + 1, len(SURV_COLUMNS) + 2)})


def _trace_sheet(book: Book, arm_id: str) -> None:
    n, st = book.n, book.inputs.structure
    arm = st.arm(arm_id)
    categories = st.cost_categories
    columns = trace_columns(categories, st.drugs)
    T = _index(columns)
    L = {k: get_column_letter(j) for k, j in T.items()}
    fmts = {c.key: c.fmt for c in columns}
    ws = book.sheets[book.trace[arm_id]]
    title(ws, f"Markov trace: {arm.label}",
          "Cohort occupancy (PF, PD, Dead), flows, discounting, within-cycle weights, LYs, QALYs and costs per cycle. "
          "Results sums these columns.")
    # header block: arm constants
    put_text(ws, 4, 1, "P(PD→Dead) per cycle, constant option")
    rate_input = n(f"arm.{arm_id}.pd_death_rate")
    put_formula(ws, 4, 6, f"1-EXP(-1*{parameter_or_number(n, rate_input, 'NA()')}*{n('cycle_months')})", PROB)
    put_text(ws, 4, 7, f"from {rate_input} (per month: a parameter id or a number); used when pd_mortality = constant "
             "(#N/A when blank or none: constant PD mortality is then not available for this arm)")
    p_const = "$F$4"
    treatments = st.arm_treatments(arm_id)
    put_text(ws, 5, 1, "Time on treatment per drug: PF x exp(-rate x t months); " + "; ".join(
        f"{t.drug}: rate {t.discontinuation_rate or '0 (to progression)'}" for t in treatments))
    put_text(ws, 6, 1, "Drug costs are paid at the start of each cycle while on treatment (no within-cycle "
             "correction); "
             "progression and death costs at mid-cycle; adverse events spread over the time on treatment (ae_share); "
             "one-off costs at cycle 0.", font=SUBTITLE_FONT)
    put_text(ws, PSM_ROW, 1, "Partitioned survival (model_structure = psm)?")
    put_formula(ws, PSM_ROW, 6, f'{n("model_structure")}="psm"')
    put_text(ws, PSM_ROW, 7, "TRUE (NICE DSU TSD19): PF = min(S_PFS, S_OS), PD = S_OS − PF, Dead = 1 − S_OS from the Surv "
             "sheet's curves with each hazard increment floored at the background hazard; P(PF→PD) and P(PF→Dead) "
             "are then not used and P(PD→Dead) shows the implied probability. FALSE: the state-transition model.",
             font=SUBTITLE_FONT)
    _column_headers(ws, columns)

    surv = sheet_ref(book.surv[arm_id])
    S = {k: get_column_letter(j) for k, j in SURV.items()}
    cy, cm, days = n("cycle_years"), n("cycle_months"), n("cycle_length_days")
    nc, even, corr = n("n_cycles"), n("simpson_even"), n("within_cycle_correction")
    psm, share = PSM_CELL, n(st.pf_death_share)
    c0, c1, c2 = (n(t) for t in st.gp_utility_terms)
    age0, adjust = n("start_age"), n("utility_age_adjustment")
    lvl_pf, lvl_pd = n(f"level:{st.utility_pf}"), n(f"level:{st.utility_pd}")
    dr_c, dr_o = n("discount_rate_costs"), n("discount_rate_outcomes")
    # cost terms per category: (basis column, unit cost name) for time-based bases; one-offs at cycle 0
    terms: dict[str, list[tuple[str, str]]] = {c: [] for c in categories}
    one_off: dict[str, list[str]] = {c: [] for c in categories}
    for k_item, item in enumerate(st.cost_items):
        if item.arm not in ("all", arm_id):
            continue
        unit = book.unit_cost[k_item]
        if item.basis == "at_start":
            one_off[item.category].append(unit)
        elif item.basis == "per_day_on_treatment":
            drug = next(t.drug for t in treatments if item.id in t.cost_items)
            terms[item.category].append((f"b_drug:{drug}", unit))
        else:
            terms[item.category].append((BASIS_COLUMN[item.basis], unit))
    ae = book.ae_cells.get(arm_id, [])
    ae_cost_total = "(" + "+".join(cost for cost, _ in ae) + ")" if ae else "0"
    ae_qaly_total = "(" + "+".join(q for _, q in ae) + ")" if ae else "0"
    timing = next((t.drug for t in treatments if t.times_adverse_events), None)
    received = {t.drug: t for t in treatments}
    first_, last_ = book.first_row, book.first_row + book.n_rows
    ae_total = AE_TOTAL_CELL  # Σ_{k<n} ToT_k of the timing drug, once per sheet (not once per row: O(n) not O(n²))
    if timing:
        on_col = L[f"on:{timing}"]
        put_text(ws, AE_TOTAL_ROW, 1, f"Time on {timing} summed over cycles 0 … n−1 (denominator of the adverse-event "
                 "share)")
        put_formula(ws, AE_TOTAL_ROW, 6, f'SUMIF(${L["cycle"]}${first_}:${L["cycle"]}${last_},"<"&{nc},'
                                         f"${on_col}${first_}:${on_col}${last_})", "0.000000")
    put = _putter(ws)
    for k in range(book.n_rows + 1):
        r = book.first_row + k
        p = r - 1
        kk = f"{L['cycle']}{r}"
        f: dict[str, object] = {
            "cycle": f"={surv}{S['cycle']}{r}",
            "t_years": f"={surv}{S['t_years']}{r}",
        }
        if k == 0:
            f.update(pf=1, pd=0, dead=0, new_prog=0, pf_deaths=0, pd_deaths=0, new_deaths=0, b_prog=0, b_death=0)
        else:
            f["p_pf_pd"] = f"={surv}{S['p_pf_pd']}{r}"
            f["p_pf_d"] = f"={surv}{S['p_pf_d']}{r}"
            # Markov (cea.engine.trace) unless model_structure = psm (cea.engine.psm): PF = min(S_PFS, S_OS),
            # PD = S_OS − PF, Dead = 1 − S_OS; deaths = fall in S_OS, progressions max((1 − π)·PF fall, 0),
            # PD deaths max(deaths − π·PF fall, 0).  No formula refers to a cell that refers back to it.
            pf_prev, pd_prev, floor = f"{L['pf']}{p}", f"{L['pd']}{p}", f"{surv}{S['p_bg']}{r}"
            os_now, pf_now = f"{surv}{S['os_S']}{r}", f"{L['pf']}{r}"
            deaths = f"({surv}{S['os_S']}{p}-{os_now})"
            pf_fall = f"({pf_prev}-{pf_now})"
            psm_pd_deaths = f"MAX({deaths}-{share}*{pf_fall},0)"
            f["pf"] = (f"=IF({psm},MIN({surv}{S['pfs_S']}{r},{os_now}),"
                       f"{pf_prev}*(1-{L['p_pf_pd']}{r}-{L['p_pf_d']}{r}))")
            f["new_prog"] = f"=IF({psm},MAX((1-{share})*{pf_fall},0),{pf_prev}*{L['p_pf_pd']}{r})"
            f["pf_deaths"] = f"=IF({psm},MIN({deaths},{share}*{pf_fall}),{pf_prev}*{L['p_pf_d']}{r})"
            tracking = (f"MIN(MAX(IF({pd_prev}>0,({pf_prev}+{pd_prev}-{L['pf_deaths']}{r}-{os_now})"
                        f"/{pd_prev},0),{floor}),1)")
            f["p_pd_d"] = (f"=IF({psm},IF({pd_prev}>0,MIN({psm_pd_deaths}/{pd_prev},1),0),"
                           f'IF({n("pd_mortality")}="constant",MAX({p_const},{floor}),{tracking}))')
            f["pd_deaths"] = f"=IF({psm},{psm_pd_deaths},{pd_prev}*{L['p_pd_d']}{r})"
            f["pd"] = f"=IF({psm},{os_now}-{pf_now},{pd_prev}-{L['pd_deaths']}{r}+{L['new_prog']}{r})"
            f["new_deaths"] = f"=IF({psm},{deaths},{L['pf_deaths']}{r}+{L['pd_deaths']}{r})"
            f["dead"] = f"=IF({psm},1-{os_now},{L['dead']}{p}+({L['pf_deaths']}{r}+{L['pd_deaths']}{r}))"
            f["df_mid"] = f"=(1+{dr_c})^(-1*{surv}{S['mid_years']}{r})"
            f["b_prog"] = f"=IF({kk}<={nc},{L['df_mid']}{r}*{L['new_prog']}{r},0)"
            f["b_death"] = f"=IF({kk}<={nc},{L['df_mid']}{r}*{L['new_deaths']}{r},0)"
        f["total"] = f"={L['pf']}{r}+{L['pd']}{r}+{L['dead']}{r}"
        for d in st.drugs:
            t_ = received.get(d)
            if t_ is None:
                f[f"on:{d}"] = 0
            elif t_.discontinuation_rate:
                f[f"on:{d}"] = f"={L['pf']}{r}*EXP(-1*{n(t_.discontinuation_rate)}*{surv}{S['t_months']}{r})"
            else:
                f[f"on:{d}"] = f"={L['pf']}{r}"
        if timing:
            on_col = L[f"on:{timing}"]
            f["ae_share"] = (f"=IF({n('adverse_event_timing')}=\"at_start\",IF({kk}=0,1,0),"
                             f"IF({kk}<{nc},{on_col}{r}/{ae_total},0))")
        else:
            f["ae_share"] = 0
        f["w"] = (f'=IF({kk}>{nc},0,IF({corr}="none",IF({kk}<{nc},1,0),IF(OR({corr}<>"simpson",{nc}=1),'
                  f"IF(OR({kk}=0,{kk}={nc}),0.5,1),IF(AND({even}>0,{kk}<={even}),IF(OR({kk}=0,{kk}={even}),1,"
                  f"IF(MOD({kk},2)=1,4,2))/3,0)+IF(AND(MOD({nc},2)=1,{kk}>={even}),"
                  f"CHOOSE({kk}-{even}+1,3,9,9,3)/8,0))))")
        t = f"{L['t_years']}{r}"
        f["df_c"] = f"=(1+{dr_c})^(-1*{t})"
        f["df_o"] = f"=(1+{dr_o})^(-1*{t})"
        a = f"({age0}+{t})"
        f["u_profile"] = f"=IF({adjust},{c0}+{c1}*{a}+{c2}*({a}*{a}),1)"
        w, dfo, dfc = f"{L['w']}{r}", f"{L['df_o']}{r}", f"{L['df_c']}{r}"
        pf, pd = f"{L['pf']}{r}", f"{L['pd']}{r}"
        f["ly_pf"] = f"={w}*{dfo}*{pf}*{cy}"
        f["ly_pd"] = f"={w}*{dfo}*{pd}*{cy}"
        f["ly_pf_u"] = f"={w}*{pf}*{cy}"
        f["ly_pd_u"] = f"={w}*{pd}*{cy}"
        f["q_pf"] = f"={lvl_pf}*{w}*{dfo}*{L['u_profile']}{r}*{pf}*{cy}"
        f["q_pd"] = f"={lvl_pd}*{w}*{dfo}*{L['u_profile']}{r}*{pd}*{cy}"
        for d in st.drugs:
            f[f"b_drug:{d}"] = f"=IF({kk}<{nc},{dfc}*{L['on:' + d]}{r}*{days},0)"
        f["ae_q"] = f"={ae_qaly_total}*{L['ae_share']}{r}*{dfo}"
        f["b_pf"] = f"={w}*{dfc}*{pf}*{cm}"
        f["b_pd"] = f"={w}*{dfc}*{pd}*{cm}"
        for c in categories:
            parts = [f"{unit}*{L[col]}{r}" for col, unit in terms[c]]
            if c == "adverse_events" and ae:
                parts.append(f"{ae_cost_total}*{L['ae_share']}{r}*{dfc}")
            if k == 0:
                parts += one_off[c]
            f[f"cat:{c}"] = "=" + ("+".join(parts) if parts else "0")
        f["cost_total"] = (f"=SUM({L['cat:' + categories[0]]}{r}:{L['cat:' + categories[-1]]}{r})" if categories
                           else "=0")
        for key, value in f.items():
            put(r, T[key], value, fmts[key])
    first, last = book.first_row, book.last_row
    x = area(ws.title, first, T["t_years"], last)
    states = [(area(ws.title, first, T[k], last), label)
              for k, label in (("pf", "Progression-free"), ("pd", "Progressed disease"), ("dead", "Dead"))]
    chart = line_chart(f"Markov trace: {arm.label}", x, states, "Years", "Proportion of cohort", y_max=1)
    ws.charts.append({**chart, "anchor": (HEADER_ROW + 1, len(columns) + 2)})
    book.trace_cols = T


register_sheet("model", build_model_sheets)
