"""Budget-impact inputs (``budget_impact.csv``): the population and market of `cea bia`.

Columns: ``quantity, year, value, low, high, source, notes``; one row per quantity (and year):

- ``eligible_patients`` (year 1 required; later years optional): patients newly eligible in that
  year.  A year without a row is the year before times (1 + growth).
- ``incidence_growth`` (year blank, one row): yearly growth of the eligible population (0.02 = 2%).
- ``prevalent_patients`` (year blank, one row): patients already eligible when the technology
  becomes available, treated as part of year 1's cohort (0 when nobody switches mid-line).
- ``uptake_with`` / ``uptake_without`` (years 1..H, both complete): share of the eligible
  patients of each year's cohort who start the intervention arm in the world with / without it;
  the rest start the comparator arm of settings.toml, which is what the intervention displaces.

With more than two arms the market of the other arms is stated by arm, in an optional ``arm`` column:

- ``market_share_without`` (arm = an arm other than the intervention; year blank for every year, or one row
  for each year 1..H): share of the patients who do not start the intervention in the world without it who
  start this arm.  For each year the shares of the arms other than the intervention sum to 1.  Required for
  every arm other than the intervention when arms.csv has more than two arms; with two arms the comparator
  has it all (today's two-arm analysis).
- ``displaced_share`` (arm = an arm other than the intervention, year blank): share of the intervention's
  extra uptake (uptake_with − uptake_without) taken from this arm; sums to 1 over the rows given.  Optional:
  without these rows the intervention takes share from every arm in proportion to its market share in the
  world without it.  An arm may not lose more patients than it has.

``low``/``high`` bound the one-way sensitivity (the uptake rows move together; a ``market_share_without`` with a
range moves that arm's share, the other arms' shares rescaled in proportion so that each year still sums to 1).  Every row needs a
source: a publication or ``Assumption: <reason>``.  The file is optional: an input set without it
has no budget impact analysis.  Problems name file, row, column and quantity (exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from cea.errors import InputError, Problem
from cea.inputs.readers import RawRow, parse_float, read_csv

BUDGET_IMPACT_FILE = "budget_impact.csv"
COLUMNS = ("quantity", "year", "value", "low", "high", "source", "notes")
PER_YEAR = ("eligible_patients", "uptake_with", "uptake_without")
SINGLE = ("incidence_growth", "prevalent_patients")
BY_ARM = ("market_share_without", "displaced_share")  # need the arm column (several arms, N > 2)
QUANTITIES = PER_YEAR + SINGLE + BY_ARM
MAX_YEARS = 20
MAX_PATIENTS = 1e8  # more than the population of England: a typo or a unit error
RANGES = {  # allowed interval of value, low and high
    "eligible_patients": (0.0, MAX_PATIENTS),
    "prevalent_patients": (0.0, MAX_PATIENTS),
    "incidence_growth": (-0.5, 1.0),
    "uptake_with": (0.0, 1.0),
    "uptake_without": (0.0, 1.0),
    "market_share_without": (0.0, 1.0),
    "displaced_share": (0.0, 1.0),
}


@dataclass(frozen=True)
class BudgetImpactRow:
    quantity: str
    year: int | None
    value: float
    low: float | None
    high: float | None
    source: str
    notes: str
    line: int
    arm: str = ""

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")


@dataclass(frozen=True)
class BudgetImpactInputs:
    """The population and market of the budget impact analysis (years 1..n_years)."""

    eligible_given: dict[int, float]  # year -> patients newly eligible (at least year 1)
    incidence_growth: float
    prevalent_patients: float
    uptake_with: tuple[float, ...]  # share starting the intervention, by year, world with it
    uptake_without: tuple[float, ...]
    rows: tuple[BudgetImpactRow, ...] = ()
    # arm -> share of the non-intervention market by year, world without (market_share_without; empty: two arms)
    market_share_without: dict[str, tuple[float, ...]] = field(default_factory=dict)
    displaced_share: dict[str, float] = field(default_factory=dict)  # arm -> share of the extra uptake taken from it

    @property
    def n_years(self) -> int:
        return len(self.uptake_with)

    def eligible(self) -> tuple[float, ...]:
        """Newly eligible patients by year: N_t = given value, else N_{t−1}·(1 + g); prevalent patients join year 1."""
        out: list[float] = []
        for year in range(1, self.n_years + 1):
            out.append(self.eligible_given[year] if year in self.eligible_given else out[-1] * (1 + self.incidence_growth))
        out[0] += self.prevalent_patients
        return tuple(out)

    def row(self, quantity: str, year: int | None = None) -> BudgetImpactRow | None:
        return next((r for r in self.rows if r.quantity == quantity and r.year == year), None)

    def scaled_uptake(self, factor: float) -> "BudgetImpactInputs":
        """Uptake with the intervention times ``factor`` (capped at 1), e.g. for a sensitivity analysis."""
        return replace(self, uptake_with=tuple(min(1.0, u * factor) for u in self.uptake_with))


def has_budget_impact(folder: Path | str) -> bool:
    return (Path(folder) / BUDGET_IMPACT_FILE).is_file()


def _year(row: RawRow, quantity: str, problems: list[Problem]) -> int | None:
    text = row.values["year"]
    if quantity in BY_ARM and not text:
        return None
    if quantity == "displaced_share":
        problems.append(row.problem("'displaced_share' applies to every year; leave year blank", "year", quantity))
        return None
    if quantity in SINGLE:
        if text:
            problems.append(row.problem(f"'{quantity}' applies to every year; leave year blank", "year", quantity))
        return None
    try:
        year = int(text)
    except ValueError:
        problems.append(row.problem(f"year '{text}' is not a whole number from 1 to {MAX_YEARS}", "year", quantity))
        return None
    if not 1 <= year <= MAX_YEARS:
        problems.append(row.problem(f"year {year} is outside 1..{MAX_YEARS}", "year", quantity))
        return None
    return year


def _parse_row(row: RawRow, problems: list[Problem]) -> BudgetImpactRow | None:
    v = row.values
    quantity = v["quantity"]
    if quantity not in QUANTITIES:
        problems.append(row.problem(f"unknown quantity '{quantity}'; expected one of {list(QUANTITIES)}", "quantity",
                                    quantity or None))
        return None
    before = len(problems)
    year = _year(row, quantity, problems)
    num = {c: parse_float(row, c, problems, quantity, required=(c == "value")) for c in ("value", "low", "high")}
    if not v["source"]:
        problems.append(row.problem("blank source; cite a publication or write 'Assumption: <reason>'", "source", quantity))
    lo, hi = RANGES[quantity]
    for column, x in num.items():
        if x is not None and not lo <= x <= hi:
            problems.append(row.problem(f"{column} {x:g} is outside the allowed range [{lo:g}, {hi:g}]", column, quantity))
    value, low, high = num["value"], num["low"], num["high"]
    if len(problems) == before and ((low is not None and low > value) or (high is not None and high < value)):
        problems.append(row.problem(f"need low <= value <= high; got {low}, {value}, {high}", "low", quantity))
    arm = v.get("arm", "")
    if quantity in BY_ARM and not arm:
        problems.append(row.problem(f"'{quantity}' needs the arm it applies to in the 'arm' column", "arm", quantity))
    elif quantity not in BY_ARM and arm:
        problems.append(row.problem(f"'{quantity}' applies to the intervention; leave arm blank", "arm", quantity))
    if len(problems) > before:
        return None
    return BudgetImpactRow(quantity, year, value, low, high, v["source"], v["notes"], row.line, arm)


def load_budget_impact(folder: Path | str) -> BudgetImpactInputs:
    """Read and check ``budget_impact.csv``; every problem reported at once (InputError)."""
    raw = read_csv(Path(folder) / BUDGET_IMPACT_FILE, ("quantity", "year", "value", "source"),
                   ("low", "high", "notes", "arm"))
    problems: list[Problem] = []
    rows: list[BudgetImpactRow] = []
    seen: dict[tuple[str, int | None], int] = {}
    for r in raw:
        parsed = _parse_row(r, problems)
        if parsed is None:
            continue
        key = (parsed.quantity, parsed.year) if not parsed.arm else (parsed.quantity, parsed.year, parsed.arm)
        if key in seen:
            problems.append(r.problem(f"duplicated row (first on line {seen[key]})", "year" if parsed.year else "quantity",
                                      parsed.quantity))
            continue
        seen[key] = r.line
        rows.append(parsed)
    if problems:
        raise InputError(problems)
    file = BUDGET_IMPACT_FILE
    by_quantity = {q: {r.year: r.value for r in rows if r.quantity == q} for q in PER_YEAR + SINGLE}
    for q in SINGLE:
        if not by_quantity[q]:
            problems.append(Problem(file, f"missing the '{q}' row (year blank)", column="quantity", parameter=q))
    years = sorted(by_quantity["uptake_with"])
    if not years:
        problems.append(Problem(file, "no 'uptake_with' rows; give one per year from year 1", column="quantity",
                                parameter="uptake_with"))
    n_years = len(years)
    expected = list(range(1, n_years + 1))
    for q in ("uptake_with", "uptake_without"):
        if sorted(by_quantity[q]) != expected:
            problems.append(Problem(file, f"'{q}' must have one row for each year 1..{n_years} (the years of uptake_with); "
                                          f"found years {sorted(by_quantity[q])}", column="year", parameter=q))
    if 1 not in by_quantity["eligible_patients"]:
        problems.append(Problem(file, "missing 'eligible_patients' for year 1", column="year", parameter="eligible_patients"))
    for r in rows:
        if r.quantity == "eligible_patients" and r.year is not None and r.year > n_years:
            problems.append(Problem(file, f"year {r.year} is beyond the {n_years} years of uptake", row=r.line,
                                    column="year", parameter=r.quantity))
    market = _market_shares(rows, n_years, problems)
    if problems:
        raise InputError(problems)
    return BudgetImpactInputs(
        eligible_given=dict(by_quantity["eligible_patients"]),
        incidence_growth=by_quantity["incidence_growth"][None],
        prevalent_patients=by_quantity["prevalent_patients"][None],
        uptake_with=tuple(by_quantity["uptake_with"][y] for y in expected),
        uptake_without=tuple(by_quantity["uptake_without"][y] for y in expected),
        rows=tuple(rows), market_share_without=market,
        displaced_share={r.arm: r.value for r in rows if r.quantity == "displaced_share"})


def _market_shares(rows: list[BudgetImpactRow], n_years: int, problems: list[Problem]) -> dict[str, tuple[float, ...]]:
    """market_share_without by arm and year (a blank year: every year); checks each arm has either one row with a
    blank year or one row for each year, and that displaced_share sums to 1 (that every arm other than the
    intervention has a share and that each year's shares sum to 1 needs the arms: cea.analyses.budget_impact)."""
    file, out = BUDGET_IMPACT_FILE, {}
    for arm in dict.fromkeys(r.arm for r in rows if r.quantity == "market_share_without"):
        given = {r.year: r.value for r in rows if r.quantity == "market_share_without" and r.arm == arm}
        if list(given) == [None]:
            out[arm] = (given[None],) * n_years
        elif None in given or sorted(given) != list(range(1, n_years + 1)):
            problems.append(Problem(file, f"'market_share_without' of arm '{arm}': give one row with year blank (every "
                                          f"year) or one row for each year 1..{n_years}; found years "
                                          f"{sorted(given, key=lambda y: -1 if y is None else y)}", column="year",
                                    parameter="market_share_without"))
        else:
            out[arm] = tuple(given[y] for y in range(1, n_years + 1))
    displaced = [r for r in rows if r.quantity == "displaced_share"]
    if displaced and abs(sum(r.value for r in displaced) - 1.0) > 1e-9:
        problems.append(Problem(file, f"'displaced_share' sums to {sum(r.value for r in displaced):g} over the arms "
                                      f"{[r.arm for r in displaced]}; the intervention's extra uptake must come from "
                                      "them in shares that sum to 1", column="value", parameter="displaced_share"))
    return out
