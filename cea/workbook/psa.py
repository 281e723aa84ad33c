"""The PSA inside the workbook: the engine's draws ('PSA draws') and the model re-evaluated once per
iteration by a one-variable data table ('PSA'), with the CE plane, CEAC, CEAF, EVPI, probabilistic
ICER and P(cost-effective) as formulas over the table.

How an iteration is evaluated (no macros): every input that varies in the PSA reads, in its 'value in
use' cell (Inputs column M), ``IF(psa_iteration>0, INDEX(<its draws column>, psa_iteration), …)``.
``psa_iteration`` is 0 on the sheet, so the deterministic model is what every sheet shows; the data
table (Excel's What-If Analysis > Data Table, imported by LibreOffice as MULTIPLE.OPERATIONS) sets it
to 0, 1, …, N row by row and records incremental costs and QALYs.  Row 0 is the deterministic model
again: when it differs from Results the table is stale (Excel in 'automatic except tables' mode: F9).

Cached values: the table cells hold the engine's PSA results for the same draws (``cea psa``: same
seed and iterations), so a reader that does not recalculate shows the same numbers; the tests
recalculate in LibreOffice and compare with the engine to 1e-9.

Decision statistics without array formulas (for 2 strategies, intervention vs comparator):
INB_i(λ) = λ·ΔQ_i − ΔC_i > 0  ⇔  λ > r_i when ΔQ_i > 0, λ < r_i when ΔQ_i < 0 (r_i = ΔC_i/ΔQ_i), ΔC_i < 0
when ΔQ_i = 0; so P(CE at λ) is three COUNTIFs over r_i and the expected positive part of the INB
(for EVPI = E[max(INB, 0)] − max(E[INB], 0), Briggs et al. 2006 ch. 7) three SUMIFs.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from cea.analyses.psa import wtp_grid
from cea.parameters.distributions import covariance_factor
from cea.parameters.parameter_set import point_estimates
from cea.workbook.registry import register_sheet
from cea.workbook.core import Book, abs_ref, sheet_ref
from cea.workbook.core import column_letter as letter
from cea.workbook.data_table import LIVE_TABLES, write_formula_row
from cea.workbook.style import (GENERAL, INTEGER, PALETTE, SECTION_FONT, SUBTITLE_FONT, TOTAL_FONT,
                                area, header_row, line_chart, merge, put_formula, put_input, put_text, put_value,
                                title, widths)

LIVE = LIVE_TABLES["psa"]  # the file beside model.xlsx where this sheet's data table is live

PSA = "PSA"
DRAWS = "PSA draws"
DRAWS_HEADER = 8  # row of the parameter names on 'PSA draws'; iteration 1 is the row below
FRESH = "PSA fresh draws"
CHOLESKY_ROW = 10  # 'PSA fresh draws': rows of the Cholesky factor, one per member of a curve's coefficients
STEP_ROW, START_ROW = 14, 15  # 'PSA fresh draws': each column's uniform sequence constants a and b
FRESH_HEADER = 16
FRESH_SEED = 1  # the seed of the fresh draws as shipped (an input on 'PSA fresh draws')
TABLE_HEADER = 40  # header row of the data table on 'PSA'; the formula row is below it, then iteration 0
RUN_ROW, ITERATION_ROW, DRAWS_ROW, CHECK_ROW = 4, 5, 6, 7


def draws_of(book: Book) -> pd.DataFrame | None:
    """The engine's PSA draws given to the workbook (one column per stochastic parameter id), if any."""
    draws = book.analyses.get("psa_draws")
    psa = book.analyses.get("psa")
    if draws is None or psa is None or len(draws) == 0:
        return None
    return draws.iloc[:len(psa)].reset_index(drop=True)


def plan_draws(book: Book) -> None:
    """Record, before any sheet is written, where each stochastic parameter's draws will be (engine and
    fresh), so that the Inputs writer can make its 'value in use' read them (book.facts['psa_plan'])."""
    draws = draws_of(book)
    if draws is None:
        return
    first, last = DRAWS_HEADER + 1, DRAWS_HEADER + len(draws)
    fresh_first, fresh_last = FRESH_HEADER + 1, FRESH_HEADER + len(draws)
    columns = {pid: j for j, pid in enumerate(draws.columns, 2)}

    def column(sheet: str, pid: str, top: int, bottom: int) -> str:
        c = letter(columns[pid])
        return f"{sheet_ref(sheet)}${c}${top}:${c}${bottom}"

    book.facts["psa_plan"] = {
        "columns": columns,
        "engine": {pid: column(DRAWS, pid, first, last) for pid in columns},
        "fresh": {pid: column(FRESH, pid, fresh_first, fresh_last) for pid in columns},
        "kinds": fresh_kinds(book.inputs, list(columns)),
        "rows": {},  # pid -> its row on Inputs (filled by the Inputs writer)
    }
    book.facts["psa_iteration"] = f"{sheet_ref(PSA)}{abs_ref(3, ITERATION_ROW)}"
    book.facts["psa_draws"] = f"{sheet_ref(PSA)}{abs_ref(3, DRAWS_ROW)}"


def fresh_kinds(inputs: Any, ids: list[str]) -> dict[str, tuple]:
    """How each stochastic parameter is drawn afresh in the workbook, as cea.parameters.sampling draws it:
    ('scalar', distribution, spread name, spread) | ('dirichlet', group members) |
    ('mvn', curve members, index in them, Cholesky row, log scale?)."""
    from cea.inputs.model_inputs import joint_covariance, log_sd
    from cea.parameters.parameter_set import dirichlet_totals

    totals = dirichlet_totals(inputs)
    kinds: dict[str, tuple] = {}
    used = {getattr(arm, f"{e}_curve") for arm in inputs.structure.arms for e in ("pfs", "os")}
    for curve in inputs.curves.values():
        if curve.id not in used or curve.covariance is None:
            continue
        members = [f"{curve.id}.{c}" for c in curve.coefficients]
        covariance = np.asarray(curve.covariance, dtype=float)
        partners = [pid for pid, _ in curve.links if inputs.parameters[pid].is_stochastic][:1]
        if partners:
            covariance = joint_covariance(curve, partners[0], inputs.parameters[partners[0]])
            members.append(partners[0])
        factor = covariance_factor(covariance)
        for k, pid in enumerate(members):
            if pid in ids:
                kinds[pid] = ("mvn", tuple(members), k, tuple(float(x) for x in factor[k]), pid in partners)
    for pid in ids:
        if pid in kinds or pid not in inputs.parameters:
            continue
        row = inputs.parameters[pid]
        if row.distribution == "dirichlet":
            members = tuple(q.id for q in inputs.parameters.values()
                            if q.distribution == "dirichlet" and q.dirichlet_group == row.dirichlet_group)
            kinds[pid] = ("dirichlet", members, totals[row.dirichlet_group])
        elif row.distribution == "beta" and row.events is not None and row.n is not None:
            kinds[pid] = ("scalar", "beta_counts", "n", float(row.n))
        elif row.distribution == "lognormal":
            kinds[pid] = ("scalar", "lognormal", "sigma (log scale)", log_sd(row))
        else:
            kinds[pid] = ("scalar", row.distribution, "SE", float(row.se))
    return kinds


def psa_varies(book: Book, model_id: str) -> bool:
    return model_id in book.facts.get("psa_plan", {}).get("columns", {})


def psa_wrap(book: Book, model_id: str, row: int) -> str:
    """Inputs column M of a stochastic parameter: during PSA iteration i its engine draw (or fresh draw),
    otherwise the value in use without the PSA (column N of the same row)."""
    plan = book.facts["psa_plan"]
    plan["rows"][model_id] = row
    it, deterministic = book.facts["psa_iteration"], f"$N${row}"
    engine = f"INDEX({plan['engine'][model_id]},{it})"
    return f'IF({it}>0,IF({book.facts["psa_draws"]}="fresh",{_fresh(book, model_id, row)},{engine}),{deterministic})'


def _fresh(book: Book, pid: str, row: int) -> str:
    """A fresh draw in the value-in-use formula: scalar draws read their column on 'PSA fresh draws';
    Dirichlet shares normalise the group's gamma draws; survival coefficients are μ + L·z."""
    plan = book.facts["psa_plan"]
    it = book.facts["psa_iteration"]
    kind = plan["kinds"][pid]

    def draw(q: str) -> str:
        return f"INDEX({plan['fresh'][q]},{it})"

    if kind[0] == "scalar":
        return draw(pid)
    if kind[0] == "dirichlet":
        return f"{draw(pid)}/({'+'.join(draw(q) for q in kind[1])})"
    members, k, _, log_scale = kind[1], kind[2], kind[3], kind[4]
    mean = f"LN($N${row})" if log_scale else f"$N${row}"
    c = letter(plan["columns"][pid])
    terms = "+".join(f"{sheet_ref(FRESH)}${c}${CHOLESKY_ROW + m}*{draw(q)}" for m, q in enumerate(members))
    value = f"{mean}+{terms}"
    return f"EXP({value})" if log_scale else value


# --------------------------------------------------------------------------- PSA draws sheet
def build_draws(book: Book, draws: pd.DataFrame) -> str:
    """'PSA draws': the engine's draws, the value of each at export and now, and a check that names the
    first stochastic input edited since export (its draws were made around the exported value)."""
    rows = book.facts["psa_plan"]["rows"]
    missing = sorted(set(draws.columns) - set(rows))
    if missing:
        raise ValueError(f"PSA parameters without a value-in-use cell on Inputs: {missing}")
    ws = book.add_sheet(DRAWS)
    s = book.inputs.settings
    seed = book.analyses.get("psa_seed", s.seed)
    title(ws, "PSA draws (from `cea psa`)",
          f"Iteration i of the PSA uses row i: every uncertain parameter drawn from its distribution by the Python "
          f"engine (seed {seed}, {len(draws):,} iterations; survival coefficients jointly from the multivariate "
          f"normal of their fit, Dirichlet shares from gamma draws). Values, not formulas: the draws are the "
          f"engine's, so the workbook's PSA equals `cea psa` for the same seed.")
    put_text(ws, 3, 1, "If a parameter with draws is edited on Inputs, its draws still centre on the exported value: "
                       "the check below names it (re-export the workbook with `cea all` to draw around the new value).",
             font=SUBTITLE_FONT)
    put_text(ws, 5, 1, "Value at export", font=TOTAL_FONT)
    put_text(ws, 6, 1, "Value in use now", font=TOTAL_FONT)
    put_text(ws, 7, 1, "Edited since export (1 = yes)", font=TOTAL_FONT)
    put_text(ws, DRAWS_HEADER, 1, "Iteration", font=TOTAL_FONT)
    exported = point_estimates(book.inputs).values
    for j, pid in enumerate(draws.columns, start=2):
        raw = book.raw(pid)
        put_text(ws, 4, j, pid, font=TOTAL_FONT)
        put_text(ws, DRAWS_HEADER, j, raw, font=TOTAL_FONT)
        put_value(ws, 5, j, float(exported[pid][0]), GENERAL)
        put_formula(ws, 6, j, f"'Inputs'!$N${rows[pid]}", GENERAL)
        put_formula(ws, 7, j, f"IF(ABS({letter(j)}6-{letter(j)}5)>1E-12*MAX(1,ABS({letter(j)}5)),1,0)", INTEGER)
        widths(ws, {j: 14})
    values = draws.to_numpy(dtype=float)
    for i in range(len(draws)):
        r = DRAWS_HEADER + 1 + i
        put_value(ws, r, 1, i + 1, INTEGER)
        for j in range(values.shape[1]):
            ws.value(r, j + 2, float(values[i, j]))
    widths(ws, {1: 30})
    ws.freeze = (DRAWS_HEADER + 1, 2)
    ws.repeat_rows = (DRAWS_HEADER, DRAWS_HEADER)
    last = letter(1 + values.shape[1])
    edited = (f'IF(SUM({sheet_ref(DRAWS)}$B$7:${last}$7)=0,"",'
              f'"Draws centre on exported values; edited since: "&INDEX({sheet_ref(DRAWS)}$B$8:${last}$8,'
              f'MATCH(1,{sheet_ref(DRAWS)}$B$7:${last}$7,0))&" (re-export to draw around the new value)")')
    return f"{_curve_check(book)}{edited}" + ")" * len(_exported_curves(book))


def _exported_curves(book: Book) -> list[tuple[str, str, str]]:
    return [(arm.id, e, getattr(arm, f"{e}_curve")) for arm in book.inputs.structure.arms for e in ("pfs", "os")]


def _curve_check(book: Book) -> str:
    """Opening IFs naming a curve choice that differs from the export (its coefficients have no draws)."""
    text = ""
    for arm, endpoint, curve in _exported_curves(book):
        chosen = book.n(f"arm.{arm}.{endpoint}_curve")
        text += (f'IF({chosen}<>"{curve}","{arm} {endpoint.upper()} curve is not the exported {curve}: its '
                 f'coefficients have no draws (re-export with this curve)",')
    return text


# --------------------------------------------------------------------------- fresh draws sheet
def build_fresh(book: Book, draws: pd.DataFrame) -> None:
    """'PSA fresh draws': each parameter's distribution with numeric parameters (centred on its value in use,
    Inputs column N; the spread and the Cholesky factor are editable inputs) and N fresh draws from a seed.
    Scalars: the value; Dirichlet members: a gamma(α_i, 1) draw (the share normalises the group, in the
    value-in-use formula); survival coefficients: z ~ N(0, 1) (the value is μ + L·z there)."""
    plan = book.facts["psa_plan"]
    ws = book.add_sheet(FRESH)
    title(ws, "PSA fresh draws (used when psa_draws = fresh)",
          "Every uncertain parameter drawn in the workbook from its distribution, centred on its value in use "
          "(Inputs column N): scalars by the inverse CDF of a uniform from the seed; Dirichlet shares from gamma draws; survival "
          "coefficients jointly, x = mu + L z with the Cholesky factor L of the fit's covariance.")
    put_text(ws, 3, 1, "Seed of the fresh draws (input: another seed, other draws)", font=TOTAL_FONT)
    put_input(ws, 3, 2, FRESH_SEED)
    book.name("psa_fresh_seed", ws.title, abs_ref(2, 3))
    put_text(ws, 3, 3, "Uniforms u = MOD(seed*b + iteration*a, 1) per column (an additive quasi-random sequence, "
                       "a = fractional part of the square root of a prime): no RAND(), so the draws are the same in "
                       "every program and the file need not be recomputed when opened.", font=SUBTITLE_FONT)
    labels = {4: "Parameter", 5: "Distribution", 6: "Spread (input)", 7: "Spread is", 8: "Parameter 1",
              9: "Parameter 2"}
    for r, text in labels.items():
        put_text(ws, r, 1, text, font=TOTAL_FONT)
    for m in range(4):
        put_text(ws, CHOLESKY_ROW + m, 1, f"Cholesky factor L[row, member {m + 1}] (input)", font=TOTAL_FONT)
    put_text(ws, STEP_ROW, 1, "Uniforms: step a (fractional part of the square root of a prime)", font=TOTAL_FONT)
    put_text(ws, START_ROW, 1, "Uniforms: seed multiplier b", font=TOTAL_FONT)
    put_text(ws, FRESH_HEADER, 1, "Iteration", font=TOTAL_FONT)
    fresh = book.facts["psa_draws"]
    for pid, j in plan["columns"].items():
        kind = plan["kinds"][pid]
        mean = f"'Inputs'!$N${plan['rows'][pid]}"
        c = letter(j)
        put_text(ws, 4, j, pid, font=TOTAL_FONT)
        put_text(ws, FRESH_HEADER, j, book.raw(pid), font=TOTAL_FONT)
        widths(ws, {j: 14})
        if kind[0] == "scalar":
            distribution, spread_name, spread = kind[1], kind[2], kind[3]
            put_text(ws, 5, j, distribution)
            put_input(ws, 6, j, spread)
            put_text(ws, 7, j, spread_name)
            p1, p2, draw = _scalar_parameters(distribution, mean, f"{c}$6", f"{c}$8", f"{c}$9")
            put_formula(ws, 8, j, p1, GENERAL)
            put_formula(ws, 9, j, p2, GENERAL)
        elif kind[0] == "dirichlet":
            put_text(ws, 5, j, "dirichlet (gamma draw)")
            put_input(ws, 6, j, kind[2])
            put_text(ws, 7, j, "sum of alphas")
            put_formula(ws, 8, j, f"{mean}*{c}$6", GENERAL)  # α_i = share·Σα
            put_value(ws, 9, j, 1.0, GENERAL)
            draw = f"_xlfn.GAMMA.INV({{u}},{c}$8,1)"
        else:
            members, k, factor = kind[1], kind[2], kind[3]
            put_text(ws, 5, j, "multivariate normal (z)" + (", log scale" if kind[4] else ""))
            put_text(ws, 7, j, f"member {k + 1} of {len(members)}")
            for m, value in enumerate(factor):
                put_input(ws, CHOLESKY_ROW + m, j, value)
            draw = "_xlfn.NORM.S.INV({u})"
        alpha, beta = fresh_uniform_constants(j)
        put_value(ws, STEP_ROW, j, alpha, GENERAL)
        put_value(ws, START_ROW, j, beta, GENERAL)
        for i in range(len(draws)):
            r = FRESH_HEADER + 1 + i
            if j == 2:
                put_value(ws, r, 1, i + 1, INTEGER)
            ws.formula(r, j, f'IF({fresh}="fresh",{draw.replace("{u}", _uniform_formula(c, f"$A{r}"))},"")')
    widths(ws, {1: 40})
    ws.freeze = (FRESH_HEADER + 1, 2)
    ws.repeat_rows = (FRESH_HEADER, FRESH_HEADER)


@functools.lru_cache(maxsize=None)
def _primes(count: int) -> tuple[int, ...]:
    """The first ``count`` primes (sieve of Eratosthenes, growing the bound until there are enough)."""
    limit = 64
    while True:
        sieve = bytearray([1]) * (limit + 1)
        sieve[0:2] = b"\x00\x00"
        for k in range(2, int(limit ** 0.5) + 1):
            if sieve[k]:
                sieve[k * k::k] = bytearray(len(range(k * k, limit + 1, k)))
        found = [k for k in range(limit + 1) if sieve[k]]
        if len(found) >= count:
            return tuple(found[:count])
        limit *= 2


def fresh_uniform_constants(j: int) -> tuple[float, float]:
    """(alpha, beta) of column j's uniform stream: u_i = MOD(seed*beta + i*alpha, 1), the additive (Kronecker,
    Richtmyer) sequence with alpha the fractional part of the square root of the j-th prime; beta, from a
    later prime, moves each column's start with the seed.  No RAND(): the draws are a function of the seed,
    iteration and column, so they are the same in every program and reproducible, and (not volatile) a
    spreadsheet program need not recompute the model on opening the file or after every edit.  Both are rounded
    to 15 significant digits: the workbook stores them as numbers in the column's head (rows STEP_ROW,
    START_ROW), and a 15-digit number is read back from the file exactly (XlsxWriter writes 16 digits)."""
    primes = _primes(-(-(_BETA_OFFSET + j + 1) // 1024) * 1024)  # one sieve for every column (count rounded up)
    alpha = float(f"{math.sqrt(primes[j]) % 1.0:.15g}")
    beta = float(f"{math.sqrt(primes[_BETA_OFFSET + j]) % 1.0:.15g}")
    return alpha, beta


def fresh_uniform(seed: float, iteration: int, j: int) -> float:
    """The uniform the formula of column j, row ``iteration`` computes (same operations, same order)."""
    alpha, beta = fresh_uniform_constants(j)
    x = seed * beta + iteration * alpha
    return max(x - math.floor(x), FRESH_U_FLOOR)


FRESH_U_FLOOR = 1e-12  # u = 0 has no inverse CDF
_BETA_OFFSET = 1000  # beta comes from primes far beyond any column's alpha


def _uniform_formula(c: str, iteration: str) -> str:
    """u of column ``c`` at ``iteration``: its constants a and b are read from the column's rows STEP_ROW and
    START_ROW (numbers written exactly), not repeated as literals in each of its cells."""
    return f"MAX(MOD(psa_fresh_seed*{c}${START_ROW}+{iteration}*{c}${STEP_ROW},1),{FRESH_U_FLOOR!r})"


def _scalar_parameters(distribution: str, mean: str, spread: str, p1: str, p2: str) -> tuple[str, str, str]:
    """(parameter 1, parameter 2, draw) formulas of a scalar distribution centred on ``mean``, as
    cea.parameters.distributions: beta by moments or counts, gamma by moments, log-normal with median = mean,
    normal."""
    if distribution == "beta":
        k = f"({mean}*(1-{mean})/{spread}^2-1)"
        return f"{mean}*{k}", f"(1-{mean})*{k}", f"_xlfn.BETA.INV({{u}},{p1},{p2})"
    if distribution == "beta_counts":
        return f"{mean}*{spread}", f"{spread}-{mean}*{spread}", f"_xlfn.BETA.INV({{u}},{p1},{p2})"
    if distribution == "gamma":
        return f"{mean}^2/{spread}^2", f"{spread}^2/{mean}", f"_xlfn.GAMMA.INV({{u}},{p1},{p2})"
    if distribution == "lognormal":
        return f"LN({mean})", spread, f"EXP(_xlfn.NORM.INV({{u}},{p1},{p2}))"
    if distribution == "normal":
        return mean, spread, f"_xlfn.NORM.INV({{u}},{p1},{p2})"
    raise ValueError(f"no workbook draw for distribution {distribution!r}")


# --------------------------------------------------------------------------- PSA sheet
def build_psa_sheet(book: Book, draws: pd.DataFrame, psa: pd.DataFrame, draws_check: str) -> None:
    s = book.inputs.settings
    arm = book.inputs.structure.arm
    intervention, comparator = arm(s.intervention).label, arm(s.comparator).label
    n = len(draws)
    ws = book.add_sheet(PSA)
    title(ws, "Probabilistic sensitivity analysis (re-run in the workbook on demand)",
          f"In {LIVE} with C{RUN_ROW} = yes a data table re-evaluates the whole model for iterations 0 "
          f"to {n:,} (0 = deterministic), reading the draws on '{DRAWS}'; otherwise the statistics show the "
          f"engine's PSA at export (cea psa, the same draws). {intervention} vs {comparator}.")
    widths(ws, {1: 44, 2: 18, 3: 18, 4: 16, 5: 16, 6: 16, 7: 16, 8: 12})
    put_text(ws, RUN_ROW, 1, "Re-run the PSA in the workbook (yes / no)", font=TOTAL_FONT)
    put_input(ws, RUN_ROW, 3, "no")
    ws.validations.append((RUN_ROW, 3, RUN_ROW, 3, {"validate": "list", "source": ["yes", "no"]}))
    book.name("psa_run", ws.title, abs_ref(3, RUN_ROW))
    put_formula(ws, RUN_ROW, 4, f'IF(psa_run="yes","Live in {LIVE}: one model run per iteration (Excel: F9 '
                                f're-runs the table after edits; LibreOffice re-runs it after every edit)","Showing '
                                f'the engine\'s PSA at export ({n:,} iterations): set C{RUN_ROW} to yes in '
                                f'{LIVE} to re-run it")')
    put_text(ws, ITERATION_ROW, 1, "Iteration evaluated (set by the data table; keep 0)")
    put_value(ws, ITERATION_ROW, 3, 0, INTEGER)
    book.name("psa_iteration", ws.title, abs_ref(3, ITERATION_ROW))
    put_text(ws, DRAWS_ROW, 1, "Draws: engine (cea psa, seed as exported) or fresh (drawn here)", font=TOTAL_FONT)
    put_input(ws, DRAWS_ROW, 3, "engine")
    ws.validations.append((DRAWS_ROW, 3, DRAWS_ROW, 3, {"validate": "list", "source": ["engine", "fresh"]}))
    book.name("psa_draws", ws.title, abs_ref(3, DRAWS_ROW))
    put_text(ws, DRAWS_ROW, 4, f"fresh: every iteration drawn from the seed and the distributions on '{FRESH}' "
                               "(centred on the values in use; a new seed there, new draws)",
             font=SUBTITLE_FONT)
    put_text(ws, CHECK_ROW, 1, "Check")
    table_first = TABLE_HEADER + 3  # iteration 1
    table_last = table_first + n - 1
    det_row = TABLE_HEADER + 2
    dc_cell = book.result_ref("incremental.costs")
    dq_cell = book.result_ref("incremental.qalys")
    differs = (f'OR(ABS(D{det_row}-{dc_cell})>1E-9*MAX(1,ABS({dc_cell})),'
               f'ABS(E{det_row}-{dq_cell})>1E-9*MAX(1,ABS({dq_cell})))')
    stale = (f'IF(psa_run<>"yes",IF({differs},"Inputs differ from the export: the PSA shown is the exported '
             f'one (set C{RUN_ROW} to yes to re-run it)",""),'
             f'IF({differs},"Stale: the table predates the last edit (re-run it in {LIVE}; Excel: F9)",'
             f'IF(psa_draws="fresh","",{draws_check})))')
    put_formula(ws, CHECK_ROW, 3, f'IFERROR({stale},"Stale: recalculate (Excel: F9)")')
    book.name("psa_check", ws.title, abs_ref(3, CHECK_ROW))
    ws.conditional.append((CHECK_ROW, 3, CHECK_ROW, 3, {"type": "cell", "criteria": "!=", "value": '""',
                                          "format": {"bg_color": "#FFC7CE", "font_color": "#9C0006"}}))
    money = book.money
    # statistics read the shown columns D, E (the table's when re-run, else the engine's) and F:H from them
    B, C = f"$D${table_first}:$D${table_last}", f"$E${table_first}:$E${table_last}"
    D, E, F = (f"${c}${table_first}:${c}${table_last}" for c in "FGH")

    # ---- summary
    r = 8
    put_text(ws, r, 1, "Summary", font=SECTION_FONT)
    header_row(ws, r + 1, ["Statistic", "Value", "", "Deterministic"], height=20)
    rows: list[tuple[str, str, str, str | None, str | None]] = [
        ("Iterations", f"COUNT({B})", INTEGER, "psa_iterations_run", None),
        ("Mean incremental costs", f"AVERAGE({B})", money, "psa_mean_incremental_costs", dc_cell),
        ("Mean incremental QALYs", f"AVERAGE({C})", "0.0000", "psa_mean_incremental_qalys", dq_cell),
        ("Incremental costs, 2.5th percentile", f"PERCENTILE({B},0.025)", money, None, None),
        ("Incremental costs, 97.5th percentile", f"PERCENTILE({B},0.975)", money, None, None),
        ("Incremental QALYs, 2.5th percentile", f"PERCENTILE({C},0.025)", "0.0000", None, None),
        ("Incremental QALYs, 97.5th percentile", f"PERCENTILE({C},0.975)", "0.0000", None, None),
    ]
    r += 2
    cells: dict[str, str] = {}
    for label, formula, fmt, name, det in rows:
        put_text(ws, r, 1, label)
        put_formula(ws, r, 2, formula, fmt, font=TOTAL_FONT)
        if name:
            book.name(name, ws.title, abs_ref(2, r))
            cells[name] = f"$B${r}"
        if det:
            put_formula(ws, r, 4, det, fmt)
        r += 1
    mc, mq = cells["psa_mean_incremental_costs"], cells["psa_mean_incremental_qalys"]
    put_text(ws, r, 1, "Probabilistic ICER (mean ΔC / mean ΔQ)", font=TOTAL_FONT)
    put_formula(ws, r, 2, f'IF(OR(AND({mq}>0,{mc}>0),AND({mq}<0,{mc}<0)),{mc}/{mq},IF(AND({mq}=0,{mc}=0),'
                          f'"identical",IF({mc}>0,"more",IF({mc}<0,"less","equally"))&" costly, "&IF({mq}>0,"more",'
                          f'IF({mq}<0,"less","equally"))&" effective"))', money, font=TOTAL_FONT)
    book.name("psa_icer", ws.title, abs_ref(2, r))
    put_formula(ws, r, 4, book.result_ref("incremental.icer"), money)
    r += 2
    header_row(ws, r, ["Willingness to pay per QALY", "P(cost-effective)", "Mean INB", "EVPI per patient"],
               height=30)
    r += 1
    thresholds = list(s.wtp_thresholds)
    for k, _w in enumerate(thresholds, start=1):
        wtp = book.n(f"wtp_{k}")
        put_formula(ws, r, 1, wtp, money)
        put_formula(ws, r, 2, _p_ce(f"$A${r}", D, E, F, B, n), "0.000", font=TOTAL_FONT)
        book.name(f"psa_p_ce_{k}", ws.title, abs_ref(2, r))
        put_formula(ws, r, 3, f"$A${r}*{mq}-{mc}", money)
        put_formula(ws, r, 4, _evpi(f"$A${r}", D, E, F, B, C, n, f"$C${r}"), money)
        book.name(f"psa_evpi_{k}", ws.title, abs_ref(2, r))
        r += 1
    put_text(ws, r, 1, f"P(cost-effective) is the share of iterations in which {intervention} has the higher net "
                       f"monetary benefit; EVPI = E[max(INB, 0)] − max(E[INB], 0).", font=SUBTITLE_FONT)

    # ---- the data table
    put_text(ws, TABLE_HEADER - 1, 1, f"Data table (live in {LIVE}): one model run per iteration (Data > "
                                      "What-If Analysis > Data Table, column input cell C5; LibreOffice: "
                                      "MULTIPLE.OPERATIONS); here the engine's results",
             font=SECTION_FONT)
    header_row(ws, TABLE_HEADER, ["Iteration (0 = deterministic)", "Table: incremental costs",
                                  "Table: incremental QALYs", "Shown: incremental costs", "Shown: incremental QALYs",
                                  "ICER if ΔQ > 0 (CE above it)", "ICER if ΔQ < 0 (CE below it)",
                                  "ΔQ = 0 and ΔC < 0 (1 = CE)"], height=45)
    write_formula_row(ws, TABLE_HEADER + 1, "psa_run", dc_cell, dq_cell, money)
    inc = book.analyses["base_case"].incremental()
    dcost, dqaly = _incremental(book, psa)
    table_rows = [(0, float(inc["costs"]), float(inc["qalys"]))] + [
        (i + 1, float(dcost[i]), float(dqaly[i])) for i in range(n)]
    for i, c_value, q_value in table_rows:
        row = det_row + i
        put_value(ws, row, 1, i, INTEGER)
        ws.put(row, 2, c_value, merge(fmt=money))  # the data table's cells: the engine's results (data_table)
        ws.put(row, 3, q_value, merge(fmt="0.000000"))
        put_formula(ws, row, 4, f'IF(psa_run="yes",B{row},{c_value!r})', money)
        put_formula(ws, row, 5, f'IF(psa_run="yes",C{row},{q_value!r})', "0.000000")
        if i == 0:
            continue
        put_formula(ws, row, 6, f'IF(E{row}>0,D{row}/E{row},"")', money)
        put_formula(ws, row, 7, f'IF(E{row}<0,D{row}/E{row},"")', money)
        put_formula(ws, row, 8, f'IF(AND(E{row}=0,D{row}<0),1,"")', INTEGER)
    book.data_tables.append((ws.title, f"B{det_row}:C{det_row + n}", abs_ref(3, ITERATION_ROW).replace("$", "")))
    ws.freeze = (TABLE_HEADER + 1, 1)

    # ---- CEAC, CEAF and EVPI over the WTP grid
    grid = wtp_grid(book.inputs)
    g0 = TABLE_HEADER + 1
    gc = 10  # column J
    put_text(ws, g0 - 2, gc, "Acceptability (CEAC, CEAF) and EVPI over willingness to pay", font=SECTION_FONT)
    pair = len(book.inputs.structure.arm_ids) > 2  # the columns compare two of the strategies: say so
    p_int, p_comp = ((f"P({intervention} more cost-effective than {comparator})",
                      f"P({comparator} more cost-effective than {intervention})") if pair else
                     (f"P(CE): {intervention}", f"P(CE): {comparator}"))
    header_row(ws, g0 - 1, ["Willingness to pay", p_int, p_comp,
                            "Of the two: optimal (higher mean NMB)" if pair else "CEAF: optimal (highest mean NMB)",
                            "Of the two: P of the optimal" if pair else "CEAF: P(CE) of the optimal",
                            "EVPI per patient, the two only" if pair else "EVPI per patient"],
               col=gc, height=60 if pair else 45)
    if pair:
        from cea.workbook.strategies import PSA_STRATEGIES

        put_text(ws, g0 - 3, gc, f"{intervention} vs {comparator} only; every strategy's probability of the "
                                 f"highest net monetary benefit (CEAC, CEAF): sheet '{PSA_STRATEGIES}'",
                 font=SUBTITLE_FONT)
    widths(ws, {gc: 14, gc + 1: 14, gc + 2: 14, gc + 3: 22, gc + 4: 14, gc + 5: 14})
    for k, w in enumerate(grid):
        row = g0 + k
        x = f"${letter(gc)}${row}"
        put_value(ws, row, gc, float(w), money)
        put_formula(ws, row, gc + 1, _p_ce(x, D, E, F, B, n), "0.000")
        put_formula(ws, row, gc + 2, f"1-{letter(gc + 1)}{row}", "0.000")
        optimal = f"{x}*{mq}-{mc}>0"
        put_formula(ws, row, gc + 3, f'IF({optimal},"{_quote(intervention)}","{_quote(comparator)}")')
        put_formula(ws, row, gc + 4, f"IF({optimal},{letter(gc + 1)}{row},{letter(gc + 2)}{row})", "0.000")
        put_formula(ws, row, gc + 5, _evpi(x, D, E, F, B, C, n, f"({x}*{mq}-{mc})"), money)
    g_last = g0 + len(grid) - 1
    x_area = area(ws.title, g0, gc, g_last)
    chart_col = gc + 7
    ws.charts.append({"type": "scatter", "title": "Cost-effectiveness plane",
                      "series": [{"name": "PSA iterations", "categories": area(ws.title, table_first, 5, table_last),
                                  "values": area(ws.title, table_first, 4, table_last),
                                  "marker": {"type": "circle", "size": 3, "fill": {"color": PALETTE[0]},
                                             "border": {"color": PALETTE[0]}}}],
                      "x_axis": {"name": f"Incremental QALYs ({intervention} vs {comparator})", "num_format": "0.00"},
                      "y_axis": {"name": f"Incremental costs ({s.currency})", "num_format": money},
                      "legend": {"none": True}, "size": (18, 11), "anchor": (4, chart_col)})
    ceac = line_chart("Cost-effectiveness acceptability curve", x_area,
                      [(area(ws.title, g0, gc + 1, g_last), p_int if pair else intervention),
                       (area(ws.title, g0, gc + 2, g_last), p_comp if pair else comparator)],
                      f"Willingness to pay per QALY ({s.currency})", "Probability cost-effective", y_max=1,
                      x_format=money)
    ws.charts.append({**ceac, "size": (18, 11), "anchor": (28, chart_col)})
    evpi = line_chart("Expected value of perfect information per patient", x_area,
                      [(area(ws.title, g0, gc + 5, g_last), "EVPI")],
                      f"Willingness to pay per QALY ({s.currency})", f"EVPI ({s.currency})", y_format=money,
                      x_format=money)
    ws.charts.append({**evpi, "size": (18, 11), "anchor": (52, chart_col)})
    put_text(ws, 3, 1, "Engine result for the same draws: `cea psa` (outputs/psa/psa_summary.json).",
             font=SUBTITLE_FONT)


def _quote(text: str) -> str:
    return text.replace('"', '""')


def _p_ce(wtp: str, above: str, below: str, zero: str, costs: str, n: int) -> str:
    """P(λ·ΔQ − ΔC > 0) from the per-iteration ICER columns (see the module docstring)."""
    return (f'(COUNTIF({above},"<"&{wtp})+COUNTIF({below},">"&{wtp})+COUNT({zero}))/{n}')


def _evpi(wtp: str, above: str, below: str, zero: str, costs: str, qalys: str, n: int, mean_inb: str) -> str:
    """E[max(INB, 0)] − max(E[INB], 0): the positive part summed over the iterations where INB > 0."""
    positive_q = f'SUMIF({above},"<"&{wtp},{qalys})+SUMIF({below},">"&{wtp},{qalys})'
    positive_c = f'SUMIF({above},"<"&{wtp},{costs})+SUMIF({below},">"&{wtp},{costs})+SUMIF({zero},1,{costs})'
    return f"({wtp}*({positive_q})-({positive_c}))/{n}-MAX({mean_inb},0)"


def _incremental(book: Book, psa: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    s = book.inputs.settings
    costs = psa[f"cost_{s.intervention}"].to_numpy(float) - psa[f"cost_{s.comparator}"].to_numpy(float)
    qalys = psa[f"qaly_{s.intervention}"].to_numpy(float) - psa[f"qaly_{s.comparator}"].to_numpy(float)
    return costs, qalys


def write_psa(book: Book) -> None:
    """The live PSA when the engine's draws are given (`cea all`), else the pasted results (older callers)."""
    draws = draws_of(book)
    if draws is None:
        from cea.workbook.analyses import build_psa

        build_psa(book, book.analyses.get("psa"), book.analyses.get("ceac"))
        return
    check = build_draws(book, draws)
    build_fresh(book, draws)
    build_psa_sheet(book, draws, book.analyses["psa"], check)


register_sheet("psa", write_psa)
