"""Build the payer workbook (`cea excel`, `cea all`): run the registered sheet writers, compute every
formula's value, write the file atomically.

Sheets: Cover, Inputs, Results, Surv <arm> and Trace <arm> per arm, DSA, Scenarios, PSA, Validation,
Life table, then any other registered sheet family.  Every formula mirrors cea.engine; the test
suite recalculates the file in LibreOffice and checks the Results against the engine to a relative
1e-9, also after editing inputs, and checks the cached values (computed here) the same way.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from cea.analyses.base_case import BaseCaseResult
from cea.inputs.model_inputs import ModelInputs
from cea.version import __version__
from cea.workbook.registry import _writers
from cea.workbook.core import Book, cyclic_gc_paused
from cea.workbook.cover import build_cover
from cea.workbook.evaluate import evaluate_book
from cea.workbook.data_table import mark_data_tables
from cea.workbook.dsa import plan_dsa
from cea.workbook.inputs import INPUTS, LIFE
from cea.workbook.psa import plan_draws
from cea.workbook.results import RESULTS, VALIDATION
from cea.workbook.strategies import PSA_STRATEGIES
from cea.workbook.xlsx import write_xlsx


def build_book(inputs: ModelInputs, base_case: BaseCaseResult, *, dsa: pd.DataFrame | None = None,
               scenarios: pd.DataFrame | None = None, psa: pd.DataFrame | None = None,
               ceac: pd.DataFrame | None = None, validation: pd.DataFrame | None = None,
               manifest: dict[str, Any] | None = None, max_horizon_years: float | None = None,
               **analyses: Any) -> Book:
    """The model as an in-memory Book (sheets of cells, names, charts); no values computed yet.

    The traces get rows for ``max_horizon_years`` (default: the run's horizon plus HORIZON_MARGIN_YEARS) at
    the run's cycle length, and never fewer than the run's own horizon needs: a shorter horizon or longer cycle entered in
    the workbook gives later rows zero weight; a horizon needing more rows is refused (#N/A and a named
    check), never truncated."""
    book = Book(inputs, n_rows=trace_rows(inputs.settings, max_horizon_years),
                analyses={"base_case": base_case, "dsa": dsa, "scenarios": scenarios, "psa": psa, "ceac": ceac,
                          "validation": validation, **analyses},
                manifest=manifest if manifest is not None else base_case.manifest.to_dict())
    plan_dsa(book)
    plan_draws(book)
    cover = book.add_sheet("Cover")
    for registration in _writers():
        registration.write(book)
    order = ["Cover", INPUTS, RESULTS, "Budget impact"]
    for arm in inputs.structure.arm_ids:
        order += [book.surv[arm], book.trace[arm]]
    order += ["BIA cycles", "DSA", "Scenarios", "PSA", PSA_STRATEGIES, "PSA draws", "PSA fresh draws", VALIDATION, LIFE]
    book.order(order)
    build_cover(book, cover)
    for title, sheet in book.sheets.items():
        sheet.gridlines = title != "Cover"
    return book


HORIZON_MARGIN_YEARS = 5.0  # rows beyond the run's horizon: room to lengthen it in the workbook


def default_max_horizon_years(settings: Any) -> float:
    """Years of trace rows when none are asked for: the run's horizon plus HORIZON_MARGIN_YEARS.  Every
    model evaluation (an edit, a PSA iteration, a DSA row) computes every row, so rows beyond what the run
    can use are pure cost; a longer horizon is refused in the workbook, never truncated."""
    return float(settings.horizon_years) + HORIZON_MARGIN_YEARS


def trace_rows(settings: Any, max_horizon_years: float | None = None) -> int:
    """Cycles laid out on every trace: enough for max_horizon_years at the run's cycle length."""
    years = default_max_horizon_years(settings) if max_horizon_years is None else max_horizon_years
    return max(settings.n_cycles, int(math.ceil(years / settings.cycle_years - 1e-9)))


# One companion file per live data table, beside the model: model.xlsx -> model_psa.xlsx (the PSA table live, the
# DSA range as cached numbers) and model_dsa.xlsx (the DSA table live, the PSA range as cached numbers).  In
# LibreOffice a data table makes every edit re-evaluate the whole model once per table cell, and a second table in
# the same file made every cell of the first about 60 ms slower after an edit (README, 'The payer workbook').
TABLE_FILES = {"psa": "PSA", "dsa": "DSA"}  # companion key (file-name suffix) -> the sheet of its data table
LEGACY_TABLES_SUFFIX = "_tables"  # the single companion with both tables that earlier versions wrote


def table_paths(path: Path | str) -> dict[str, Path]:
    """The workbooks with a live data table written beside ``path``: {"psa": model_psa.xlsx, "dsa": model_dsa.xlsx}
    for model.xlsx."""
    path = Path(path)
    return {key: path.with_name(f"{path.stem}_{key}{path.suffix}") for key in TABLE_FILES}


def _legacy_tables_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}{LEGACY_TABLES_SUFFIX}{path.suffix}")


def write_workbook(path: Path | str, inputs: ModelInputs, base_case: BaseCaseResult, **kwargs: Any) -> Path:
    """Build and evaluate the workbook once and save it atomically (a temporary file in the same folder, then
    rename) as ``path``: the whole model, live, with the PSA and DSA tables holding the engine's results.
    For each data table the workbook has (the engine's PSA draws or DSA were given) the same cells are saved again
    as ``table_paths(path)[key]`` with that one table live (Excel: Data Table; LibreOffice: MULTIPLE.OPERATIONS),
    the other table's range left as its cached numbers: LibreOffice recomputes a data table on opening and after
    every edit, each cell at the cost of a model evaluation, so the file a payer opens and edits has none, and a
    file with a live table has only one (README, 'The payer workbook').  Companions of an earlier export that this
    one does not write (and the old model_tables.xlsx) are removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with cyclic_gc_paused():
        return _write_files(path, inputs, base_case, **kwargs)


def _write_files(path: Path, inputs: ModelInputs, base_case: BaseCaseResult, **kwargs: Any) -> Path:
    book = build_book(inputs, base_case, **kwargs)
    values = evaluate_book(book)
    companions = table_paths(path)
    targets = [(path, [])]
    for key, sheet in TABLE_FILES.items():
        tables = [t for t in book.data_tables if t[0] == sheet]
        if tables:
            targets.append((companions[key], tables))
    unknown = [t for t in book.data_tables if t[0] not in TABLE_FILES.values()]
    if unknown:
        raise ValueError(f"data tables on sheets without a companion file: {unknown}")
    temporaries = []
    try:
        for i, (target, tables) in enumerate(targets):
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".xlsx")
            os.close(handle)
            temporaries.append(temporary)
            if i == 0:
                write_xlsx(book, values, Path(temporary), title=inputs.settings.title, creator=f"cea {__version__}")
            else:
                shutil.copyfile(temporaries[0], temporary)
            if tables:  # the file without tables is already as wanted (automatic, no recalculation on load)
                mark_data_tables(Path(temporary), tables)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        for (target, _), temporary in reversed(list(zip(targets, temporaries))):
            os.replace(temporary, target)
        written = {target for target, _ in targets}
        for stale in [*companions.values(), _legacy_tables_path(path)]:
            if stale not in written and stale.exists():
                stale.unlink()  # a stale companion of an earlier export would not match this one
    finally:
        for temporary in temporaries:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path


def results_layout(inputs: ModelInputs) -> dict[str, str]:
    """{result path (as in BaseCaseResult.to_dict(), dotted): 'Results' cell coordinate}."""
    from cea.workbook.inputs import build_inputs
    from cea.workbook.model import trace_columns
    from cea.workbook.results import build_results

    book = Book(inputs, n_rows=1)
    build_inputs(book)
    for arm in inputs.structure.arm_ids:
        book.surv[arm], book.trace[arm] = f"Surv {arm}", f"Trace {arm}"
    book.trace_cols = {c.key: j for j, c in enumerate(trace_columns(inputs.structure.cost_categories,
                                                                   inputs.structure.drugs), start=1)}
    build_results(book)
    return dict(book.result_cells)
