"""Survival data behind the fitted curves: ``survival_data.csv`` maps data files to model arms.

Columns: ``endpoint, arm, kind, file, label, numbers_at_risk_file, total_events, source``.

* ``kind = ipd``: ``file`` holds individual patient data with columns ``time, event`` and,
  when ``label`` is given, ``arm`` (the rows whose ``arm`` equals ``label`` belong to this
  model arm: the shipped OS file labels its arms eve_exe / pbo_exe).
* ``kind = digitised``: ``file`` holds digitised Kaplan–Meier coordinates ``time, survival``
  (survival on the 0–1 scale) and ``numbers_at_risk_file`` the published numbers at risk
  ``time, n_risk`` (starting at time 0); either file may carry an ``arm`` column filtered by
  ``label``.  ``total_events`` (optional) is the reported number of events.  The IPD is
  reconstructed with the Guyot et al. (2012) algorithm (:func:`cea.survival.guyot.reconstruct_ipd`),
  so digitised curves can be dropped in and refitted with no code change.

Paths are relative to the inputs folder and must stay inside it (no absolute paths, no
'..').  Every problem found is reported at once as one InputError naming file, row and
column.  Times are in months.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas is imported where a frame is built: validating IPD at load time needs none
    import pandas as pd

from cea.errors import InputError, Problem
from cea.inputs.readers import RawRow, read_csv
from cea.inputs.tables import MAX_TIME_MONTHS

SURVIVAL_DATA_FILE = "survival_data.csv"
COLUMNS = ("endpoint", "arm", "kind", "file", "label", "numbers_at_risk_file", "total_events", "source")
KINDS = ("ipd", "digitised")
ENDPOINTS = ("pfs", "os")


@dataclass(frozen=True)
class SurvivalDataset:
    """One model arm's data for one endpoint, as (time, event) after any reconstruction."""

    endpoint: str
    arm: str
    kind: str
    file: str
    label: str
    source: str
    data: pd.DataFrame  # columns time, event
    digitised: pd.DataFrame | None = None  # the digitised coordinates (kind 'digitised')
    numbers_at_risk: pd.DataFrame | None = None


def _relative_path(row: RawRow, column: str, folder: Path, problems: list[Problem]) -> Path | None:
    """The file named in ``column``, resolved inside ``folder``; None (and a problem) otherwise."""
    text = row.values.get(column, "")
    if not text:
        problems.append(row.problem("blank; expected a file path relative to the inputs folder", column, text or None))
        return None
    posix = PurePosixPath(text.replace("\\", "/"))
    if posix.is_absolute() or PureWindowsPath(text).drive or PureWindowsPath(text).is_absolute():
        problems.append(row.problem(f"'{text}' is an absolute path; give a path relative to the inputs folder "
                                    "(e.g. evidence/my_km.csv)", column, text))
        return None
    if ".." in posix.parts:
        problems.append(row.problem(f"'{text}' leaves the inputs folder ('..'); data files must be inside it",
                                    column, text))
        return None
    path = folder.joinpath(*posix.parts)
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except OSError:
        inside = False
    if not inside:
        problems.append(row.problem(f"'{text}' resolves outside the inputs folder (symbolic link?)", column, text))
        return None
    if not path.is_file():
        problems.append(row.problem(f"file '{text}' does not exist in {folder}", column, text))
        return None
    return path


def _read_table(path: Path, shown: str, required: tuple[str, ...], optional: tuple[str, ...],
                problems: list[Problem]) -> list[RawRow] | None:
    """read_csv with problems re-labelled by the path relative to the inputs folder."""
    try:
        rows = read_csv(path, required, optional)
    except InputError as exc:
        problems += [Problem(shown, p.message, p.row, p.column, p.parameter) for p in exc.problems]
        return None
    return [RawRow(shown, r.line, r.values) for r in rows]


def _select(rows: list[RawRow], label: str, shown: str, problems: list[Problem], where: RawRow) -> list[RawRow]:
    """Rows of one arm: all rows when ``label`` is blank, else those whose 'arm' equals it."""
    has_arm = "arm" in rows[0].values
    if not label:
        if has_arm and len({r.values["arm"] for r in rows}) > 1:
            problems.append(where.problem(f"'{shown}' holds several arms {sorted({r.values['arm'] for r in rows})}; "
                                          "give the one for this row in 'label'", "label"))
            return []
        return rows
    if not has_arm:
        problems.append(where.problem(f"label '{label}' given but '{shown}' has no 'arm' column", "label", label))
        return []
    chosen = [r for r in rows if r.values["arm"] == label]
    if not chosen:
        problems.append(where.problem(f"no rows with arm '{label}' in '{shown}'; it has "
                                      f"{sorted({r.values['arm'] for r in rows})}", "label", label))
    return chosen


def _number(row: RawRow, column: str, problems: list[Problem]) -> float | None:
    text = row.values.get(column, "")
    try:
        value = float(text)
    except ValueError:
        problems.append(row.problem(f"'{text}' is not a number", column))
        return None
    if not math.isfinite(value):
        problems.append(row.problem(f"'{text}' is not a finite number", column))
        return None
    return value


def _ipd(rows: list[RawRow], problems: list[Problem]) -> dict[str, np.ndarray] | None:
    """Checked (time, event) columns of individual patient data; None (and problems) when any row is bad."""
    before = len(problems)
    times, events = [], []
    for r in rows:
        t, e = _number(r, "time", problems), _number(r, "event", problems)
        if t is not None and t < 0:
            problems.append(r.problem(f"time {t:g} is negative; times are months since randomisation (>= 0)", "time"))
        elif t is not None and t > MAX_TIME_MONTHS:
            problems.append(r.problem(f"time {t:g} is implausible: more than {MAX_TIME_MONTHS:g} months (100 years) "
                                      "since randomisation; times are in months", "time"))
        if e is not None and e not in (0.0, 1.0):
            problems.append(r.problem(f"event {e:g} must be 1 (event) or 0 (censored)", "event"))
        times.append(t)
        events.append(e)
    if len(problems) > before:
        return None
    if sum(events) == 0:
        problems.append(rows[0].problem("no events in this arm: nothing to fit", "event"))
        return None
    return {"time": np.asarray(times, dtype=float), "event": np.asarray(events, dtype=int)}


def _digitised(rows: list[RawRow], problems: list[Problem]) -> pd.DataFrame | None:
    import pandas as pd

    before = len(problems)
    points: list[tuple[float, float]] = []
    for r in rows:
        t, s = _number(r, "time", problems), _number(r, "survival", problems)
        if t is None or s is None:
            continue
        if t < 0:
            problems.append(r.problem(f"time {t:g} is negative; expected months >= 0", "time"))
        elif t > MAX_TIME_MONTHS:
            problems.append(r.problem(f"time {t:g} is implausible: more than {MAX_TIME_MONTHS:g} months (100 years); "
                                      "times are in months", "time"))
        if not 0 <= s <= 1:
            problems.append(r.problem(f"survival {s:g} is outside [0, 1] (give proportions, not percentages)",
                                      "survival"))
        if points and t < points[-1][0]:
            problems.append(r.problem(f"time {t:g} is before the previous point's {points[-1][0]:g}; list the "
                                      "coordinates in time order", "time"))
        elif points and s > points[-1][1] + 1e-12:
            problems.append(r.problem(f"survival rises from {points[-1][1]:g} to {s:g}; Kaplan–Meier coordinates "
                                      "must be non-increasing (fix the digitisation)", "survival"))
        points.append((t, s))
    if len(problems) > before:
        return None
    return pd.DataFrame(points, columns=["time", "survival"])


def _at_risk(rows: list[RawRow], problems: list[Problem]) -> pd.DataFrame | None:
    import pandas as pd

    before = len(problems)
    points: list[tuple[float, float]] = []
    for r in rows:
        t, n = _number(r, "time", problems), _number(r, "n_risk", problems)
        if t is None or n is None:
            continue
        if n < 0 or n != int(n):
            problems.append(r.problem(f"n_risk {n:g} must be a whole number >= 0", "n_risk"))
        if not 0 <= t <= MAX_TIME_MONTHS:
            problems.append(r.problem(f"time {t:g} must be in [0, {MAX_TIME_MONTHS:g}] months", "time"))
        if points and t <= points[-1][0]:
            problems.append(r.problem(f"time {t:g} does not follow {points[-1][0]:g}; times must increase", "time"))
        elif points and n > points[-1][1]:
            problems.append(r.problem(f"n_risk rises from {points[-1][1]:g} to {n:g}; numbers at risk must be "
                                      "non-increasing", "n_risk"))
        points.append((t, n))
    if len(problems) > before:
        return None
    if not points or points[0][0] != 0:
        problems.append(rows[0].problem("the numbers-at-risk table must start at time 0", "time"))
        return None
    return pd.DataFrame(points, columns=["time", "n_risk"])


def _model_arms(folder: Path) -> set[str] | None:
    """Arm ids of arms.csv (None when it cannot be read: load_inputs reports that)."""
    import csv

    try:
        with open(folder / "arms.csv", encoding="utf-8-sig", newline="") as stream:
            return {row["arm"].strip() for row in csv.DictReader(stream) if row.get("arm")}
    except (OSError, KeyError, UnicodeDecodeError, csv.Error):
        return None


def read_survival_datasets(inputs_folder: Path | str) -> list[SurvivalDataset]:
    """Every dataset of ``survival_data.csv`` with its (time, event) data, in file order."""
    return _read_datasets(inputs_folder, frames=True)


def check_survival_data(inputs_folder: Path | str) -> None:
    """Raise InputError for every problem in ``survival_data.csv`` and the files it names, exactly as
    read_survival_datasets would, without building the data frames (so that loading the inputs for the
    base case does not import pandas when the data are individual patient data)."""
    _read_datasets(inputs_folder, frames=False)


def _read_datasets(inputs_folder: Path | str, frames: bool) -> list[SurvivalDataset]:
    folder = Path(inputs_folder)
    rows = read_csv(folder / SURVIVAL_DATA_FILE, COLUMNS[:5] + ("source",), ("numbers_at_risk_file", "total_events"))
    arms = _model_arms(folder)
    problems: list[Problem] = []
    out: list[SurvivalDataset] = []
    seen: dict[tuple[str, str], int] = {}
    file_arms: dict[tuple[str, str], tuple[set[str], set[str], int]] = {}  # (endpoint, file) -> (arms, mapped, line)
    for row in rows:
        v = row.values
        endpoint, arm, kind, label = v["endpoint"].lower(), v["arm"], v["kind"].lower(), v["label"]
        before = len(problems)
        if endpoint not in ENDPOINTS:
            problems.append(row.problem(f"unknown endpoint '{v['endpoint']}'; expected one of {ENDPOINTS}", "endpoint"))
        if arms is not None and arm not in arms:
            problems.append(row.problem(f"unknown arm '{arm}'; expected one of {sorted(arms)} (arms.csv)", "arm", arm))
        if kind not in KINDS:
            problems.append(row.problem(f"unknown kind '{v['kind']}'; expected one of {KINDS}", "kind"))
        if (endpoint, arm) in seen:
            problems.append(row.problem(f"second dataset for {endpoint} / {arm} (first on line {seen[(endpoint, arm)]})",
                                        "arm", arm))
        seen.setdefault((endpoint, arm), row.line)
        if not v["source"]:
            problems.append(row.problem("blank source; cite where the data come from", "source"))
        path = _relative_path(row, "file", folder, problems)
        if len(problems) > before or path is None:
            continue
        shown = PurePosixPath(v["file"].replace("\\", "/")).as_posix()
        if kind == "ipd":
            table = _read_table(path, shown, ("time", "event"), ("arm",), problems)
            if table is None:
                continue
            selected = _select(table, label, shown, problems, row)
            if table and "arm" in table[0].values:
                entry = file_arms.setdefault((endpoint, shown), ({r.values["arm"] for r in table}, set(), row.line))
                entry[1].add(label)
            data = _ipd(selected, problems) if selected else None
            if data is not None and frames:
                import pandas as pd

                out.append(SurvivalDataset(endpoint, arm, kind, shown, label, v["source"], pd.DataFrame(data)))
            continue
        # digitised
        risk_path = _relative_path(row, "numbers_at_risk_file", folder, problems)
        total_events = None
        if v.get("total_events", ""):
            value = _number(row, "total_events", problems)
            if value is not None and (value < 0 or value != int(value)):
                problems.append(row.problem(f"total_events {value:g} must be a whole number >= 0", "total_events"))
            elif value is not None:
                total_events = int(value)
        if risk_path is None:
            continue
        risk_shown = PurePosixPath(v["numbers_at_risk_file"].replace("\\", "/")).as_posix()
        curve_rows = _read_table(path, shown, ("time", "survival"), ("arm",), problems)
        risk_rows = _read_table(risk_path, risk_shown, ("time", "n_risk"), ("arm",), problems)
        if curve_rows is None or risk_rows is None:
            continue
        curve_rows = _select(curve_rows, label, shown, problems, row)
        risk_rows = _select(risk_rows, label, risk_shown, problems, row)
        if not curve_rows or not risk_rows:
            continue
        curve, risk = _digitised(curve_rows, problems), _at_risk(risk_rows, problems)
        if curve is None or risk is None:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                data = reconstruct(curve, risk, total_events)
        except ValueError as exc:
            problems.append(row.problem(f"Guyot reconstruction failed: {exc}", "file", shown))
            continue
        out.append(SurvivalDataset(endpoint, arm, kind, shown, label, v["source"], data, curve, risk))
    for (endpoint, shown), (labels, used, line) in file_arms.items():  # a lost row leaves a file's arm unmapped
        for label in sorted(labels - used):
            problems.append(Problem(SURVIVAL_DATA_FILE, f"'{shown}' holds {endpoint} data for arm '{label}' but no row "
                                    f"of {SURVIVAL_DATA_FILE} maps it to a model arm (a lost row?)", row=line,
                                    column="label", parameter=label))
    if problems:
        raise InputError(problems)
    return out


def reconstruct(curve: pd.DataFrame, risk: pd.DataFrame, total_events: int | None = None) -> pd.DataFrame:
    """IPD (time, event) from digitised coordinates and numbers at risk (Guyot et al. 2012)."""
    from cea.survival.guyot import reconstruct_ipd

    ipd = reconstruct_ipd(curve["time"], curve["survival"], risk["time"], risk["n_risk"], total_events)
    return ipd.sort_values(["time", "event"], kind="stable").reset_index(drop=True)


def load_survival_data(inputs_folder: Path | str) -> dict[tuple[str, str], pd.DataFrame]:
    """{(endpoint, model arm): DataFrame(time, event)} for every row of ``survival_data.csv``."""
    return {(d.endpoint, d.arm): d.data for d in read_survival_datasets(inputs_folder)}


def has_survival_data(inputs_folder: Path | str) -> bool:
    return (Path(inputs_folder) / SURVIVAL_DATA_FILE).is_file()
