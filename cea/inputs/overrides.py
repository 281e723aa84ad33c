"""Apply named overrides (``--set ID=VALUE``, scenario rows) to ModelInputs.

A target is a parameter id, a survival coefficient ('<curve>.<coefficient>'), a setting
name, or an arm field ('arm.<arm>.<column>', e.g. arm.exe.os_curve).  Unknown targets
and unparsable values are InputErrors naming the target; an overridden value must be in
its unit's range (a utility of 1.7 is wrong whatever the scenario), and the assembled
inputs are checked again (arms, curves and the settings that join them).

An override moves a parameter's point estimate and keeps its spread, so that a PSA or
DSA after ``--set`` still works: beta/gamma/normal keep their SE; a log-normal keeps the
SD of its log (its CI moves with the value); a beta from counts becomes a beta with the
counts' SE; a Dirichlet group whose members are all overridden keeps its total count.
Where no distribution of that family has the new value as its mean (a beta with mean
1, a gamma with mean 0), the parameter becomes fixed at the new value, and its notes say
so.  Overrides are recorded in the run manifest.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace

from cea.errors import InputError, Problem
from cea.inputs.assembled import ModelInputs, coefficient_problem, consistency_problems, unit_range
from cea.inputs.pricing import priced_parameters, with_net_prices
from cea.inputs.readers import number_problem
from cea.inputs.settings import SETTING_NAMES, override_value
from cea.inputs.tables import ParameterRow
from cea.structure import ACCELERATED_FAILURE_TIME, PROPORTIONAL_HAZARDS, ArmSpec, CurveSpec

ARM_FIELDS = tuple(f.name for f in fields(ArmSpec) if f.name not in ("id",))
_PARAMETER_FIELDS = ("pfs_hazard_ratio", "pfs_acceleration_factor", "os_hazard_ratio", "os_acceleration_factor",
                     "pd_death_rate")


def parse_assignments(pairs: list[str], origin: str = "--set") -> dict[str, str]:
    """'ID=VALUE' strings → {ID: VALUE}; malformed or repeated pairs are InputErrors."""
    out: dict[str, str] = {}
    problems = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            problems.append(Problem(origin, f"'{pair}' is not of the form ID=VALUE"))
        elif key.strip() in out and out[key.strip()] != value.strip():
            problems.append(Problem(origin, f"set twice, to '{out[key.strip()]}' and '{value.strip()}'",
                                    parameter=key.strip()))
        else:
            out[key.strip()] = value.strip()
    if problems:
        raise InputError(problems)
    return out


def _number(key: str, text: str, origin: str) -> float:
    message = number_problem(text)
    if message is not None:
        raise InputError(Problem(origin, message, parameter=key))
    return float(text)


def _fixed(row: ParameterRow, value: float, origin: str, why: str) -> ParameterRow:
    note = f"Fixed at {value:g} by override ({origin}): {why}"
    return replace(row, value=value, distribution="fixed", se=None, ci_low=None, ci_high=None, events=None, n=None,
                   dirichlet_group="", notes=f"{row.notes}; {note}" if row.notes else note)


def override_parameter(row: ParameterRow, value: float, origin: str, currency: str) -> ParameterRow:
    """``row`` with a new point estimate: unit range checked, spread kept (see the module docstring)."""
    lo_hi = unit_range(row.unit, currency)
    if lo_hi is not None and not lo_hi[0] <= value <= lo_hi[1]:
        raise InputError(Problem(origin, f"{value:g} is outside the range allowed for unit '{row.unit}': "
                                 f"[{lo_hi[0]:g}, {lo_hi[1]:g}]", parameter=row.id))
    d = row.distribution
    if d in ("fixed", "normal", "dirichlet") or value == row.value:
        return replace(row, value=value)  # Dirichlet groups are re-checked together in apply_overrides
    if d == "beta":
        se = row.se
        if row.events is not None and row.n is not None:
            p = row.events / row.n
            se = math.sqrt(p * (1 - p) / (row.n + 1))
        if not 0 < value < 1 or not se or not se**2 < value * (1 - value):
            return _fixed(row, value, origin, f"no beta distribution has mean {value:g} and SE {se:g}")
        return replace(row, value=value, se=se, events=None, n=None)
    if d == "gamma":
        if value <= 0:
            return _fixed(row, value, origin, "a gamma distribution needs a mean > 0")
        return replace(row, value=value)
    if d == "lognormal":
        if value <= 0 or row.value <= 0:
            return _fixed(row, value, origin, "a log-normal distribution needs a value > 0")
        if row.ci_low is not None and row.ci_high is not None:
            factor = value / row.value
            return replace(row, value=value, ci_low=row.ci_low * factor, ci_high=row.ci_high * factor)
        return replace(row, value=value)
    return replace(row, value=value)


def _dirichlet_problems(before: dict[str, ParameterRow], after: dict[str, ParameterRow], changed: set[str],
                        origin: str) -> list[Problem]:
    """Overridden Dirichlet groups must still sum to one; their alphas follow the new shares."""
    problems = []
    groups = {after[pid].dirichlet_group for pid in changed if after[pid].distribution == "dirichlet"}
    for group in sorted(groups):
        members = [pid for pid, row in after.items() if row.distribution == "dirichlet" and row.dirichlet_group == group]
        total = sum(after[pid].value for pid in members)
        if abs(total - 1) > 1e-6:
            problems.append(Problem(origin, f"Dirichlet group '{group}' sums to {total:.6g} after the override; its "
                                    f"members {members} must sum to 1 (override them together)",
                                    parameter=next(pid for pid in members if pid in changed)))
            continue
        alpha = sum(before[pid].events for pid in members)
        if any(after[pid].value <= 0 for pid in members):
            for pid in members:
                after[pid] = _fixed(after[pid], after[pid].value, origin, "a Dirichlet share of 0 has no distribution")
        else:
            for pid in members:
                after[pid] = replace(after[pid], events=after[pid].value * alpha)
    return problems


def _arm_problems(arm: ArmSpec, parameters: dict, curves: dict, arm_ids: set[str], origin: str) -> list[Problem]:
    problems = []
    where = f"arm.{arm.id}"
    for endpoint in ("pfs", "os"):
        curve = getattr(arm, f"{endpoint}_curve")
        if curve not in curves:
            problems.append(Problem(origin, f"unknown curve '{curve}'", parameter=f"{where}.{endpoint}_curve"))
            continue
        if curves[curve].endpoint != endpoint:
            problems.append(Problem(origin, f"curve '{curve}' is for {curves[curve].endpoint.upper()}, not {endpoint.upper()}",
                                    parameter=f"{where}.{endpoint}_curve"))
        family = curves[curve].family
        if getattr(arm, f"{endpoint}_hazard_ratio") and family not in PROPORTIONAL_HAZARDS:
            problems.append(Problem(origin, f"a hazard ratio needs a proportional-hazards family; '{curve}' is {family}",
                                    parameter=f"{where}.{endpoint}_curve"))
        if getattr(arm, f"{endpoint}_acceleration_factor") and family not in ACCELERATED_FAILURE_TIME:
            problems.append(Problem(origin, f"an acceleration factor needs an AFT family; '{curve}' is {family}",
                                    parameter=f"{where}.{endpoint}_curve"))
    for column in _PARAMETER_FIELDS:
        pid = getattr(arm, column)
        if pid and pid not in parameters:
            problems.append(Problem(origin, f"refers to unknown parameter '{pid}'", parameter=f"{where}.{column}"))
    if arm.waning_reference and arm.waning_reference not in arm_ids:
        problems.append(Problem(origin, f"unknown arm '{arm.waning_reference}'", parameter=f"{where}.waning_reference"))
    return problems


def apply_overrides(inputs: ModelInputs, overrides: dict[str, str | float], origin: str = "--set") -> ModelInputs:
    """A copy of ``inputs`` with every override applied (values may be text or numbers)."""
    if not overrides:
        return inputs
    parameters = dict(inputs.parameters)
    curves = dict(inputs.curves)
    arms = {a.id: a for a in inputs.structure.arms}
    setting_changes: dict[str, object] = {}
    changed: set[str] = set()
    arms_changed = False
    problems: list[Problem] = []
    for key, raw in overrides.items():
        text = str(raw).strip()
        try:
            if key in parameters:
                parameters[key] = override_parameter(parameters[key], _number(key, text, origin), origin,
                                                     inputs.settings.currency)
                changed.add(key)
            elif "." in key and key.split(".", 1)[0] in curves:
                curve_id, coefficient = key.split(".", 1)
                rows = curves[curve_id]
                if coefficient not in rows.coefficients:
                    raise InputError(Problem(origin, f"curve '{curve_id}' has no coefficient '{coefficient}'; "
                                             f"expected {rows.coefficients}", parameter=key))
                value = _number(key, text, origin)
                message = coefficient_problem(coefficient, value)
                if message:
                    raise InputError(Problem(origin, message, parameter=key))
                estimates = list(rows.estimates)
                estimates[rows.coefficients.index(coefficient)] = value
                curves[curve_id] = replace(rows, estimates=tuple(estimates))
            elif key in SETTING_NAMES:
                setting_changes[key] = override_value(key, text)
            elif key.startswith("arm."):
                _, arm_id, column = (key.split(".") + ["", ""])[:3]
                if arm_id not in arms or column not in ARM_FIELDS or key.count(".") != 2:
                    raise InputError(Problem(origin, f"unknown arm field; expected arm.<{'|'.join(arms)}>.<column> "
                                             f"with column one of {ARM_FIELDS}", parameter=key))
                if column in ("label", "pfs_curve", "os_curve") and not text:
                    raise InputError(Problem(origin, f"{column} cannot be blank", parameter=key))
                # "none" (or blank) removes an optional column, e.g. an OS hazard ratio when a scenario switches
                # the arm to its own independently fitted curve
                value: str | float | None = None if text.lower() in ("", "none") else text
                if column == "n_randomised" and value is not None:
                    value = _number(key, text, origin)
                    if value <= 0:
                        raise InputError(Problem(origin, f"n_randomised must be a positive number of patients "
                                                 f"(or blank: the arms weighted equally); got '{text}'", parameter=key))
                arms[arm_id] = replace(arms[arm_id], **{column: value})
                arms_changed = True
            else:
                raise InputError(Problem(origin, "unknown parameter or setting id (see `cea params`)", parameter=key))
        except InputError as exc:
            problems += exc.problems
    if not problems:
        problems += _dirichlet_problems(inputs.parameters, parameters, changed, origin)
    if problems:
        raise InputError(problems)
    settings = inputs.settings.with_overrides(setting_changes, origin) if setting_changes else inputs.settings
    list_prices = {pid: parameters[pid].value for pid in priced_parameters(settings) if pid in changed}
    parameters = with_net_prices(parameters, settings, inputs.settings.pas_discount, list_prices)
    structure = replace(inputs.structure, arms=tuple(arms[a.id] for a in inputs.structure.arms))
    if arms_changed:
        for arm in structure.arms:
            problems += _arm_problems(arm, parameters, curves, set(arms), origin)
    if problems:
        raise InputError(problems)
    structure = replace(structure, curves={cid: CurveSpec(cid, c.endpoint, c.family, c.coefficients)
                                           for cid, c in curves.items()})
    problems += consistency_problems(settings, parameters, structure, origin)
    if problems:
        raise InputError(problems)
    return replace(inputs, parameters=parameters, curves=curves, settings=settings, structure=structure)


def scenario_overrides(inputs: ModelInputs) -> dict[str, dict[str, str]]:
    """{scenario name: {target: value}} in file order."""
    out: dict[str, dict[str, str]] = {}
    for row in inputs.scenarios:
        out.setdefault(row.scenario, {})[row.target] = row.value
    return out
