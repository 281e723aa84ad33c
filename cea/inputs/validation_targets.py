"""Validation targets (``validation_targets.csv``): what ``cea validate`` compares the model with.

Columns: ``check, kind, arm, metric, time_months, target, lower, upper, tolerance, published, source``.

kind (AdViSHE; Vemer et al. 2016): ``internal`` — dependent validation against data the model's
curves were fitted or calibrated to (it shows the fit is implemented as intended, not that the
model predicts); ``same_trial`` — dependent validation against another data cut of the same trial
(not used in fitting, but the same patients, so it cannot show predictive validity); ``external`` —
independent validation against data from other patients (another study, a registry), never used to
build the model; ``structural`` — a property the model must have whatever the data (e.g. everyone
dead by the horizon).

metric: ``<endpoint>_median`` (months), ``<endpoint>_landmark`` (survival at ``time_months``),
``<endpoint>_rmst`` (restricted mean to ``time_months``, months) with endpoint ``pfs`` or
``os``; ``os_hazard_ratio`` (average OS hazard ratio of ``arm`` against the comparator to
``time_months``: the ratio of cumulative hazards, ln S_arm(t) / ln S_comparator(t), which equals
the HR exactly under proportional hazards); and ``dead_at_horizon`` (share dead at the last cycle).

``published``: the published value of the same statistic, when the target is not it (a
Kaplan–Meier median of reconstructed IPD is 30.8 where the paper says 31.0): shown beside the
target so that a reconstructed figure is never presented as the published one.

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
COLUMNS = ("check", "kind", "arm", "metric", "time_months", "target", "lower", "upper", "tolerance", "published",
           "source")
NUMERIC = ("time_months", "target", "lower", "upper", "tolerance", "published")
KINDS = ("internal", "same_trial", "external", "structural")
DEPENDENT_KINDS = ("internal", "same_trial")  # the same trial's patients: never independent validation (AdViSHE D4)
FINDING_KINDS = ("same_trial", "external")  # not fitted to: a result outside the band is a finding, not an error
ENDPOINT_METRICS = ("median", "landmark", "rmst")
METRICS = tuple(f"{e}_{m}" for e in ("pfs", "os") for m in ENDPOINT_METRICS) + ("os_hazard_ratio", "dead_at_horizon")


@dataclass(frozen=True)
class ValidationTarget:
    check: str
    kind: str
    arm: str
    metric: str
    time_months: float | None
    target: float | None  # None: from the Kaplan–Meier estimate of the data
    lower: float | None
    upper: float | None
    tolerance: float | None
    published: float | None
    source: str
    file: str
    line: int

    @property
    def endpoint(self) -> str | None:
        return None if self.metric == "dead_at_horizon" else self.metric.split("_", 1)[0]

    @property
    def statistic(self) -> str:
        return self.metric if self.metric == "dead_at_horizon" else self.metric.split("_", 1)[1]

    @property
    def target_basis(self) -> str:
        """Where the target number comes from: stated in the file, or the Kaplan–Meier of the data."""
        return "stated" if self.target is not None else "kaplan_meier_of_survival_data"

    def problem(self, message: str, column: str | None = None) -> Problem:
        return Problem(self.file, message, row=self.line, column=column, parameter=self.check)


def load_validation_targets(inputs_folder: Path | str, arms: tuple[str, ...] | None = None) -> tuple[ValidationTarget, ...]:
    """Read and check ``validation_targets.csv``; all problems reported at once."""
    rows = read_csv(Path(inputs_folder) / VALIDATION_TARGETS_FILE, ("check", "kind", "arm", "metric", "source"),
                    NUMERIC)
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
        if v["kind"] not in KINDS:
            problems.append(row.problem(f"unknown kind '{v['kind']}'; expected one of {list(KINDS)} (internal: data the "
                                        "curves were fitted or calibrated to; same_trial: another data cut of the "
                                        "same trial; external: other patients' data, not used to build the "
                                        "model)", "kind", name))
        if v["metric"] not in METRICS:
            problems.append(row.problem(f"unknown metric '{v['metric']}'; expected one of {METRICS}", "metric", name))
        if not v["source"]:
            problems.append(row.problem("blank source; say where the target comes from", "source", name))
        num = {c: parse_float(row, c, problems, name, required=False) for c in NUMERIC}
        if len(problems) > before:
            continue
        metric = v["metric"]
        if metric.endswith(("_landmark", "_rmst", "_hazard_ratio")) and (num["time_months"] is None
                                                                          or num["time_months"] <= 0):
            problems.append(row.problem(f"{metric} needs time_months > 0", "time_months", name))
        if num["time_months"] is not None and num["time_months"] > MAX_TIME_MONTHS:
            problems.append(row.problem(f"time_months {num['time_months']:g} is more than {MAX_TIME_MONTHS:g} months "
                                        "(100 years); times are in months", "time_months", name))
        if metric in ("dead_at_horizon", "os_hazard_ratio") and num["target"] is None:
            problems.append(row.problem(f"{metric} needs a target (there is no data to take it from)",
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
        out.append(ValidationTarget(name, v["kind"], v["arm"], metric, num["time_months"], num["target"], num["lower"],
                                    num["upper"], num["tolerance"], num["published"], v["source"], row.file, row.line))
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
