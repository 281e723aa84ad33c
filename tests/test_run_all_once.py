"""`cea all` builds the payer workbook once: the appendix's LibreOffice check gets this run's model.xlsx (no data
tables) instead of building a second one; model_psa.xlsx and model_dsa.xlsx hold the same cells with one table marked
each (the PSA's in the first, the DSA's in the second)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import cea.appendix.verification as verification
import cea.outputs.run_all as run_all
import cea.workbook.build as workbook_build
from cea.analyses.bundle import run_all_analyses
from cea.inputs.overrides import apply_overrides


@pytest.fixture(scope="module")
def bundle(shipped_inputs):
    inputs = apply_overrides(shipped_inputs, {"horizon_years": 5})
    return run_all_analyses(inputs, iterations=60, seed=2, overrides={"horizon_years": "5"})


def _sheets(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")}


@pytest.mark.slow
def test_cea_all_builds_one_workbook_and_the_appendix_checks_that_one(bundle, tmp_path, monkeypatch):
    builds, checked = [], []
    real_build = workbook_build.build_book

    def counting_build(*args, **kwargs):
        builds.append(kwargs)
        return real_build(*args, **kwargs)

    def fake_check(bundle_, workbook=None):  # what LibreOffice would recalculate
        assert workbook is not None and workbook.is_file()
        checked.append((workbook, _sheets(workbook)))
        return {"check": "workbook", "techver": "Replication", "expected": "", "observed": "", "deviation": 0.0,
                "passed": True}

    monkeypatch.setattr(workbook_build, "build_book", counting_build)
    monkeypatch.setattr(verification, "workbook_check", fake_check)
    monkeypatch.setattr(run_all, "soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr("cea.workbook.recalc.soffice", lambda: "/usr/bin/soffice")
    run_all.write_all(tmp_path, bundle)
    assert len(builds) == 1 and builds[0]["dsa"] is not None and builds[0]["psa"] is not None
    assert len(checked) == 1
    checked_sheets = checked[0][1]
    assert checked[0][0] == tmp_path / "model.xlsx"  # the run's own workbook, not a second build
    assert checked_sheets == _sheets(tmp_path / "model.xlsx")
    assert not (tmp_path / "model_tables.xlsx").exists()
    psa_part, dsa_part = (workbook_build.table_paths(tmp_path / "model.xlsx")[k] for k in ("psa", "dsa"))
    assert psa_part.name == "model_psa.xlsx" and dsa_part.name == "model_dsa.xlsx"
    differing_by_file = []
    for companion in (psa_part, dsa_part):
        marked = _sheets(companion)
        assert checked_sheets.keys() == marked.keys()
        # the same sheets, except the one data table each companion marks as such
        assert b't="dataTable"' not in b"".join(checked_sheets.values())
        assert b"".join(marked.values()).count(b't="dataTable"') == 1
        differing = [n for n in marked if marked[n] != checked_sheets[n]]
        assert len(differing) == 1 and b't="dataTable"' in marked[differing[0]]
        differing_by_file.append(differing[0])
    assert differing_by_file[0] != differing_by_file[1]  # the PSA sheet in one, the DSA sheet in the other
