"""The CLI as a user meets it: JSON contract, exit codes, messages, outputs that survive failures."""

import json

import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case
from cea.cli import app
from cea.inputs.model_inputs import load_inputs

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_run_json_contract(tmp_path):
    result = invoke("run", "--inputs", "inputs", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    for arm in ("eve_exe", "exe"):
        assert {"costs", "qalys", "lys"} <= doc["arms"][arm].keys()
    inc = doc["incremental"]
    assert inc["intervention"] == "eve_exe" and inc["comparator"] == "exe"
    assert inc["icer"] == pytest.approx(inc["costs"] / inc["qalys"])
    assert inc["status"] == "more costly, more effective"
    # the values: the library's base case, and the pinned numbers of tests/golden/uk.json
    library = run_base_case(load_inputs("inputs"))
    pinned = json.loads(open("tests/golden/uk.json").read())
    for arm in ("eve_exe", "exe"):
        assert doc["arms"][arm]["costs"] == pytest.approx(library.arm_summary(arm)["costs"], rel=1e-14)
        assert doc["arms"][arm]["costs"] == pytest.approx(sum(pinned["arms"][arm]["costs_by_category"].values()),
                                                          rel=1e-9)
        assert doc["arms"][arm]["qalys"] == pytest.approx(sum(pinned["arms"][arm]["qalys_by_state"]), rel=1e-9)
    for key in ("costs", "qalys", "icer"):
        assert inc[key] == pytest.approx(pinned["incremental"][key], rel=1e-9), key
    assert inc["nmb"]["30000"] == pytest.approx(30000 * inc["qalys"] - inc["costs"])
    assert {"version", "inputs_sha256", "settings"} <= doc["manifest"].keys()
    assert (tmp_path / "results.json").is_file()
    assert (tmp_path / "trace_eve_exe.csv").is_file() and (tmp_path / "trace_exe.csv").is_file()


def test_set_overrides_a_parameter_and_a_setting(tmp_path):
    base = json.loads(invoke("run", "--out", tmp_path / "a", "--json").stdout)
    changed = json.loads(invoke("run", "--out", tmp_path / "b", "--json", "--set", "eve_pack_price_10mg=0",
                                "--set", "discount_rate_costs=0").stdout)
    assert changed["arms"]["eve_exe"]["costs"] < base["arms"]["eve_exe"]["costs"]
    assert changed["manifest"]["settings"]["discount_rate_costs"] == 0
    assert changed["arms"]["eve_exe"]["qalys"] == base["arms"]["eve_exe"]["qalys"]


def test_unknown_set_id_is_exit_code_2_naming_it(tmp_path):
    result = invoke("run", "--out", tmp_path, "--set", "no_such_parameter=1")
    assert result.exit_code == 2
    assert "no_such_parameter" in result.stderr and "Traceback" not in result.output


def test_bad_input_names_file_row_and_parameter_and_keeps_earlier_outputs(tmp_path, inputs_copy):
    out = tmp_path / "out"
    assert invoke("run", "--inputs", inputs_copy, "--out", out).exit_code == 0
    before = (out / "results.json").read_bytes()
    path = inputs_copy / "parameters.csv"
    lines = path.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("u_pd,"))
    lines[row] = lines[row].replace(",0.45,utility,", ",1.7,utility,")
    path.write_text("\n".join(lines) + "\n")
    result = invoke("run", "--inputs", inputs_copy, "--out", out)
    assert result.exit_code == 2
    assert f"parameters.csv:{row + 1}" in result.stderr and "u_pd" in result.stderr
    assert (out / "results.json").read_bytes() == before


def test_params_lists_every_parameter_with_source():
    result = invoke("params", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    ids = {r["id"] for r in rows}
    assert {"hr_pfs", "u_pf", "eve_pack_price_10mg", "os_exe.log_scale"} <= ids
    assert all(r["source"] for r in rows)


def test_missing_inputs_folder_is_exit_2(tmp_path):
    result = invoke("run", "--inputs", tmp_path / "nope", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "does not exist" in result.stderr
