"""Cross-table completeness: the defence against rows that were lost or duplicated.

A table cut short at a row boundary, or a row pasted twice, is still a valid CSV, and every
row left in it may be valid on its own.  What gives the loss away is what the other tables
expect.  Each check here names the file, row and parameter, so the user can restore the row:

* every parameter of ``parameters.csv`` is used by something: a cost item, a utility or other
  role parameter, an arm (hazard ratio, acceleration factor, PD death rate), a treatment's
  discontinuation rate (``time_on_treatment.csv``), an adverse event, a covariance link to a curve, a
  scenario (as target, or as the value of an ``arm.*`` target) or a setting (``price_parameter``,
  ``price_linked``).  An unused parameter is how a lost cost item,
  adverse event or arm row shows up;
* every arm has cost items for each alive state (``per_month_in_pf``, ``per_month_in_pd``), and a one-off
  cost at progression or death that one arm has, every arm has (drug costs follow each arm's treatments in
  ``time_on_treatment.csv``, checked where that table is read; an arm may have no drug, e.g. supportive care);
* every adverse event (by label) has a row for every arm that has adverse events, and no arm has the same
  event twice (an arm with no adverse-event rows at all, e.g. no active drug, is allowed);
* the life table runs to age 100 (the open age group of national life tables), and further if the model
  reaches older ages.

Pure functions over parsed rows; ``cea.inputs.model_inputs`` calls them after parsing.
"""

from __future__ import annotations

from typing import Iterable

from cea.errors import Problem
from cea.inputs.tables import ParameterRow, ScenarioRow
from cea.structure import COST_BASES, ModelStructure

REQUIRED_COST_BASES = ("per_month_in_pf", "per_month_in_pd")  # every arm: a cost for each alive state
SHARED_COST_BASES = ("per_progression", "per_death")  # if one arm pays at progression or death, every arm does
LIFE_TABLE_OPEN_AGE = 100  # national life tables run to 100, the open age group (ONS): q_100 serves 100+


def parameters_used(structure: ModelStructure, scenarios: Iterable[ScenarioRow], settings_ids: Iterable[str],
                    role_parameters: Iterable[str], linked_to_curves: Iterable[str] = ()) -> set[str]:
    """Every parameter id something in the inputs refers to (``linked_to_curves``: parameters drawn jointly with
    a survival curve through survival_covariance.csv)."""
    used = set(role_parameters) | set(settings_ids) | set(linked_to_curves)
    for item in structure.cost_items:
        used |= set(item.multiply) | set(item.divide)
    for event in structure.adverse_events:
        used |= {event.rate, event.cost, event.disutility, event.duration_days}
    for arm in structure.arms:
        used |= {pid for pid in (arm.pfs_hazard_ratio, arm.pfs_acceleration_factor, arm.os_hazard_ratio,
                                 arm.os_acceleration_factor, arm.pd_death_rate) if pid}
    used |= {t.discontinuation_rate for t in structure.treatments if t.discontinuation_rate}
    for row in scenarios:
        used.add(row.target)
        if row.target.startswith("arm."):
            used.add(row.value)
    return used


def unused_parameter_problems(parameters: dict[str, ParameterRow], used: set[str]) -> list[Problem]:
    return [Problem(p.file, "is used by nothing: no row of cost_items.csv, adverse_events.csv, arms.csv, "
                            "time_on_treatment.csv, survival_covariance.csv or scenarios.csv, no utility and no setting "
                            "refers to it.  Was the row that used it lost?  "
                            "Restore that row, or delete this parameter",
                    row=p.line, column="id", parameter=pid)
            for pid, p in parameters.items() if pid not in used]


def cost_coverage_problems(structure: ModelStructure, file: str) -> list[Problem]:
    """Each arm needs the state bases, and the one-off bases any arm has (a lost arm-specific row shows here)."""
    bases: dict[str, set[str]] = {arm.id: set() for arm in structure.arms}
    for item in structure.cost_items:
        for arm in (bases if item.arm == "all" else [item.arm]):
            bases.setdefault(arm, set()).add(item.basis)
    present = set().union(*bases.values()) if bases else set()
    needed = [b for b in COST_BASES if b in REQUIRED_COST_BASES or (b in SHARED_COST_BASES and b in present)]
    problems = []
    for arm in structure.arms:
        for basis in needed:
            if basis not in bases[arm.id]:
                why = ("every arm needs a cost for each alive state" if basis in REQUIRED_COST_BASES
                       else "another arm has one")
                problems.append(Problem(file, f"arm '{arm.id}' has no cost item with basis '{basis}' ({why}); a row "
                                              f"for this arm (or for 'all') may have been lost",
                                        column="basis", parameter=arm.id))
    return problems


def adverse_event_coverage_problems(structure: ModelStructure, lines: dict[str, int], file: str) -> list[Problem]:
    """Every adverse event (by label, else id) has exactly one row per arm, among the arms that have any."""
    arms_by_event: dict[str, dict[str, str]] = {}
    problems = []
    for event in structure.adverse_events:
        name = event.label or event.id
        seen = arms_by_event.setdefault(name, {})
        if event.arm in seen:
            problems.append(Problem(file, f"adverse event '{name}' has two rows for arm '{event.arm}' ('{seen[event.arm]}' "
                                          f"on line {lines[seen[event.arm]]} and '{event.id}'); it would be counted twice",
                                    row=lines[event.id], column="arm", parameter=event.id))
        seen.setdefault(event.arm, event.id)
    with_events = {event.arm for event in structure.adverse_events}
    for name, seen in arms_by_event.items():
        for arm in (a for a in structure.arm_ids if a in with_events):
            if arm not in seen:
                first = next(iter(seen.values()))
                problems.append(Problem(file, f"adverse event '{name}' has no row for arm '{arm}' (it has "
                                              f"{sorted(seen)}); a lost row? Give the arm its rate (0 if none occurred)",
                                        row=lines[first], column="arm", parameter=first))
    return problems


def life_table_coverage_problem(ages: tuple[int, ...], start_age: float, horizon_years: float,
                                file: str) -> Problem | None:
    """The table runs to age 100, the open age group whose q_x serves every older age (the engine uses the
    last row beyond the table): a table that stops earlier has lost its last rows."""
    if not ages or ages[-1] >= LIFE_TABLE_OPEN_AGE:
        return None
    return Problem(file, f"the life table ends at age {ages[-1]}; it must run to age {LIFE_TABLE_OPEN_AGE} (the open age "
                         f"group of national life tables, used for every older age; the model starts at age "
                         f"{start_age:g} for {horizon_years:g} years).  Rows at the end may have been lost",
                   column="age", parameter="start_age")
