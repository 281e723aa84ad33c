"""`cea price` and `cea cumulative` as a user meets them: JSON with the run manifest, the files, exit code 2 on a
bad list."""

import json

import pytest
from typer.testing import CliRunner

from cea.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_price_json_and_files(tmp_path):
    result = invoke("price", "--inputs", "inputs", "--out", tmp_path, "--iterations", 30, "--seed", 3, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"version", "inputs_sha256", "seed"} <= doc["manifest"].keys() and doc["psa_iterations"] == 30
    grid = doc["grid"]
    assert [round(r["discount"], 2) for r in grid] == [round(0.05 * k, 2) for k in range(19)]
    assert grid[0]["icer"] == pytest.approx(doc["inc_cost"] / doc["inc_qaly"], rel=1e-12)
    # the ICER falls by the same amount for every 5% off: linear in the price
    steps = [b["icer"] - a["icer"] for a, b in zip(grid, grid[1:])]
    assert max(steps) == pytest.approx(min(steps), rel=1e-9)
    for name in ("price.csv", "price_thresholds.csv", "price.json", "price.png", "manifest.json"):
        assert (tmp_path / "price" / name).is_file(), name
    saved = json.loads((tmp_path / "price" / "price.json").read_text())
    assert "commercial in confidence" in saved["statement"]["pas"]


def test_cumulative_json_files_and_a_bad_list(tmp_path):
    result = invoke("cumulative", "--inputs", "inputs", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["steps"][0]["scenario"] == "base_case" and "inputs_sha256" in doc["manifest"]
    for name in ("cumulative.csv", "cumulative.json", "cumulative.png", "manifest.json"):
        assert (tmp_path / "cumulative" / name).is_file(), name
    bad = tmp_path / "bad.csv"
    bad.write_text("step,scenario,kind,label,rationale\n1,nope,sequence,x,y\n", encoding="utf-8")
    result = invoke("cumulative", "--inputs", "inputs", "--out", tmp_path, "--steps", bad)
    assert result.exit_code == 2 and "nope" in result.output
