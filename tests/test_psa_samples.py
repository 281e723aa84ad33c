"""The PSA's per-iteration samples: CSV while a spreadsheet opens the file, Parquet above; either read back
equal to the PsaResult, and either carrying the run manifest."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import cea.outputs.psa_samples as psa_samples
from cea.cli import _run_psa_into, app
from cea.inputs.overrides import apply_overrides
from cea.outputs.files import to_json
from cea.outputs.psa_samples import (CSV_NAME, MANIFEST_KEY, PARQUET_NAME, file_columns, read_psa_samples,
                                     samples_file, samples_format, samples_manifest)
from cea.parameters.sampling import stochastic_ids

N = 37


@pytest.fixture(scope="module")
def small(shipped_inputs):
    return apply_overrides(shipped_inputs, {"horizon_years": 3})


def _expected(result) -> pd.DataFrame:
    """The file's columns built from the PsaResult itself."""
    frame = pd.DataFrame({"iteration": np.arange(1, result.iterations + 1)})
    frame = pd.concat([frame, result.parameters.reset_index(drop=True)], axis=1)
    for j, arm in enumerate(result.arms):
        frame[f"cost_{arm}"], frame[f"qaly_{arm}"], frame[f"ly_{arm}"] = (result.costs[:, j], result.qalys[:, j],
                                                                           result.lys[:, j])
    return frame


def test_the_format_changes_exactly_at_a_spreadsheets_rows_and_cells():
    rows, cells = psa_samples.SPREADSHEET_ROWS, psa_samples.SPREADSHEET_CELLS
    assert (rows, cells) == (1_048_576, 10_000_000)
    assert samples_format(rows - 1, 1) == "csv"  # the header is a row
    assert samples_format(rows, 1) == "parquet"
    # 90 columns: 111,110 iterations + header = 9,999,990 cells
    assert samples_format(111_110, 90) == "csv"
    assert samples_format(111_111, 90) == "parquet"
    assert samples_format(1_000_000, 90) == "parquet"


def test_below_the_limit_csv_reads_back_as_the_psa_result_to_ten_digits(small, tmp_path):
    result = _run_psa_into(tmp_path, small, N, 5, {}, progress=False)
    assert samples_file(tmp_path).name == CSV_NAME and not (tmp_path / PARQUET_NAME).exists()
    got = read_psa_samples(tmp_path / CSV_NAME)
    want = _expected(result)
    assert list(got.columns) == list(want.columns) and len(got) == N
    np.testing.assert_array_equal(got["iteration"].to_numpy(), np.arange(1, N + 1))
    ten_digits = want.drop(columns="iteration").map(lambda x: float(f"{x:.10g}"))
    np.testing.assert_array_equal(got.drop(columns="iteration").to_numpy(), ten_digits.to_numpy())


def test_above_the_limit_parquet_reads_back_exactly_with_its_manifest(small, tmp_path, monkeypatch):
    monkeypatch.setattr(psa_samples, "SPREADSHEET_ROWS", N)  # N iterations + header > N rows
    import cea.analyses.psa as psa_module

    monkeypatch.setattr(psa_module, "BLOCK", 10)  # several blocks: one row group each
    result = _run_psa_into(tmp_path, small, N, 5, {"horizon_years": "3"}, progress=False)
    assert samples_file(tmp_path).name == PARQUET_NAME and not (tmp_path / CSV_NAME).exists()
    got = read_psa_samples(tmp_path)
    want = _expected(result)
    assert list(got.columns) == list(want.columns)
    assert got["iteration"].dtype == np.int64
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())  # float64 exact
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / PARQUET_NAME).metadata.num_row_groups == 4
    manifest = samples_manifest(tmp_path / PARQUET_NAME)
    assert manifest == json.loads(to_json(result.manifest.to_dict()))
    assert manifest["seed"] == 5 and manifest["overrides"] == {"horizon_years": "3"}
    assert MANIFEST_KEY in pq.read_schema(tmp_path / PARQUET_NAME).metadata


def test_above_the_cell_limit_with_few_rows_is_parquet(small, tmp_path, monkeypatch):
    columns = len(file_columns(stochastic_ids(small), small.structure.arm_ids))
    monkeypatch.setattr(psa_samples, "SPREADSHEET_CELLS", 20 * columns)
    _run_psa_into(tmp_path, small, 19, 1, {}, progress=False)  # 20 rows (header included): still a spreadsheet's
    assert samples_file(tmp_path).name == CSV_NAME
    (tmp_path / "more").mkdir()
    _run_psa_into(tmp_path / "more", small, 20, 1, {}, progress=False)  # 21 rows: one cell too many
    assert samples_file(tmp_path / "more").name == PARQUET_NAME


@pytest.mark.parametrize("limit, name", [(1_048_576, CSV_NAME), (10, PARQUET_NAME)])
def test_cea_psa_writes_one_samples_file_with_the_run_manifest(tmp_path, monkeypatch, limit, name):
    monkeypatch.setattr(psa_samples, "SPREADSHEET_ROWS", limit)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["psa", "--iterations", "12", "--seed", "2", "--set", "horizon_years=3",
                                      "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (out / "psa").iterdir() if p.name.startswith("psa_samples"))
    assert files == [name]
    summary = json.loads((out / "psa" / "psa_summary.json").read_text())
    assert samples_manifest(out / "psa" / name) == summary["manifest"]
    assert summary["manifest"]["seed"] == 2
    log = json.loads((out / "psa" / "run.log").read_text().splitlines()[-1])
    assert name in log["files"]
    samples = read_psa_samples(out / "psa")
    assert len(samples) == 12
    np.testing.assert_allclose(samples[[c for c in samples if c.startswith("cost_")]].mean().to_numpy(),
                               [summary["mean"][c.removeprefix("cost_")]["costs"]
                                for c in samples if c.startswith("cost_")], rtol=1e-9)
