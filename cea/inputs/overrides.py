"""Apply named overrides (``--set ID=VALUE``, scenario rows) to ModelInputs.

A target is a parameter id, a survival coefficient ('<curve>.<coefficient>'), a setting
name, or an arm field ('arm.<arm>.<column>', e.g. arm.exe.os_curve).  Unknown targets
and unparsable values are InputErrors naming the target.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace

from cea.errors import InputError, Problem
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.settings import SETTING_NAMES, override_value
from cea.structure import ArmSpec

ARM_FIELDS = tuple(f.name for f in fields(ArmSpec) if f.name not in ("id",))


def parse_assignments(pairs: list[str], origin: str = "--set") -> dict[str, str]:
    """'ID=VALUE' strings → {ID: VALUE}; malformed pairs are InputErrors."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(Problem(origin, f"'{pair}' is not of the form ID=VALUE"))
        out[key.strip()] = value.strip()
    return out


def _number(key: str, text: str, origin: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(Problem(origin, f"'{text}' is not a number", parameter=key)) from None
    if not math.isfinite(value):
        raise InputError(Problem(origin, f"'{text}' is not a finite number", parameter=key))
    return value


def apply_overrides(inputs: ModelInputs, overrides: dict[str, str | float], origin: str = "--set") -> ModelInputs:
    """A copy of ``inputs`` with every override applied (values may be text or numbers)."""
    if not overrides:
        return inputs
    parameters = dict(inputs.parameters)
    curves = dict(inputs.curves)
    arms = {a.id: a for a in inputs.structure.arms}
    setting_changes: dict[str, object] = {}
    problems: list[Problem] = []
    for key, raw in overrides.items():
        text = str(raw)
        try:
            if key in parameters:
                parameters[key] = replace(parameters[key], value=_number(key, text, origin))
            elif "." in key and key.split(".", 1)[0] in curves:
                curve_id, coefficient = key.split(".", 1)
                rows = curves[curve_id]
                if coefficient not in rows.coefficients:
                    raise InputError(Problem(origin, f"curve '{curve_id}' has no coefficient '{coefficient}'; "
                                             f"expected {rows.coefficients}", parameter=key))
                estimates = list(rows.estimates)
                estimates[rows.coefficients.index(coefficient)] = _number(key, text, origin)
                curves[curve_id] = replace(rows, estimates=tuple(estimates))
            elif key in SETTING_NAMES:
                setting_changes[key] = override_value(key, text)
            elif key.startswith("arm."):
                _, arm_id, column = (key.split(".") + ["", ""])[:3]
                if arm_id not in arms or column not in ARM_FIELDS:
                    raise InputError(Problem(origin, f"unknown arm field; expected arm.<{'|'.join(arms)}>.<column> "
                                             f"with column one of {ARM_FIELDS}", parameter=key))
                arms[arm_id] = replace(arms[arm_id], **{column: text or None})
            else:
                raise InputError(Problem(origin, "unknown parameter or setting id (see `cea params`)", parameter=key))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    settings = inputs.settings.with_overrides(setting_changes, origin) if setting_changes else inputs.settings
    structure = replace(inputs.structure, arms=tuple(arms[a.id] for a in inputs.structure.arms))
    for arm in structure.arms:
        for endpoint in ("pfs", "os"):
            if getattr(arm, f"{endpoint}_curve") not in curves:
                problems.append(Problem(origin, f"unknown curve '{getattr(arm, f'{endpoint}_curve')}'",
                                        parameter=f"arm.{arm.id}.{endpoint}_curve"))
    if problems:
        raise InputError(problems)
    from cea.structure import CurveSpec  # local: only needed when curves change
    structure = replace(structure, curves={cid: CurveSpec(cid, c.endpoint, c.family, c.coefficients)
                                           for cid, c in curves.items()})
    return replace(inputs, parameters=parameters, curves=curves, settings=settings, structure=structure)


def scenario_overrides(inputs: ModelInputs) -> dict[str, dict[str, str]]:
    """{scenario name: {target: value}} in file order."""
    out: dict[str, dict[str, str]] = {}
    for row in inputs.scenarios:
        out.setdefault(row.scenario, {})[row.target] = row.value
    return out
