"""Inputs and Life table sheets: every setting and parameter as an editable, named cell.

Each parameter id, survival coefficient ('<curve>.<coefficient>') and calculation setting
becomes a workbook-level defined name pointing at its (unlocked, blue) value cell, so the
model sheets read ``=hr_pfs`` rather than ``=Inputs!$C$31``.  Unit costs of cost items and
the expected cost and QALY loss of adverse events are formulas of those names.
"""

from __future__ import annotations

import math

from cea.inputs.model_inputs import ModelInputs
from cea.parameters.ranges import dsa_range
from cea.structure import category_label
from cea.workbook.registry import register_sheet
from cea.workbook.core import Book, abs_ref
from cea.workbook.scenarios import BASE_CASE, IN_USE_COL, has_dsa_range, lay_out_scenarios, write_in_use
from cea.workbook.setting_rows import SETTING_ROWS
from cea.workbook.style import (GENERAL, HEADER_ALIGN, HEADER_FILL, HEADER_FONT, INTEGER, SECTION_FONT,
                                SUBTITLE_FONT, TOTAL_FONT, WRAP, header_row, put_formula, put_input, put_text,
                                put_value, title, widths)

INPUTS = "Inputs"
LIFE = "Life table"


CHOICES = {"within_cycle_correction": "none,half_cycle,simpson", "pd_mortality": "os_tracking,constant",
           "model_structure": "markov,psm",
           "adverse_event_timing": "on_treatment,at_start",
           "utility_age_adjustment": "TRUE,FALSE"}


def _setting_value(value):
    if isinstance(value, float) and math.isinf(value):
        return None  # blank: "never" (Excel has no infinity)
    return value


def build_inputs(book: Book) -> None:
    inputs = book.inputs
    s = inputs.settings
    ws = book.add_sheet(INPUTS)
    inputs_rows: list[tuple[str, str, int]] = book.facts.setdefault("input_rows", [])  # (id, name, row) on Inputs
    title(ws, "Model inputs", "Blue cells on yellow are inputs: change them and the whole model recalculates. "
          "Black cells are formulas (protected, no password). Every input has a defined name (column A).")
    widths(ws, [34, 62, 16, 24, 13, 13, 30, 16, 70, 60, 40, 24, 16])
    r = 4

    def section(text: str, note: str | None = None) -> None:
        nonlocal r
        put_text(ws, r, 1, text, font=SECTION_FONT)
        if note:
            put_text(ws, r, 2, note, font=SUBTITLE_FONT)
        r += 1

    def named_input(model_id: str, label: str, value, unit: str, fmt: str, preferred: str | None = None,
                    in_use: bool = True):
        nonlocal r
        name = book.names.make(model_id, preferred)
        inputs_rows.append((model_id, name, r))
        put_text(ws, r, 1, name)
        put_text(ws, r, 2, label)
        cell = put_input(ws, r, 3, value, fmt)
        put_text(ws, r, 4, unit)
        book.define(name, ws.title, abs_ref(3, r))
        if in_use:
            write_in_use(book, ws, model_id, r, {})
        r += 1
        return cell

    def named_formula(model_id: str, label: str, formula: str, unit: str, fmt: str = GENERAL, note: str = ""):
        nonlocal r
        name = book.names.make(model_id)
        put_text(ws, r, 1, name)
        put_text(ws, r, 2, label)
        put_formula(ws, r, 3, formula, fmt)
        put_text(ws, r, 4, unit)
        if note:
            put_text(ws, r, 9, note)
        book.define(name, ws.title, abs_ref(3, r))
        r += 1

    # scenario selector and DSA switch ----------------------------------------------------------------
    lay_out_scenarios(book)
    section("Scenario and one-way DSA switch", "Column M shows each input's value in use: the DSA value, else the "
            "scenario's, else the input")
    header_row(ws, r, ["Name", "Switch", "Value", "Allowed values"], height=30)
    put_text(ws, r, IN_USE_COL, "Value in use", font=HEADER_FONT, fill=HEADER_FILL, align=HEADER_ALIGN)
    r += 1
    named_input("scenario", "Scenario applied (Scenarios sheet)", BASE_CASE, "drop-down", GENERAL, in_use=False)
    ws.validations.append((r - 1, 3, r - 1, 3, {"validate": "list", "source": "=scenario_names"}))
    named_input("dsa_parameter", "One-way DSA: parameter at its low or high value (blank = none)", None,
                "parameter id (drop-down)", GENERAL, in_use=False)
    ws.validations.append((r - 1, 3, r - 1, 3, {"validate": "list", "source": "=param_ids"}))
    named_input("dsa_bound", "One-way DSA: which bound (columns E and F of the parameter)", "low", "low | high",
                GENERAL, in_use=False)
    ws.validations.append((r - 1, 3, r - 1, 3, {"validate": "list", "source": ["low", "high"]}))
    r += 1

    # settings -------------------------------------------------------------------------------------
    section("Settings", "Methodological choices (settings.toml); the reference case is NICE PMG36")
    header_row(ws, r, ["Name", "Setting", "Value", "Unit / allowed values"], height=30)
    put_text(ws, r, IN_USE_COL, "Value in use", font=HEADER_FONT, fill=HEADER_FILL, align=HEADER_ALIGN)
    r += 1
    for key, label, unit, fmt in SETTING_ROWS:
        named_input(key, label, _setting_value(getattr(s, key)), unit, fmt)
        if key in CHOICES:
            ws.validations.append((r - 1, 3, r - 1, 3, {"validate": "list", "source": CHOICES[key].split(","),
                                                         "ignore_blank": False}))
    for i, w in enumerate(s.wtp_thresholds, start=1):
        named_input(f"wtp_{i}", f"Willingness-to-pay threshold {i}", float(w), f"{s.currency} per QALY", book.money,
                    preferred=f"wtp_{i}")
    r += 1

    # arms: curve choice and treatment effects -----------------------------------------------------------
    section("Arms: survival curves and treatment effects",
            "Pick each arm's PFS and OS curve from every fitted curve (drop-down). A hazard ratio or acceleration "
            "factor is a parameter id from the table below (or a number); blank = none")
    header_row(ws, r, ["Name", "Arm field", "Value", "Allowed values"], height=30)
    r += 1
    for arm in inputs.structure.arms:
        for endpoint in ("pfs", "os"):
            for field_, label, unit in ((f"{endpoint}_curve", f"{endpoint.upper()} curve", "curve id (drop-down)"),
                                        (f"{endpoint}_hazard_ratio", f"{endpoint.upper()} hazard ratio",
                                         "parameter id or number; blank = none (PH families)"),
                                        (f"{endpoint}_acceleration_factor", f"{endpoint.upper()} acceleration factor",
                                         "parameter id or number; blank = none (AFT families)")):
                value = getattr(arm, field_) or None
                named_input(f"arm.{arm.id}.{field_}", f"{arm.label}: {label}", value, unit, GENERAL)
                if field_.endswith("_curve"):
                    ws.validations.append((r - 1, 3, r - 1, 3, {"validate": "list", "source": f"=curves_{endpoint}",
                                                                 "ignore_blank": False}))
        named_input(f"arm.{arm.id}.pd_death_rate", f"{arm.label}: post-progression death rate (pd_mortality = "
                    "constant)", arm.pd_death_rate or None, "parameter id or number (per month); blank = none", GENERAL)
    r += 1
    section("Description", "Not used in calculations")
    for label, value in (("Title", s.title), ("Perspective", s.perspective), ("Country", s.country),
                         ("Currency, price year", f"{s.currency} {s.price_year}"),
                         ("Intervention", f"{s.intervention}: {inputs.structure.arm(s.intervention).label}"),
                         ("Comparator", f"{s.comparator}: {inputs.structure.arm(s.comparator).label}")):
        put_text(ws, r, 2, label)
        put_text(ws, r, 3, value)
        r += 1
    r += 1

    # derived values -------------------------------------------------------------------------------
    section("Derived values", "Formulas of the settings above")
    header_row(ws, r, ["Name", "Quantity", "Value", "Unit", "", "", "", "", "Note"])
    r += 1
    n = book.names
    named_formula("cycle_years", "Cycle length in years", f"{n['cycle_length_days']}/{n['days_per_year']}", "years",
                  "0.000000")
    named_formula("cycle_months", "Cycle length in months", f"{n['cycle_years']}*12", "months", "0.000000")
    rows_name = n.make("cycles_exported")
    put_text(ws, r, 1, rows_name)
    put_text(ws, r, 2, "Cycles available in this workbook (rows of each trace; fixed at export)")
    put_value(ws, r, 3, book.n_rows, INTEGER)
    put_text(ws, r, 4, "cycles")
    book.define(rows_name, ws.title, abs_ref(3, r))
    r += 1
    needed = f"ROUND({n['horizon_years']}/{n['cycle_years']},0)"
    named_formula("n_cycles", "Cycles modelled: round(horizon / cycle length); #N/A (refused, never truncated) "
                  "when the workbook has fewer rows", f"IF({needed}>{rows_name},NA(),MAX(1,{needed}))", "cycles",
                  INTEGER)
    named_formula("horizon_modelled", "Time horizon modelled", f"{n['n_cycles']}*{n['cycle_years']}", "years", "0.00")
    put_text(ws, r, 2, "Horizon check")
    horizon_check = n.make("horizon_check")
    put_text(ws, r, 1, horizon_check)
    put_formula(ws, r, 3, f'IF({needed}>{rows_name},"Refused: the horizon needs "&{needed}&" cycles; this workbook '
                          f'holds "&{rows_name}&" (shorter horizon, longer cycles, or re-export with cea excel '
                          f'--max-horizon)","OK")')
    book.define(horizon_check, ws.title, abs_ref(3, r))
    r += 1
    named_formula("simpson_even", "Simpson's rule: last point of the 1/3 rule (3/8 rule after it when cycles are odd)",
                  f"IF(MOD({n['n_cycles']},2)=0,{n['n_cycles']},{n['n_cycles']}-3)", "cycle", INTEGER)

    # parameters ------------------------------------------------------------------------------------
    r += 1
    section("Parameters", "parameters.csv: value (editable), DSA range, PSA distribution and source")
    cols = ["Name", "Description", "Value", "Unit", "DSA low", "DSA high", "Distribution (PSA)", "Group", "Source",
            "Notes"]
    header_row(ws, r, cols, height=30)
    put_text(ws, r, IN_USE_COL, "Value in use", font=HEADER_FONT, fill=HEADER_FILL, align=HEADER_ALIGN)
    r += 1
    first_parameter = r
    dsa_rows = {pid: first_parameter + i for i, pid in enumerate(inputs.parameters) if has_dsa_range(book, pid)}
    book.facts["dsa_rows"] = dsa_rows  # the live DSA (cea.workbook.dsa) varies these, in this order
    for p in inputs.parameters.values():
        name = n.make(p.id)
        inputs_rows.append((p.id, name, r))
        put_text(ws, r, 1, name)
        put_text(ws, r, 2, p.description)
        fmt = book.money2 if p.unit == s.currency or p.unit.startswith(s.currency + " ") else GENERAL
        put_input(ws, r, 3, float(p.value), fmt)
        put_text(ws, r, 4, p.unit)
        try:
            low, high = dsa_range(inputs, p.id)
        except ValueError:  # e.g. a value moved outside its CI by --set: no percentile range to show
            low, high = p.low, p.high
        if p.id in dsa_rows:  # editable: the DSA switch reads them
            put_input(ws, r, 5, low, fmt if fmt != GENERAL else "0.0000")
            put_input(ws, r, 6, high, fmt if fmt != GENERAL else "0.0000")
        else:
            put_value(ws, r, 5, low, fmt if fmt != GENERAL else "0.0000")
            put_value(ws, r, 6, high, fmt if fmt != GENERAL else "0.0000")
        put_text(ws, r, 7, p.distribution_text())
        put_text(ws, r, 8, p.group)
        put_text(ws, r, 9, p.source)
        put_text(ws, r, 10, p.notes)
        book.define(name, ws.title, abs_ref(3, r))
        write_in_use(book, ws, p.id, r, dsa_rows)
        r += 1
    book.name("param_ids", ws.title, f"{abs_ref(1, first_parameter)}:{abs_ref(1, r - 1)}")
    book.name("param_values", ws.title, f"{abs_ref(IN_USE_COL, first_parameter)}:{abs_ref(IN_USE_COL, r - 1)}")
    for c in inputs.curves.values():
        psa = "Multivariate normal (survival_covariance.csv)" if c.covariance is not None else "Fixed"
        for coefficient, estimate in zip(c.coefficients, c.estimates):
            pid = f"{c.id}.{coefficient}"
            name = n.make(pid)
            inputs_rows.append((pid, name, r))
            put_text(ws, r, 1, name)
            put_text(ws, r, 2, f"{c.family} {coefficient} of curve {c.id} ({c.endpoint.upper()}), time in months")
            put_input(ws, r, 3, float(estimate))
            put_text(ws, r, 4, "coefficient")
            put_text(ws, r, 7, psa)
            put_text(ws, r, 8, f"{c.endpoint}_curve")
            put_text(ws, r, 9, c.source)
            book.define(name, ws.title, abs_ref(3, r))
            write_in_use(book, ws, pid, r, {})
            r += 1

    r = _curve_table(book, ws, r + 1)

    # derived utilities -----------------------------------------------------------------------------
    st = inputs.structure
    c0, c1, c2 = (n[t] for t in st.gp_utility_terms)
    r += 1
    section("Derived utilities", "u(t) = level x U_gp(age_t) with level = min(u, U_gp(age_0)) / U_gp(age_0) (TSD12)")
    header_row(ws, r, ["Name", "Quantity", "Value", "Unit"])
    r += 1
    age = n["start_age"]
    named_formula("gp_utility_start", "General-population utility at the start age",
                  f"{c0}+{c1}*{age}+{c2}*({age}*{age})", "utility", "0.000000")
    for uid, label in ((st.utility_pf, "progression-free"), (st.utility_pd, "progressed disease")):
        book.names.make(f"level:{uid}", f"{uid}_level")
        named_formula(f"level:{uid}", f"Utility level, {label} (multiplies the age profile)",
                      f"IF({n['utility_age_adjustment']},MIN({n[uid]},{n['gp_utility_start']})/{n['gp_utility_start']},"
                      f"{n[uid]})", "", "0.000000")

    # cost items ------------------------------------------------------------------------------------
    r += 1
    section("Cost items", "cost_items.csv: unit cost = product of 'multiply' / product of 'divide'")
    header_row(ws, r, ["Name", "Description", "Unit cost", "Basis", "Arm", "Category", "Multiply", "Divide"], height=30)
    r += 1
    for k, item in enumerate(st.cost_items):
        name = n.make(f"unit:{k}", f"unit_{item.id}")
        put_text(ws, r, 1, name)
        put_text(ws, r, 2, item.description or item.id)
        formula = "*".join(n[p] for p in item.multiply) + "".join(f"/{n[p]}" for p in item.divide)
        put_formula(ws, r, 3, formula, book.money2)
        put_text(ws, r, 4, item.basis)
        put_text(ws, r, 5, item.arm)
        put_text(ws, r, 6, category_label(item.category))
        put_text(ws, r, 7, " ".join(item.multiply))
        put_text(ws, r, 8, " ".join(item.divide))
        book.define(name, ws.title, abs_ref(3, r))
        book.unit_cost[k] = name
        r += 1

    # adverse events --------------------------------------------------------------------------------
    r += 1
    section("Adverse events", "Per patient over the time on treatment (undiscounted): cost = rate x cost; QALY loss = "
            "rate x disutility x days / days per year; each Trace sheet spreads them over the timing drug's time on "
            "treatment (ae_share) and discounts them")
    header_row(ws, r, ["Event", "Label", "Expected cost per patient", "Arm", "Rate", "Cost per event", "Disutility",
                       "Duration (days)", "QALY loss per patient"], height=30)
    r += 1
    for event in st.adverse_events:
        put_text(ws, r, 1, event.id)
        put_text(ws, r, 2, event.label or event.id)
        put_formula(ws, r, 3, f"{abs_ref(5, r)}*{abs_ref(6, r)}", book.money2)
        put_text(ws, r, 4, event.arm)
        put_formula(ws, r, 5, n[event.rate], "0.000000")
        put_formula(ws, r, 6, n[event.cost], book.money2)
        put_formula(ws, r, 7, n[event.disutility], "0.0000")
        put_formula(ws, r, 8, n[event.duration_days], GENERAL)
        put_formula(ws, r, 9, f"{abs_ref(5, r)}*{abs_ref(7, r)}*{abs_ref(8, r)}*({n['cycle_years']}/"
                              f"{n['cycle_length_days']})", "0.000000")
        refs = (f"'{ws.title}'!{abs_ref(3, r)}", f"'{ws.title}'!{abs_ref(9, r)}")
        book.ae_cells.setdefault(event.arm, []).append(refs)
        r += 1
    ws.freeze = (4, 1)
    _build_life_table(book)


FAMILIES = ("exponential", "weibull", "gompertz", "loglogistic", "lognormal", "gengamma")  # CHOOSE order


def _curve_table(book: Book, ws, r: int) -> int:
    """Every fitted curve: id, endpoint, family (and its number in FAMILIES), coefficients (formulas of
    the named coefficient inputs).  The arms' curve drop-downs and the survival sheets read it by
    MATCH on the id.  Returns the next free row."""
    put_text(ws, r, 1, "Survival curves", font=SECTION_FONT)
    put_text(ws, r, 2, "survival_models.csv: every fitted curve; coefficients are the inputs above (log scale, "
             "time in months)", font=SUBTITLE_FONT)
    r += 1
    header_row(ws, r, ["Curve", "Endpoint", "Family", "Family number", "Coefficient 1", "Coefficient 2",
                       "Coefficient 3"], height=30)
    r += 1
    first = r
    curves = sorted(book.inputs.curves.values(), key=lambda c: (c.endpoint != "pfs", c.endpoint))
    blocks: dict[str, list[int]] = {}
    for c in curves:
        put_text(ws, r, 1, c.id)
        put_text(ws, r, 2, c.endpoint)
        put_text(ws, r, 3, c.family)
        put_value(ws, r, 4, FAMILIES.index(c.family) + 1, INTEGER)
        for j, coefficient in enumerate(c.coefficients):
            put_formula(ws, r, 5 + j, book.n(f"{c.id}.{coefficient}"), "0.000000")
        blocks.setdefault(c.endpoint, []).append(r)
        r += 1
    last = r - 1
    for key, col in (("curve_ids", 1), ("curve_family", 3), ("curve_family_no", 4), ("curve_c1", 5),
                     ("curve_c2", 6), ("curve_c3", 7)):
        book.name(key, ws.title, f"{abs_ref(col, first)}:{abs_ref(col, last)}")
    for endpoint in ("pfs", "os"):
        rows = blocks.get(endpoint) or [first]
        book.name(f"curves_{endpoint}", ws.title, f"{abs_ref(1, rows[0])}:{abs_ref(1, rows[-1])}")
    return r


def _build_life_table(book: Book) -> None:
    st = book.inputs.structure
    ws = book.add_sheet(LIFE)
    title(ws, "General-population mortality", "Annual probability of death q_x by single year of age (inputs). "
          "The model's death hazard never falls below -ln(1 - q_x) at the mid-cycle age (ages beyond the table use "
          "its last row).")
    widths(ws, [10, 14, 90])
    header_row(ws, 4, ["Age", "q_x", "Source"])
    source = _life_source(book.inputs)
    for i, (age, qx) in enumerate(zip(st.life_table_ages, st.life_table_qx)):
        row = 5 + i
        put_value(ws, row, 1, int(age), INTEGER, font=TOTAL_FONT)
        put_input(ws, row, 2, float(qx), "0.000000")
        if i == 0 and source:
            put_text(ws, row, 3, source, align=WRAP)
    last = 4 + len(st.life_table_ages)
    for model_id, col in (("life_age", 1), ("life_qx", 2)):
        name = book.names.make(model_id)
        book.define(name, ws.title, f"{abs_ref(col, 5)}:{abs_ref(col, last)}")
    ws.freeze = (5, 1)


def _life_source(inputs: ModelInputs) -> str:
    import csv

    path = inputs.folder / "life_table.csv"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            sources = {row.get("source", "") for row in csv.DictReader(handle)}
    except OSError:
        return ""
    return "; ".join(sorted(s for s in sources if s))


def write(book: Book) -> None:
    build_inputs(book)


register_sheet("inputs", write)
