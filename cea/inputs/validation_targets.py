"""Validation targets (``validation_targets.csv``): what ``cea validate`` compares the model with.

Columns: ``check, arm, metric, time_months, target, lower, upper, tolerance, source``.

metric: ``<endpoint>_median`` (months), ``<endpoint>_landmark`` (survival at ``time_months``),
``<endpoint>_rmst`` (restricted mean to ``time_months``, months) with endpoint ``pfs`` or
``os``, and ``dead_at_horizon`` (share dead at the last cycle).

* ``target`` blank: taken from the Kaplan–Meier estimate of the arm's data in
  ``survival_data.csv`` (median, S(t) or restricted mean).
* The accepted band is ``lower``–``upper`` when given, else ``target ± tolerance``; for a
  landmark with neither, the Kaplan–Meier 95% (log–log) confidence interval.
Every number is in the file; the source column says where it comes from (and which
tolerances are our own choice).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cea.errors import InputError, Problem
from cea.inputs.readers import parse_float, read_csv
from cea.inputs.tables import MAX_TIME_MONTHS

VALIDATION_TARGETS_FILE = "validation_targets.csv"
COLUMNS = ("check", "arm", "metric", "time_months", "target", "lower", "upper", "tolerance", "source")
ENDPOINT_METRICS = ("median", "landmark", "rmst")
METRICS = tuple(f"{e}_{m}" for e in ("pfs", "os") for m in ENDPOINT_METRICS) + ("dead_at_horizon",)


@dataclass(frozen=True)
class ValidationTarget:
    check: str
    arm: str
    metric: str
    time_months: float | None
    target: float | None  # None: from the Kaplan–Meier estimate of the data
    lower: float | None
    upper: float | None
    tolerance: float | None
    source: str
    file: str
    line: int

    @property
    def endpoint(self) -> str | None:
        return None if self.metric == "dead_at_horizon" else self.metric.split("_", 1)[0]

    @property
    def statistic(self) -> str:
        return self.metric if self.metric == "dead_at_horizon" else self.metric.split("_", 1)[1]

    def problem(self, message: str, column: str | None = None) -> Problem:
        return Problem(self.file, message, row=self.line, column=column, parameter=self.check)


def load_validation_targets(inputs_folder: Path | str, arms: tuple[str, ...] | None = None) -> tuple[ValidationTarget, ...]:
    """Read and check ``validation_targets.csv``; all problems reported at once."""
    rows = read_csv(Path(inputs_folder) / VALIDATION_TARGETS_FILE, ("check", "arm", "metric", "source"),
                    COLUMNS[3:8])
    problems: list[Problem] = []
    out: list[ValidationTarget] = []
    names: dict[str, int] = {}
    for row in rows:
        v = row.values
        name, before = v["check"], len(problems)
        if not name or any(ch.isspace() for ch in name):
            problems.append(row.problem("check name must be non-empty without spaces", "check", name or None))
        elif name in names:
            problems.append(row.problem(f"duplicated check (first on line {names[name]})", "check", name))
        names.setdefault(name, row.line)
        if arms is not None and v["arm"] not in arms:
            problems.append(row.problem(f"unknown arm '{v['arm']}'; expected one of {list(arms)}", "arm", name))
        if v["metric"] not in METRICS:
            problems.append(row.problem(f"unknown metric '{v['metric']}'; expected one of {METRICS}", "metric", name))
        if not v["source"]:
            problems.append(row.problem("blank source; say where the target comes from", "source", name))
        num = {c: parse_float(row, c, problems, name, required=False)
               for c in ("time_months", "target", "lower", "upper", "tolerance")}
        if len(problems) > before:
            continue
        metric = v["metric"]
        if metric.endswith(("_landmark", "_rmst")) and (num["time_months"] is None or num["time_months"] <= 0):
            problems.append(row.problem(f"{metric} needs time_months > 0", "time_months", name))
        if num["time_months"] is not None and num["time_months"] > MAX_TIME_MONTHS:
            problems.append(row.problem(f"time_months {num['time_months']:g} is more than {MAX_TIME_MONTHS:g} months "
                                        "(100 years); times are in months", "time_months", name))
        if metric == "dead_at_horizon" and num["target"] is None:
            problems.append(row.problem("dead_at_horizon needs a target (there is no data to take it from)",
                                        "target", name))
        if (num["lower"] is None) != (num["upper"] is None):
            problems.append(row.problem("give both lower and upper, or neither", "lower", name))
        elif num["lower"] is not None and num["lower"] > num["upper"]:
            problems.append(row.problem(f"lower {num['lower']:g} exceeds upper {num['upper']:g}", "lower", name))
        if num["tolerance"] is not None and (num["tolerance"] < 0 or num["lower"] is not None):
            problems.append(row.problem("tolerance must be >= 0 and is not combined with lower/upper",
                                        "tolerance", name))
        if num["lower"] is None and num["tolerance"] is None and not metric.endswith("_landmark"):
            problems.append(row.problem("give lower/upper or a tolerance (only landmarks default to the "
                                        "Kaplan–Meier 95% CI)", "tolerance", name))
        out.append(ValidationTarget(name, v["arm"], metric, num["time_months"], num["target"], num["lower"],
                                    num["upper"], num["tolerance"], v["source"], row.file, row.line))
    problems += _coverage_problems(out, arms)
    if problems:
        raise InputError(problems)
    return tuple(out)


def _coverage_problems(targets: list[ValidationTarget], arms: tuple[str, ...] | None) -> list[Problem]:
    """The same check twice for one arm (metric and time_months) is a row pasted twice.  A check given for some
    arms only is allowed: a publication may report a target for one arm (TamRAD reports OS for one arm)."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str, float | None], ValidationTarget] = {}
    for t in targets:
        key = (t.arm, t.metric, t.time_months)
        if key in seen:
            problems.append(t.problem(f"{t.metric}{'' if t.time_months is None else f' at {t.time_months:g} months'} "
                                      f"for arm '{t.arm}' is already checked on line {seen[key].line} "
                                      f"('{seen[key].check}'); a duplicated row?", "metric"))
        seen.setdefault(key, t)
    return problems
