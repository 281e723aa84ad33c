"""Load and validate an inputs folder into ModelInputs.

Every table is read with its line numbers, checked row by row and across tables, and
every problem found is reported at once as one InputError (file, row, column,
parameter, what is wrong, what is expected).  Nothing numeric is assumed here: all
numbers come from the files.

Checked: units set the allowed ranges (tables.UNIT_RULES; their finite upper bounds keep
the engine inside float range), low <= value <= high, each distribution's arguments and
that its central 95% stays in the unit's range, Dirichlet groups, ids (unknown, missing,
duplicated), sources and notes, survival families, coefficients (tables.COEFFICIENT_BOUNDS)
and covariance (positive semi-definite, bounded variance), arms, costs, adverse events,
the life table, settings and their joins with the tables (``consistency_problems``, run
again after every override), every scenario (applied once), and the optional survival
data and validation targets (their own loaders).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from cea.errors import InputError, Problem
from cea.inputs import completeness
from cea.inputs import settings as settings_module
from cea.inputs.assembled import (FILES, ON_TREATMENT_DISUTILITY, ModelInputs, coefficient_problem,
                                  consistency_problems, unit_range)
from cea.inputs.pricing import with_net_prices
from cea.inputs.readers import RawRow, missing_file_problem, parse_float, read_csv, read_toml
from cea.inputs.settings import Settings
from cea.inputs.tables import (DISTRIBUTIONS, STATUSES, MAX_COEFFICIENT_VARIANCE, MAX_GAMMA_CV,
                               MAX_LOG_SE, UNIT_RULES, CurveRows, ParameterRow, ScenarioRow)
from cea.structure import (ACCELERATED_FAILURE_TIME, COEFFICIENTS, COST_BASES, PROPORTIONAL_HAZARDS, AdverseEventSpec,
                           ArmSpec, CostItem, CurveSpec, ModelStructure, TreatmentSpec)

ROLE_PARAMETERS = ("u_pf", "u_pd", "pf_death_share", "gp_utility_intercept", "gp_utility_age", "gp_utility_age_squared")
PARAMETER_COLUMNS = ("id", "group", "description", "value", "unit", "low", "high", "distribution", "se", "ci_low",
                     "ci_high", "events", "n", "dirichlet_group", "source", "status", "notes")


# --------------------------------------------------------------------------- parameters
def _parse_parameters(rows: list[RawRow], currency: str) -> tuple[dict[str, ParameterRow], list[Problem]]:
    problems: list[Problem] = []
    out: dict[str, ParameterRow] = {}
    for row in rows:
        pid = row.values["id"]
        if not pid:
            problems.append(row.problem("blank parameter id", "id"))
            continue
        if any(ch.isspace() for ch in pid) or "=" in pid:
            problems.append(row.problem("parameter id must not contain spaces or '='", "id", pid))
            continue
        if pid in out:
            problems.append(row.problem(f"duplicated parameter id (first on line {out[pid].line})", "id", pid))
            continue
        before = len(problems)
        num = {c: parse_float(row, c, problems, pid, required=(c == "value"))
               for c in ("value", "low", "high", "se", "ci_low", "ci_high", "events", "n")}
        distribution = row.values["distribution"].lower()
        if distribution not in DISTRIBUTIONS:
            problems.append(row.problem(f"unknown distribution '{row.values['distribution']}'; expected one of "
                                        f"{DISTRIBUTIONS}", "distribution", pid))
        if len(problems) > before:
            continue
        p = ParameterRow(id=pid, group=row.values["group"], description=row.values["description"], value=num["value"],
                         unit=row.values["unit"], low=num["low"], high=num["high"], distribution=distribution,
                         se=num["se"], ci_low=num["ci_low"], ci_high=num["ci_high"], events=num["events"], n=num["n"],
                         dirichlet_group=row.values["dirichlet_group"], source=row.values["source"],
                         notes=row.values["notes"], file=row.file, line=row.line,
                         status=row.values["status"].strip().lower())
        problems += _check_parameter(p, row, currency)
        out[pid] = p
    return out, problems


def _check_parameter(p: ParameterRow, row: RawRow, currency: str) -> list[Problem]:
    problems: list[Problem] = []
    bad = lambda msg, col=None: problems.append(row.problem(msg, col, p.id))  # noqa: E731
    if not p.source:
        bad("blank source; every number needs a citation or 'Assumption: <reason>'", "source")
    if p.status not in STATUSES:
        bad(f"unknown status '{p.status}'; expected one of {STATUSES} (how far the value was checked in its source)",
            "status")
    elif (p.status == "assumption") != p.source.lower().startswith("assumption"):
        bad("status 'assumption' and a source starting with 'Assumption: <reason>' go together" if p.status == "assumption"
            else f"the source starts with 'Assumption' but the status is '{p.status}'; use status 'assumption'", "status")
    lo_hi = unit_range(p.unit, currency)
    if lo_hi is None:
        bad(f"unknown unit '{p.unit}'; expected {currency} (or '{currency} per ...') or one of {sorted(UNIT_RULES)}", "unit")
    if lo_hi is not None:
        for col in ("value", "low", "high"):
            v = getattr(p, col)
            if v is not None and not lo_hi[0] <= v <= lo_hi[1]:
                bad(f"{col} {v:g} is outside the range allowed for unit '{p.unit}': [{lo_hi[0]:g}, {lo_hi[1]:g}]", col)
    if (p.low is None) != (p.high is None):
        bad("give both low and high, or neither (then the DSA uses the 2.5th and 97.5th percentiles)", "low")
    if p.low is not None and p.high is not None and not p.low <= p.value <= p.high:
        bad(f"need low <= value <= high; got {p.low:g} <= {p.value:g} <= {p.high:g}", "value")
    d = p.distribution
    if d == "fixed" and not p.notes:
        bad("a fixed parameter needs a reason in 'notes'", "notes")
    if d == "beta":
        if p.events is not None or p.n is not None:
            if p.events is None or p.n is None:
                bad("beta from counts needs both 'events' and 'n'", "events")
            elif not 0 < p.events < p.n:
                bad(f"beta from counts needs 0 < events < n; got events={p.events:g}, n={p.n:g}", "events")
            elif abs(p.value - p.events / p.n) > 5e-4:
                bad(f"value {p.value:g} differs from events/n = {p.events / p.n:.6g}", "value")
        elif p.se is None:
            bad("beta needs 'se' (method of moments) or 'events' and 'n'", "se")
        elif not 0 < p.value < 1:
            bad(f"beta needs 0 < value < 1; got {p.value:g}", "value")
        elif not 0 < p.se**2 < p.value * (1 - p.value):
            bad(f"beta needs 0 < se² < value(1 − value) = {p.value * (1 - p.value):.6g}; got se={p.se:g}", "se")
    if d == "gamma":
        if p.se is None or p.se <= 0:
            bad("gamma needs a positive 'se'", "se")
        if p.value <= 0:
            bad(f"gamma needs value > 0; got {p.value:g}", "value")
    if d == "lognormal":
        if p.ci_low is not None or p.ci_high is not None:
            if p.ci_low is None or p.ci_high is None:
                bad("log-normal needs both 'ci_low' and 'ci_high'", "ci_low")
            elif not 0 < p.ci_low <= p.value <= p.ci_high or p.ci_low == p.ci_high:
                bad(f"log-normal needs 0 < ci_low <= value <= ci_high with ci_low < ci_high; got "
                    f"{p.ci_low:g}, {p.value:g}, {p.ci_high:g}", "ci_low")
        elif p.se is None or p.se <= 0 or p.value <= 0:
            bad("log-normal needs a 95% CI ('ci_low', 'ci_high') or a positive 'se' of the log, and value > 0", "se")
    if d == "normal" and (p.se is None or p.se <= 0):
        bad("normal needs a positive 'se'", "se")
    if d == "dirichlet":
        if not p.dirichlet_group:
            bad("a Dirichlet member needs 'dirichlet_group'", "dirichlet_group")
        if p.events is None or p.events <= 0:
            bad("a Dirichlet member needs a positive count in 'events' (its alpha)", "events")
    if not problems:
        problems += [row.problem(message, column, p.id) for column, message in distribution_problems(p, lo_hi)]
    return problems


def distribution_problems(p: ParameterRow, lo_hi: tuple[float, float] | None) -> list[tuple[str, str]]:
    """(column, message) for a distribution that is well-formed but unusable: one whose central 95%
    leaves the unit's range (the DSA would use impossible values), or so wide that draws overflow."""
    out: list[tuple[str, str]] = []
    d, z = p.distribution, 1.959963984540054
    interval = None
    if d == "normal" and p.se is not None:
        interval = (p.value - z * p.se, p.value + z * p.se)
    elif d == "lognormal":
        sdlog = ((math.log(p.ci_high) - math.log(p.ci_low)) / (2 * z) if p.ci_low is not None and p.ci_high is not None
                 else p.se)
        if sdlog is not None and sdlog > MAX_LOG_SE:
            column = "ci_high" if p.ci_low is not None else "se"
            out.append((column, f"log-normal SD of the log is {sdlog:.3g}; at most {MAX_LOG_SE:g} (a 95% interval "
                                f"spanning a factor of e^{2 * z * MAX_LOG_SE:.0f}); is the SE on the log scale?"))
            return out
        if sdlog is not None and p.value > 0:
            interval = (p.value * math.exp(-z * sdlog), p.value * math.exp(z * sdlog))
            if p.ci_low is not None:
                interval = (p.ci_low, p.ci_high)
    elif d == "gamma" and p.se is not None and p.se > 0 and p.value > 0:
        if p.se > MAX_GAMMA_CV * p.value:
            out.append(("se", f"gamma se {p.se:g} is more than {MAX_GAMMA_CV:g} × the mean {p.value:g} (shape "
                              f"(mean/se)² = {(p.value / p.se) ** 2:.2g}); check the se"))
            return out
        if lo_hi is not None and p.value + 10 * p.se > lo_hi[1]:  # the upper tail may reach the unit's limit
            from scipy.special import gammaincinv

            shape = (p.value / p.se) ** 2
            interval = (float(gammaincinv(shape, 0.025)) * p.value / shape,
                        float(gammaincinv(shape, 0.975)) * p.value / shape)
    if interval is not None and lo_hi is not None and not lo_hi[0] <= interval[0] <= interval[1] <= lo_hi[1]:
        suggestion = "beta" if lo_hi == (0.0, 1.0) else "gamma or log-normal"
        out.append(("se" if p.ci_low is None else "ci_low",
                    f"the {d} distribution's 95% interval [{interval[0]:.4g}, {interval[1]:.4g}] leaves the range "
                    f"allowed for unit '{p.unit}' [{lo_hi[0]:g}, {lo_hi[1]:g}]; use a {suggestion} distribution "
                    "or a smaller se"))
    return out


def _check_dirichlet_groups(parameters: dict[str, ParameterRow]) -> list[Problem]:
    problems = []
    groups: dict[str, list[ParameterRow]] = {}
    for p in parameters.values():
        if p.distribution == "dirichlet":
            groups.setdefault(p.dirichlet_group, []).append(p)
    for name, members in groups.items():
        total = sum(m.value for m in members)
        alpha = sum(m.events for m in members if m.events)
        if len(members) < 2:
            problems.append(Problem(members[0].file, f"Dirichlet group '{name}' has one member; needs two or more",
                                    row=members[0].line, column="dirichlet_group", parameter=members[0].id))
        elif abs(total - 1) > 1e-6:
            problems.append(Problem(members[0].file, f"Dirichlet group '{name}' values sum to {total:.6g}; must sum to 1 "
                                    f"({' + '.join(f'{m.id} {m.value:g}' for m in members)})",
                                    row=members[0].line, column="value", parameter=members[0].id))
        else:
            for m in members:
                if m.events and abs(m.value - m.events / alpha) > 5e-4:
                    problems.append(Problem(m.file, f"value {m.value:g} differs from its Dirichlet share "
                                            f"{m.events / alpha:.6g} (events / group total)", row=m.line,
                                            column="value", parameter=m.id))
    return problems


# --------------------------------------------------------------------------- survival
def _parse_curves(rows: list[RawRow], cov_rows: list[RawRow]) -> tuple[dict[str, CurveRows], list[Problem]]:
    problems: list[Problem] = []
    grouped: dict[str, list[RawRow]] = {}
    for row in rows:
        curve = row.values["curve"]
        if not curve or "." in curve or any(ch.isspace() for ch in curve):
            problems.append(row.problem("curve id must be non-empty without spaces or dots", "curve", curve))
            continue
        grouped.setdefault(curve, []).append(row)
    curves: dict[str, CurveRows] = {}
    for curve, members in grouped.items():
        first = members[0]
        family = first.values["family"].lower()
        if family not in COEFFICIENTS:
            problems.append(first.problem(f"unknown family '{family}'; expected one of {sorted(COEFFICIENTS)}",
                                          "family", curve))
            continue
        if any(m.values["family"].lower() != family or m.values["endpoint"] != first.values["endpoint"] for m in members):
            problems.append(first.problem("all rows of one curve must share family and endpoint", "family", curve))
            continue
        if first.values["endpoint"] not in ("pfs", "os"):
            problems.append(first.problem(f"unknown endpoint '{first.values['endpoint']}'; expected 'pfs' or 'os'",
                                          "endpoint", curve))
            continue
        by_name: dict[str, float] = {}
        for m in members:
            name = m.values["coefficient"]
            value = parse_float(m, "estimate", problems, f"{curve}.{name}")
            if name not in COEFFICIENTS[family]:
                problems.append(m.problem(f"'{name}' is not a {family} coefficient; expected {COEFFICIENTS[family]}",
                                          "coefficient", f"{curve}.{name}"))
            elif name in by_name:
                problems.append(m.problem("duplicated coefficient", "coefficient", f"{curve}.{name}"))
            elif value is not None:
                message = coefficient_problem(name, value)
                if message:
                    problems.append(m.problem(message, "estimate", f"{curve}.{name}"))
                by_name[name] = value
            if not m.values["source"]:
                problems.append(m.problem("blank source", "source", f"{curve}.{name}"))
        missing = [c for c in COEFFICIENTS[family] if c not in by_name]
        if missing:
            problems.append(first.problem(f"missing coefficient(s) {missing} for a {family} curve", "coefficient", curve))
            continue
        names = COEFFICIENTS[family]
        curves[curve] = CurveRows(curve, first.values["endpoint"], family, names, tuple(by_name[c] for c in names),
                                  None, first.values["source"], first.file, first.line)
    # covariance (long format, symmetric entries may be given once)
    cov: dict[str, np.ndarray] = {}
    cov_lines: dict[tuple[str, int, int], int] = {}
    link_lines: dict[tuple[str, str, str], int] = {}
    links: dict[str, dict[str, list[float]]] = {}
    for row in cov_rows:
        curve = row.values["curve"]
        if curve not in curves:
            problems.append(row.problem(f"covariance for unknown curve '{curve}' (not in survival_models.csv)", "curve", curve))
            continue
        names = curves[curve].coefficients
        a, b = row.values["coefficient_1"], row.values["coefficient_2"]
        value = parse_float(row, "covariance", problems, f"{curve}.{a}")
        linked = LINKED.fullmatch(b)
        if linked and a in names:  # cov(coefficient, ln parameter): the parameter is drawn with the curve
            entry = (curve, a, b)
            if entry in link_lines:
                problems.append(row.problem(f"covariance of ({a}, {b}) is given twice (first on line "
                                            f"{link_lines[entry]}); give each entry once", "covariance", f"{curve}.{a}"))
                continue
            link_lines[entry] = row.line
            if value is not None:
                links.setdefault(curve, {}).setdefault(linked.group(1), [0.0] * len(names))[names.index(a)] = value
            continue
        if a not in names or b not in names:
            problems.append(row.problem(f"coefficients must be among {names}", "coefficient_1", f"{curve}.{a}"))
            continue
        if value is None:
            continue
        m = cov.setdefault(curve, np.full((len(names), len(names)), np.nan))
        i, j = names.index(a), names.index(b)
        entry = (curve, min(i, j), max(i, j))
        if entry in cov_lines:
            same = "" if m[i, j] == value else f" with a different value ({m[i, j]:g})"
            problems.append(row.problem(f"covariance of ({a}, {b}) is given twice{same} (first on line "
                                        f"{cov_lines[entry]}); give each entry once (the matrix is symmetric)",
                                        "covariance", f"{curve}.{a}"))
            continue
        cov_lines[entry] = row.line
        m[i, j] = m[j, i] = value
    for curve, m in cov.items():
        rows_for = [r for r in cov_rows if r.values["curve"] == curve]
        if np.isnan(m).any():
            problems.append(rows_for[0].problem("covariance matrix incomplete: give every variance and covariance",
                                                "covariance", curve))
            continue
        eig = np.linalg.eigvalsh(m)
        if eig.min() < -1e-10 * max(1.0, abs(eig.max())) or np.any(np.diag(m) < 0):
            problems.append(rows_for[0].problem(f"covariance matrix is not positive semi-definite (eigenvalues "
                                                f"{', '.join(f'{e:.3g}' for e in eig)}); variances must be >= 0 and "
                                                "|covariance| <= sqrt(variance_1 · variance_2)", "covariance", curve))
            continue
        if np.diag(m).max() > MAX_COEFFICIENT_VARIANCE:
            k, names = int(np.argmax(np.diag(m))), curves[curve].coefficients
            problems.append(rows_for[0].problem(f"variance {np.diag(m)[k]:.4g} of {names[k]} is above "
                                                f"{MAX_COEFFICIENT_VARIANCE:g} (an SD of more than 1 on the log scale); "
                                                "is it a standard deviation or on the natural scale?", "covariance",
                                                f"{curve}.{names[k]}"))
            continue
        curves[curve] = replace(curves[curve], covariance=m)
    for curve, by_parameter in links.items():
        names = curves[curve].coefficients
        for pid in by_parameter:
            given = {a for (c, a, b), _ in link_lines.items() if c == curve and b == f"log({pid})"}
            if len(given) < len(names):  # a lost row would silently mean a covariance of 0
                first = min(line for (c, a, b), line in link_lines.items() if c == curve and b == f"log({pid})")
                problems.append(Problem(FILES["covariance"], f"covariance of log({pid}) with {curve}'s coefficient(s) "
                                        f"{[n for n in names if n not in given]} is missing: give one row per "
                                        "coefficient (0 if independent); a row may have been lost", first,
                                        "coefficient_2", f"{curve}.{pid}"))
        curves[curve] = replace(curves[curve], links=tuple((pid, tuple(v)) for pid, v in by_parameter.items()))
    return curves, problems


LINKED = re.compile(r"log\((\w+)\)")  # survival_covariance.csv: coefficient_2 = log(<parameter id>)


def link_problems(parameters: dict[str, ParameterRow], curves: dict[str, CurveRows]) -> list[Problem]:
    """A parameter linked to a curve's coefficients must be a log-normal parameter, and the joint covariance of
    (coefficients, ln parameter) must be positive semi-definite."""
    problems = []
    for curve in curves.values():
        for pid, cross in curve.links:
            row = parameters.get(pid)
            where = Problem(FILES["covariance"], "", parameter=f"{curve.id}.log({pid})")
            if row is None or row.distribution != "lognormal":
                problems.append(replace(where, message=f"log({pid}) must name a log-normal parameter in "
                                                       f"{FILES['parameters']}"))
                continue
            if curve.covariance is None:
                problems.append(replace(where, message="a linked parameter needs the curve's own covariance"))
                continue
            if not (row.ci_low and row.ci_high and 0 < row.ci_low < row.ci_high) and not (row.se and row.se > 0):
                continue  # the parameter's own row is reported as invalid by the parameter checks
            if joint_covariance(curve, pid, row) is None:
                problems.append(replace(where, message="covariance of the coefficients and the log parameter is not "
                                                       "positive semi-definite"))
    return problems


def log_sd(row: ParameterRow) -> float:
    """SD of ln(parameter) of a log-normal row (from its CI, else its se)."""
    if row.ci_low is not None and row.ci_high is not None:
        return (math.log(row.ci_high) - math.log(row.ci_low)) / (2 * 1.959963984540054)
    return float(row.se or 0.0)


def joint_covariance(curve: CurveRows, pid: str, row: ParameterRow) -> np.ndarray | None:
    """(k + 1)² covariance of (coefficients, ln parameter); None if not positive semi-definite."""
    cross = dict(curve.links)[pid]
    k = len(curve.coefficients)
    m = np.zeros((k + 1, k + 1))
    m[:k, :k] = curve.covariance
    m[:k, k] = m[k, :k] = cross
    m[k, k] = log_sd(row) ** 2
    eig = np.linalg.eigvalsh(m)
    return m if eig.min() >= -1e-10 * max(1.0, abs(eig.max())) else None


# --------------------------------------------------------------------------- structure
def _ids(text: str) -> tuple[str, ...]:
    return tuple(t for t in text.replace("*", " ").split() if t)


def _parse_structure(raw: dict[str, list[RawRow]], parameters: dict[str, ParameterRow], curves: dict[str, CurveRows],
                     life: tuple[tuple[int, ...], tuple[float, ...]]) -> tuple[ModelStructure | None, list[Problem]]:
    problems: list[Problem] = []
    known = set(parameters)

    def need_param(row: RawRow, column: str, pid: str) -> None:
        if pid and pid not in known:
            problems.append(row.problem(f"refers to unknown parameter '{pid}' (not in parameters.csv)", column, pid))

    arms: list[ArmSpec] = []
    for row in raw["arms"]:
        v = row.values
        arm_id = v["arm"]
        if not arm_id or any(ch.isspace() for ch in arm_id) or arm_id == "all":
            problems.append(row.problem("arm id must be non-empty, without spaces, and not 'all'", "arm", arm_id))
            continue
        if any(a.id == arm_id for a in arms):
            problems.append(row.problem("duplicated arm", "arm", arm_id))
            continue
        for endpoint in ("pfs", "os"):
            curve = v[f"{endpoint}_curve"]
            if curve not in curves:
                problems.append(row.problem(f"unknown curve '{curve}' (not in survival_models.csv)", f"{endpoint}_curve", arm_id))
                continue
            if curves[curve].endpoint != endpoint:
                problems.append(row.problem(f"curve '{curve}' is for {curves[curve].endpoint.upper()}; "
                                            f"{endpoint}_curve needs a {endpoint.upper()} curve", f"{endpoint}_curve", arm_id))
            hr, af = v.get(f"{endpoint}_hazard_ratio", ""), v.get(f"{endpoint}_acceleration_factor", "")
            need_param(row, f"{endpoint}_hazard_ratio", hr)
            need_param(row, f"{endpoint}_acceleration_factor", af)
            family = curves[curve].family
            if hr and af:
                problems.append(row.problem("give a hazard ratio or an acceleration factor, not both",
                                            f"{endpoint}_hazard_ratio", arm_id))
            if hr and family not in PROPORTIONAL_HAZARDS:
                problems.append(row.problem(f"a hazard ratio needs a proportional-hazards family "
                                            f"{sorted(PROPORTIONAL_HAZARDS)}; '{curve}' is {family} (use an acceleration factor)",
                                            f"{endpoint}_hazard_ratio", arm_id))
            if af and family not in ACCELERATED_FAILURE_TIME:
                problems.append(row.problem(f"an acceleration factor needs an AFT family; '{curve}' is {family}",
                                            f"{endpoint}_acceleration_factor", arm_id))
        need_param(row, "pd_death_rate", v.get("pd_death_rate", ""))
        n_randomised = parse_float(row, "n_randomised", problems, arm_id, required=False)
        if n_randomised is not None and n_randomised <= 0:
            problems.append(row.problem(f"n_randomised must be a positive number of patients randomised to the arm "
                                        f"(or blank: the arms weighted equally); got '{v['n_randomised']}'",
                                        "n_randomised", arm_id))
            n_randomised = None
        if n_randomised is not None and not v.get("n_randomised_source"):
            problems.append(row.problem("n_randomised needs its source (the publication that reports the "
                                        "randomisation) in n_randomised_source", "n_randomised_source", arm_id))
        arms.append(ArmSpec(id=arm_id, label=v["label"] or arm_id, pfs_curve=v["pfs_curve"], os_curve=v["os_curve"],
                            pfs_hazard_ratio=v.get("pfs_hazard_ratio") or None,
                            pfs_acceleration_factor=v.get("pfs_acceleration_factor") or None,
                            os_hazard_ratio=v.get("os_hazard_ratio") or None,
                            os_acceleration_factor=v.get("os_acceleration_factor") or None,
                            pd_death_rate=v.get("pd_death_rate") or None,
                            waning_reference=v.get("waning_reference") or None, n_randomised=n_randomised))
    arm_ids = {a.id for a in arms}
    for a, row in zip(arms, raw["arms"]):
        if a.waning_reference and a.waning_reference not in arm_ids:
            problems.append(row.problem(f"unknown arm '{a.waning_reference}'", "waning_reference", a.id))

    items: list[CostItem] = []
    seen_items: dict[tuple[str, str], int] = {}
    for row in raw["costs"]:
        v = row.values
        if not v["item"]:
            problems.append(row.problem("blank cost item name", "item"))
        elif (v["item"], v["arm"]) in seen_items:
            problems.append(row.problem(f"duplicated cost item for arm '{v['arm']}' (first on line "
                                        f"{seen_items[(v['item'], v['arm'])]}); it would be counted twice", "item", v["item"]))
        seen_items.setdefault((v["item"], v["arm"]), row.line)
        if v["arm"] != "all" and v["arm"] not in arm_ids:
            problems.append(row.problem(f"unknown arm '{v['arm']}'; expected 'all' or one of {sorted(arm_ids)}", "arm", v["item"]))
        if v["basis"] not in COST_BASES:
            problems.append(row.problem(f"unknown basis '{v['basis']}'; expected one of {COST_BASES}", "basis", v["item"]))
        if not v["category"]:
            problems.append(row.problem("blank cost category", "category", v["item"]))
        multiply, divide = _ids(v["multiply"]), _ids(v.get("divide", ""))
        if not multiply:
            problems.append(row.problem("no parameters to multiply", "multiply", v["item"]))
        for pid in multiply:
            need_param(row, "multiply", pid)
        for pid in divide:
            need_param(row, "divide", pid)
            if pid in parameters and parameters[pid].value == 0:
                problems.append(row.problem("divides by a parameter whose value is 0", "divide", pid))
        items.append(CostItem(v["item"], v["arm"], v["category"], v["basis"], multiply, divide, v.get("description", "")))

    events: list[AdverseEventSpec] = []
    seen_events: dict[str, int] = {}
    for row in raw["adverse_events"]:
        v = row.values
        if not v["event"]:
            problems.append(row.problem("blank adverse event name", "event"))
        elif v["event"] in seen_events:
            problems.append(row.problem(f"duplicated adverse event (first on line {seen_events[v['event']]}); it would "
                                        "be counted twice", "event", v["event"]))
        seen_events.setdefault(v["event"], row.line)
        if v["arm"] not in arm_ids:
            problems.append(row.problem(f"unknown arm '{v['arm']}'", "arm", v["event"]))
        for column in ("rate", "cost", "disutility", "duration_days"):
            need_param(row, column, v[column])
            if not v[column]:
                problems.append(row.problem("blank; expected a parameter id", column, v["event"]))
        events.append(AdverseEventSpec(v["event"], v["arm"], v["rate"], v["cost"], v["disutility"], v["duration_days"],
                                       v.get("label", "")))

    treatments, found = _parse_treatments(raw["treatments"], arm_ids, items, events, known)
    problems += found
    problems += _arm_specification_problems(arms, raw["arms"], items, events, treatments)

    for pid in ROLE_PARAMETERS:
        if pid not in parameters:
            problems.append(Problem(FILES["parameters"], "required parameter is missing (the model's state utilities, "
                                    "share of PFS events that are deaths, and general-population utility terms)",
                                    parameter=pid))
    if problems:
        return None, problems
    structure = ModelStructure(
        arms=tuple(arms),
        curves={cid: CurveSpec(cid, c.endpoint, c.family, c.coefficients) for cid, c in curves.items()},
        cost_items=tuple(items), adverse_events=tuple(events), utility_pf="u_pf", utility_pd="u_pd",
        pf_death_share="pf_death_share",
        gp_utility_terms=("gp_utility_intercept", "gp_utility_age", "gp_utility_age_squared"),
        life_table_ages=life[0], life_table_qx=life[1], treatments=tuple(treatments))
    return structure, problems


YES, NO = ("yes", "true", "1"), ("no", "false", "0", "")


def _arm_specification_problems(arms: list[ArmSpec], rows: list[RawRow], items: list[CostItem],
                                events: list[AdverseEventSpec], treatments: list[TreatmentSpec]) -> list[Problem]:
    """Every arm fully specified, whatever the number of arms: a label of its own, and rows of its own in the other
    tables.  An arm that is in arms.csv only (no drug in time_on_treatment.csv, no cost item of its own, no adverse
    event) is an error, as is an arm that takes a drug but has no adverse-event rows while other arms have some
    (give its rates, a parameter of value 0 where none occurred).  A drug-free arm (supportive care) names its
    costs in cost_items.csv.  Curves, costs for each state and the drugs' cost items are checked where those
    tables are read (cea.inputs.completeness)."""
    problems: list[Problem] = []
    labels: dict[str, str] = {}
    for arm, row in zip(arms, rows):
        if arm.label in labels:
            problems.append(row.problem(f"label '{arm.label}' is also the label of arm '{labels[arm.label]}'; each arm "
                                        "needs a label of its own (tables and figures name the arms by label)",
                                        "label", arm.id))
        labels.setdefault(arm.label, arm.id)
    with_drugs = {t.arm for t in treatments}
    with_items = {i.arm for i in items}
    with_events = {e.arm for e in events}
    for arm in arms:
        if arm.id not in with_drugs | with_items | with_events:
            problems.append(Problem(FILES["arms"], f"arm '{arm.id}' has no row in {FILES['treatments']} (its drugs and "
                                    f"time on treatment), {FILES['costs']} (costs of its own) or "
                                    f"{FILES['adverse_events']}: every arm needs its treatment, costs and adverse events",
                                    column="arm", parameter=arm.id))
        elif with_events and arm.id in with_drugs and arm.id not in with_events:
            problems.append(Problem(FILES["adverse_events"], f"arm '{arm.id}' takes "
                                    f"{sorted(t.drug for t in treatments if t.arm == arm.id)} ({FILES['treatments']}) but "
                                    f"has no adverse-event rows, while arms {sorted(with_events)} have; give its rates "
                                    "(a parameter of value 0 where none occurred)", column="arm", parameter=arm.id))
    return problems


def _parse_treatments(rows: list[RawRow], arm_ids: set[str], items: list[CostItem], events: list[AdverseEventSpec],
                      known: set[str]) -> tuple[list[TreatmentSpec], list[Problem]]:
    """time_on_treatment.csv: one row per (arm, drug).  Every per_day_on_treatment cost item is paid on exactly
    one drug's time on treatment, and every arm with adverse events names exactly one drug that times them."""
    problems: list[Problem] = []
    treatments: list[TreatmentSpec] = []
    drug_items = {(i.arm, i.id): i for i in items if i.basis == "per_day_on_treatment"}
    paid_on: dict[tuple[str, str], str] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        v = row.values
        arm, drug = v["arm"], v["drug"]
        if arm not in arm_ids:
            problems.append(row.problem(f"unknown arm '{arm}'; expected one of {sorted(arm_ids)}", "arm", drug))
        if not drug or any(ch.isspace() for ch in drug):
            problems.append(row.problem("drug must be non-empty and without spaces", "drug", drug))
        if (arm, drug) in seen:
            problems.append(row.problem(f"duplicated drug for arm '{arm}' (first on line {seen[(arm, drug)]})", "drug", drug))
        seen.setdefault((arm, drug), row.line)
        rate = v.get("discontinuation_rate", "")
        if rate and rate not in known:
            problems.append(row.problem(f"refers to unknown parameter '{rate}' (not in parameters.csv)",
                                        "discontinuation_rate", rate))
        listed = _ids(v.get("cost_items", ""))
        for item in listed:
            if (arm, item) not in drug_items:
                problems.append(row.problem(f"'{item}' is not a per_day_on_treatment cost item of arm '{arm}' in "
                                            "cost_items.csv", "cost_items", item))
            elif (arm, item) in paid_on:
                problems.append(row.problem(f"'{item}' is already paid on the time on '{paid_on[(arm, item)]}'; a cost "
                                            "item is paid on one drug only", "cost_items", item))
            else:
                paid_on[(arm, item)] = drug
        flag = v.get("times_adverse_events", "").strip().lower()
        if flag not in YES + NO:
            problems.append(row.problem(f"'{flag}' is not yes or no", "times_adverse_events", drug))
        treatments.append(TreatmentSpec(arm, drug, v.get("label") or drug, rate or None, listed, flag in YES))
    for (arm, item_id), item in drug_items.items():
        if (arm, item_id) not in paid_on:
            problems.append(Problem(FILES["costs"], f"per_day_on_treatment cost item of arm '{arm}' is paid on no "
                                    f"drug: list it in the cost_items column of {FILES['treatments']}"
                                    + (" (a drug cost needs a named arm, not 'all')" if arm == "all" else ""),
                                    parameter=item_id))
    for arm in sorted(arm_ids):
        timing = [t.drug for t in treatments if t.arm == arm and t.times_adverse_events]
        has_events = any(e.arm == arm for e in events)
        if has_events and len(timing) != 1:
            problems.append(Problem(FILES["treatments"], f"arm '{arm}' has adverse events, so exactly one of its drugs "
                                    f"needs times_adverse_events = yes (found {timing or 'none'})", parameter=arm))
    return treatments, problems


def _parse_life_table(rows: list[RawRow]) -> tuple[tuple[tuple[int, ...], tuple[float, ...]], list[Problem]]:
    problems: list[Problem] = []
    ages, qx = [], []
    for row in rows:
        age = parse_float(row, "age", problems, "age")
        q = parse_float(row, "qx", problems, f"qx at age {row.values['age']}")
        if age is None or q is None:
            continue
        if age != int(age) or age < 0:
            problems.append(row.problem(f"age {age:g} must be a whole number >= 0", "age"))
        elif ages and int(age) != ages[-1] + 1:
            problems.append(row.problem(f"ages must run in steps of one year; {int(age)} follows {ages[-1]}", "age"))
        if not 0 <= q <= 1:
            problems.append(row.problem(f"qx {q:g} is not a probability in [0, 1]", "qx", f"qx at age {int(age)}"))
        ages.append(int(age))
        qx.append(q)
    return (tuple(ages), tuple(qx)), problems


def _parse_scenarios(rows: list[RawRow]) -> tuple[tuple[ScenarioRow, ...], list[Problem]]:
    out, problems = [], []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        v = row.values
        if not v["scenario"] or not v["target"]:
            problems.append(row.problem("scenario and target must be non-empty", "target", v["target"] or None))
            continue
        if (v["scenario"], v["target"]) in seen:
            problems.append(row.problem(f"scenario '{v['scenario']}' sets '{v['target']}' twice (first on line "
                                        f"{seen[(v['scenario'], v['target'])]})", "target", v["target"]))
            continue
        seen[(v["scenario"], v["target"])] = row.line
        if v["value"] == "":
            problems.append(row.problem("blank value; expected the value the scenario gives the target", "value",
                                        v["target"]))
            continue
        out.append(ScenarioRow(v["scenario"], v["target"], v["value"], v["rationale"], row.file, row.line))
    return tuple(out), problems


def input_file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of this input set (sub-folders holding their own settings.toml are
    other input sets and are skipped; so are hidden files)."""
    hashes = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        nested = any((folder / Path(*relative.parts[:i]) / FILES["settings"]).is_file()
                     for i in range(1, len(relative.parts)))
        if path.is_file() and not nested and not any(part.startswith(".") for part in relative.parts):
            try:
                hashes[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                raise InputError(Problem(relative.as_posix(), f"cannot read the file: {exc.strerror or exc}")) from None
    return hashes


def _completeness_problems(raw: dict[str, list[RawRow]], settings: Settings, parameters: dict[str, ParameterRow],
                           curves: dict[str, CurveRows], structure: ModelStructure,
                           scenarios: tuple[ScenarioRow, ...]) -> list[Problem]:
    """Lost or duplicated rows that leave every table valid on its own (see cea.inputs.completeness)."""
    linked = [m.group(1) for row in raw["covariance"] if (m := LINKED.fullmatch(row.values["coefficient_2"]))]
    used = completeness.parameters_used(structure, scenarios, (settings.price_parameter, *settings.price_linked),
                                        ROLE_PARAMETERS + (ON_TREATMENT_DISUTILITY,), linked)
    event_lines = {row.values["event"]: row.line for row in raw["adverse_events"]}
    return (completeness.unused_parameter_problems(parameters, used)
            + completeness.cost_coverage_problems(structure, FILES["costs"])
            + completeness.adverse_event_coverage_problems(structure, event_lines, FILES["adverse_events"]))


def _data_file_problems(folder: Path, arm_ids: tuple[str, ...]) -> list[Problem]:
    """Validate the optional survival data (survival_data.csv and the files it names), validation targets and
    published analyses (cross-validation) and budget-impact inputs.

    The model's base case does not read them, but they are inputs: a bad row fails every command."""
    from cea.inputs.budget_impact import BUDGET_IMPACT_FILE, load_budget_impact
    from cea.inputs.population_norms import POPULATION_NORMS_FILE, load_population_norms
    from cea.inputs.published_analyses import PUBLISHED_ANALYSES_FILE, load_published_analyses
    from cea.inputs.references import REFERENCES_FILE, load_references
    from cea.inputs.submission import (BASELINE_FILE, SUBMISSION_FILE, load_baseline_characteristics,
                                       load_document_controls)
    from cea.inputs.survival_data import SURVIVAL_DATA_FILE, check_survival_data
    from cea.inputs.validation_targets import VALIDATION_TARGETS_FILE, load_validation_targets

    problems: list[Problem] = []
    for name, check in ((SURVIVAL_DATA_FILE, lambda: check_survival_data(folder)),
                        (VALIDATION_TARGETS_FILE, lambda: load_validation_targets(folder, arm_ids)),
                        (BUDGET_IMPACT_FILE, lambda: load_budget_impact(folder)),
                        (PUBLISHED_ANALYSES_FILE, lambda: load_published_analyses(folder)),
                        (POPULATION_NORMS_FILE, lambda: load_population_norms(folder)),
                        (REFERENCES_FILE, lambda: load_references(folder)),
                        (SUBMISSION_FILE, lambda: load_document_controls(folder)),
                        (BASELINE_FILE, lambda: load_baseline_characteristics(folder))):
        if not (folder / name).exists():
            missing = missing_file_problem(folder / name)
            if "found" in missing.message:  # e.g. survival_data.xlsx: present, but not as CSV
                problems.append(missing)
            continue
        try:
            check()
        except InputError as exc:
            problems += exc.problems
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:  # a loader's gap: still no traceback
            problems.append(Problem(name, f"could not be read: {type(exc).__name__}: {exc}"))
    return problems


def _scenario_problems(inputs: "ModelInputs") -> list[Problem]:
    """Apply every scenario of scenarios.csv once, so that a bad target or value is reported at load time
    (with its line) instead of when the scenario analysis runs."""
    from cea.inputs.overrides import apply_overrides, scenario_overrides

    lines = {(r.scenario, r.target): r.line for r in inputs.scenarios}
    problems: list[Problem] = []
    for name, overrides in scenario_overrides(inputs).items():
        try:
            apply_overrides(inputs, overrides, origin=FILES["scenarios"])
        except InputError as exc:
            for p in exc.problems:
                line = lines.get((name, p.parameter))
                problems.append(Problem(FILES["scenarios"], f"scenario '{name}': {p.message}", row=line,
                                        column="value" if line else None, parameter=p.parameter))
    return problems


def _published_analysis_problems(inputs: "ModelInputs") -> list[Problem]:
    """Apply the overrides of every row of published_analyses.csv once (as for scenarios), so that a bad
    re-run is reported at load time with its row."""
    from cea.inputs.published_analyses import PUBLISHED_ANALYSES_FILE, load_published_analyses, override_problems

    if not (inputs.folder / PUBLISHED_ANALYSES_FILE).is_file():
        return []
    return override_problems(inputs, load_published_analyses(inputs.folder))


# --------------------------------------------------------------------------- entry point
CSV_SPECS = {  # table -> (required columns, optional columns)
    "parameters": (PARAMETER_COLUMNS, ()),
    "survival": (("curve", "endpoint", "family", "coefficient", "estimate", "source"), ("notes",)),
    "covariance": (("curve", "coefficient_1", "coefficient_2", "covariance"), ("source",)),
    "arms": (("arm", "label", "pfs_curve", "os_curve"),
             ("pfs_hazard_ratio", "pfs_acceleration_factor", "os_hazard_ratio", "os_acceleration_factor",
              "pd_death_rate", "waning_reference", "n_randomised", "n_randomised_source")),
    "costs": (("item", "arm", "category", "basis", "multiply"), ("divide", "description")),
    "adverse_events": (("event", "arm", "rate", "cost", "disutility", "duration_days"), ("label",)),
    "treatments": (("arm", "drug", "cost_items", "times_adverse_events"), ("label", "discontinuation_rate", "source")),
    "life_table": (("age", "qx"), ("source",)),
    "scenarios": (("scenario", "target", "value", "rationale"), ()),
}


def load_inputs(folder: Path | str) -> ModelInputs:
    """Read, validate and assemble every input table in ``folder``; one InputError lists every problem."""
    folder = Path(folder)
    if folder.is_file():
        raise InputError(Problem(str(folder), "is a file; --inputs takes the folder that holds settings.toml, "
                                              "parameters.csv and the other input tables"))
    if not folder.is_dir():
        raise InputError(Problem(str(folder), "inputs folder does not exist or is not a folder"))
    if not any((folder / name).exists() for name in FILES.values()):
        raise InputError(Problem(str(folder), f"no model inputs in this folder; expected {', '.join(FILES.values())}"))
    problems: list[Problem] = []
    raw: dict[str, Any] = {}
    settings: Settings | None = None
    currency: str | None = None
    try:
        document = read_toml(folder / FILES["settings"])
        model = document.get("model")
        currency = model.get("currency") if isinstance(model, dict) and isinstance(model.get("currency"), str) else None
        settings = settings_module.from_mapping(settings_module.flatten(document, FILES["settings"]), FILES["settings"])
        currency = settings.currency
    except InputError as exc:
        problems += exc.problems
    for key, (required, optional) in CSV_SPECS.items():
        try:
            raw[key] = read_csv(folder / FILES[key], required, optional)
        except InputError as exc:
            problems += exc.problems
    # parse whatever could be read, so that one run reports as many problems as possible
    parameters, curves, life, scenarios = {}, {}, ((), ()), ()
    if "parameters" in raw and currency is not None:
        parameters, found = _parse_parameters(raw["parameters"], currency)
        problems += found + _check_dirichlet_groups(parameters)
    if "survival" in raw and "covariance" in raw:
        curves, found = _parse_curves(raw["survival"], raw["covariance"])
        problems += found
    if "life_table" in raw:
        life, found = _parse_life_table(raw["life_table"])
        problems += found
    if "scenarios" in raw:
        scenarios, found = _parse_scenarios(raw["scenarios"])
        problems += found
    problems += link_problems(parameters, curves) if parameters else []
    clash = set(parameters) & {f"{c}.{k}" for c, r in curves.items() for k in r.coefficients}
    problems += [Problem(FILES["parameters"], "id clashes with a survival coefficient", parameter=c) for c in clash]
    if problems:
        raise InputError(problems)
    structure, found = _parse_structure(raw, parameters, curves, life)
    problems += found
    lost_rows: list[Problem] = []  # reported last: a more specific problem (e.g. a bad scenario) explains an orphan
    if structure is not None:
        lost_rows = _completeness_problems(raw, settings, parameters, curves, structure, scenarios)
        problems += consistency_problems(settings, parameters, structure)
        problems += _data_file_problems(folder, structure.arm_ids)
    if problems:
        raise InputError(problems + lost_rows)
    parameters = with_net_prices(parameters, settings)  # a PAS discount: the priced rows hold the net price
    inputs = ModelInputs(folder, settings, parameters, curves, structure, scenarios, input_file_hashes(folder))
    problems = _scenario_problems(inputs) + _published_analysis_problems(inputs) + lost_rows
    if problems:
        raise InputError(problems)
    return inputs
