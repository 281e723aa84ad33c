"""Nothing lost, every result reproducible, nothing unsafe (issue 7, parts 2–4).

* Outputs appear whole or not at all: a bad input or a Ctrl-C mid-PSA leaves the
  previous outputs byte for byte; exit codes 2 and 130, no traceback.
* A run that replaces results of different inputs says so (stderr and run.log); files of
  the previous run that this run did not write are removed.
* Same inputs and seed → byte-identical CSV and JSON; the manifest holds the version,
  git commit, SHA-256 of every input file, settings, seed, Python and numpy versions.
* Text cells that a spreadsheet would evaluate are neutralised; paths from inputs stay in
  the inputs folder; no eval, pickle, YAML or network code in the package.
"""

from __future__ import annotations

import ast
import hashlib
import json
import platform
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import cea
from cea.cli import app
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.outputs.files import RUN_LOG, neutralise_csv, safe_cell, write_atomically
from cea.outputs.psa_samples import samples_file

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def outputs(folder: Path) -> dict[str, bytes]:
    """The CSV and JSON files of a results folder (the byte-identity promise)."""
    return {k: v for k, v in snapshot(folder).items() if k.endswith((".csv", ".json"))}


# --------------------------------------------------------------------------- nothing lost
def test_ctrl_c_mid_psa_keeps_earlier_outputs_and_exits_130(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert invoke("psa", "--out", out, "--iterations", 60, "--seed", 1, "--json").exit_code == 0
    before = snapshot(out)

    import cea.outputs.psa_samples as psa_samples

    def interrupted(*args, **kwargs):  # Ctrl-C while the first block of samples is being written
        raise KeyboardInterrupt

    monkeypatch.setattr(psa_samples, "block_columns", interrupted)
    result = invoke("psa", "--out", out, "--iterations", 60, "--seed", 2, "--json")
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr and "Traceback" not in result.output
    assert snapshot(out) == before
    assert not list((out / "psa").glob(".staging-*"))


def test_bad_input_keeps_every_earlier_output_of_every_command(tmp_path, inputs_copy):
    out = tmp_path / "out"
    for command in (["run"], ["dsa"], ["threshold"]):
        assert invoke(*command, "--inputs", inputs_copy, "--out", out).exit_code == 0
    before = snapshot(out)
    (inputs_copy / "settings.toml").write_text((inputs_copy / "settings.toml").read_text().replace(
        "discount_rate_costs = 0.035", "discount_rate_costs = -1"))
    for command in (["run"], ["dsa"], ["threshold"], ["psa", "--iterations", "10"]):
        result = invoke(*command, "--inputs", inputs_copy, "--out", out)
        assert result.exit_code == 2 and "discount_rate_costs" in result.stderr, (command, result.output)
        assert "Traceback" not in result.output
    assert snapshot(out) == before


def test_replacing_results_of_other_inputs_is_recorded_and_announced(tmp_path):
    out = tmp_path / "out"
    assert invoke("run", "--out", out).exit_code == 0
    again = invoke("run", "--out", out)
    assert "held results of a different run" not in again.stderr
    changed = invoke("run", "--out", out, "--set", "hr_pfs=0.5")
    assert changed.exit_code == 0
    assert "held results of a different run" in changed.stderr and "overrides" in changed.stderr
    records = [json.loads(line) for line in (out / RUN_LOG).read_text().splitlines()]
    assert len(records) == 3
    assert records[1]["replaced"] is None
    assert records[2]["replaced"] == {"overrides": {}}
    assert records[2]["overrides"] == {"hr_pfs": "0.5"}
    assert all(r["time"] and r["inputs_sha256"] and "results.json" in r["files"] for r in records)


def test_files_of_the_previous_run_that_this_run_did_not_write_are_removed(tmp_path):
    out = tmp_path / "out"

    def build_with(names):
        def build(folder: Path) -> None:
            for name in names:
                (folder / name).write_text(name)
        return build

    write_atomically(out, build_with(["a.csv", "trace_old_arm.csv", "manifest.json"]))
    (out / "user_notes.txt").write_text("mine")
    write_atomically(out, build_with(["a.csv", "manifest.json"]))
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "manifest.json", "run.log", "user_notes.txt"]
    last = json.loads((out / RUN_LOG).read_text().splitlines()[-1])
    assert last["removed"] == ["trace_old_arm.csv"]


def test_files_of_another_command_sharing_the_folder_are_kept(tmp_path):
    out = tmp_path / "out"
    assert invoke("run", "--out", out).exit_code == 0
    base_case_files = snapshot(out)
    write_atomically(out, lambda d: (d / "appendix.docx").write_bytes(b"doc"))  # like `cea appendix --out out/...`
    write_atomically(out, lambda d: (d / "appendix.docx").write_bytes(b"doc 2"))
    after = snapshot(out)
    assert all(after[name] == data for name, data in base_case_files.items() if name != RUN_LOG)


def test_a_failing_build_changes_nothing(tmp_path):
    out = tmp_path / "out"
    write_atomically(out, lambda d: (d / "x.csv").write_text("1\n"))
    before = snapshot(out)

    def failing(folder: Path) -> None:
        (folder / "x.csv").write_text("2\n")
        raise RuntimeError("disk full halfway")

    with pytest.raises(RuntimeError):
        write_atomically(out, failing)
    assert snapshot(out) == before and not list(out.glob(".staging-*"))


def test_a_write_failure_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert invoke("run", "--out", out).exit_code == 0
    before = snapshot(out)
    import cea.outputs.files as files

    def full_disk(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    result = invoke("run", "--out", out, "--set", "hr_pfs=0.5")
    assert result.exit_code == 1 and "No space left" in result.stderr and "unchanged" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(out) == before


def test_out_that_is_a_file_is_exit_2(tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("not a folder")
    result = invoke("run", "--out", target)
    assert result.exit_code == 2 and "is a file" in result.stderr and "Traceback" not in result.output
    assert target.read_text() == "not a folder"


# --------------------------------------------------------------------------- reproducible
def test_same_inputs_and_seed_give_byte_identical_outputs(tmp_path):
    for name in ("a", "b"):
        assert invoke("run", "--out", tmp_path / name).exit_code == 0
        assert invoke("psa", "--out", tmp_path / name, "--iterations", 50, "--seed", 11, "--json").exit_code == 0
    a, b = outputs(tmp_path / "a"), outputs(tmp_path / "b")
    assert len(a) >= 8 and a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    # the run log is the one file with the time in it
    assert (tmp_path / "a" / RUN_LOG).read_bytes() != b"" and "time" in (tmp_path / "a" / RUN_LOG).read_text()


def test_a_different_seed_changes_the_psa_and_the_manifest_says_so(tmp_path):
    for name, seed in (("a", 1), ("b", 2)):
        assert invoke("psa", "--out", tmp_path / name, "--iterations", 50, "--seed", seed, "--json").exit_code == 0
    a = json.loads((tmp_path / "a" / "psa" / "psa_summary.json").read_text())
    b = json.loads((tmp_path / "b" / "psa" / "psa_summary.json").read_text())
    assert a["manifest"]["seed"] == 1 and b["manifest"]["seed"] == 2
    assert samples_file(tmp_path / "a" / "psa").read_bytes() != samples_file(tmp_path / "b" / "psa").read_bytes()


def test_manifest_identifies_everything_that_produced_the_result(tmp_path):
    assert invoke("run", "--out", tmp_path).exit_code == 0
    manifest = json.loads((tmp_path / "results.json").read_text())["manifest"]
    assert manifest == json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["version"] == cea.__version__
    assert "git_commit" in manifest
    assert manifest["python"] == platform.python_version() and manifest["numpy"] == np.__version__
    inputs = ROOT / "inputs"
    for name, digest in manifest["input_files"].items():
        assert hashlib.sha256((inputs / name).read_bytes()).hexdigest() == digest
    for required in ("parameters.csv", "settings.toml", "survival_models.csv", "life_table.csv"):
        assert required in manifest["input_files"]
    assert manifest["settings"]["discount_rate_costs"] == 0.035
    assert "time" not in manifest and "created" not in manifest  # the time lives in run.log only


# --------------------------------------------------------------------------- overrides stay usable
def test_overrides_keep_the_spread_so_psa_and_dsa_still_run(tmp_path, shipped_inputs):
    moved = apply_overrides(shipped_inputs, {"hr_pfs": "0.9", "u_pf": "1", "terminal_care_cost": "0",
                                             "ae_rate_stomatitis_eve_exe": "0.5"})
    hr = moved.parameters["hr_pfs"]
    original = shipped_inputs.parameters["hr_pfs"]
    assert hr.value == 0.9 and hr.distribution == "lognormal"
    assert np.log(hr.ci_high / hr.ci_low) == pytest.approx(np.log(original.ci_high / original.ci_low))
    assert moved.parameters["u_pf"].distribution == "fixed" and "override" in moved.parameters["u_pf"].notes
    assert moved.parameters["terminal_care_cost"].distribution == "fixed"
    assert moved.parameters["ae_rate_stomatitis_eve_exe"].distribution == "beta"
    result = invoke("psa", "--out", tmp_path, "--iterations", 20, "--json", "--set", "hr_pfs=0.9", "--set", "u_pf=1",
                    "--set", "terminal_care_cost=0", "--set", "ae_rate_stomatitis_eve_exe=0.5")
    assert result.exit_code == 0, result.output
    assert invoke("dsa", "--out", tmp_path, "--set", "hr_pfs=0.9", "--set", "u_pf=1").exit_code == 0


@pytest.mark.parametrize("assignment, named", [
    ("u_pd=1.7", "u_pd"), ("horizon_years=abc", "horizon_years"), ("seed=1e999", "seed"),
    ("eve_share_10mg=0.9", "eve_share_10mg"), ("pfs_exe.log_shape=40", "pfs_exe.log_shape"),
    ("arm.exe.os_curve=pfs_exe", "arm.exe.os_curve"), ("arm.eve_exe.pfs_hazard_ratio=nope", "nope"),
    ("cycle_length_days=0.001", "cycle_length_days"), ("hr_pfs=nan", "hr_pfs"), ("comparator=eve_exe", "comparator"),
])
def test_bad_set_values_are_exit_2_naming_the_target(tmp_path, assignment, named):
    result = invoke("run", "--out", tmp_path, "--set", assignment)
    assert result.exit_code == 2, result.output
    assert named in result.stderr and "--set" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "results.json").exists()


# --------------------------------------------------------------------------- safe
def test_formula_like_text_is_neutralised_in_csv_outputs(tmp_path):
    result = invoke("run", "--out", tmp_path, "--set", "arm.exe.label==HYPERLINK(\"http://x\",\"y\")")
    assert result.exit_code == 0, result.output
    header = (tmp_path / "results_table.csv").read_text().splitlines()[0]
    assert "'=HYPERLINK" in header
    for path in tmp_path.glob("*.csv"):
        for line in path.read_text().splitlines():
            for cell in line.split(","):
                assert not cell.lstrip('"').startswith(("=", "+", "@")), (path.name, cell)


def test_safe_cell_and_neutralise_csv(tmp_path):
    assert safe_cell("=1+2") == "'=1+2" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3") == "'-2+3" and safe_cell("+44 20") == "'+44 20"
    assert safe_cell("-0.5") == "-0.5" and safe_cell("-1e-05") == "-1e-05" and safe_cell("plain") == "plain"
    path = tmp_path / "t.csv"
    path.write_text("label,value\nok,-1.5\n\"=cmd|' /C calc'!A0\",2\n-x,3\n")
    assert neutralise_csv(path)
    assert path.read_text() == "label,value\nok,-1.5\n'=cmd|' /C calc'!A0,2\n'-x,3\n"
    numbers = tmp_path / "n.csv"
    numbers.write_text("a,b\n-1,-2.5e-3\n")
    assert not neutralise_csv(numbers) and numbers.read_text() == "a,b\n-1,-2.5e-3\n"


def test_data_paths_cannot_leave_the_inputs_folder(inputs_copy, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("time,event\n1,1\n")
    (inputs_copy / "evidence" / "link.csv").symlink_to(secret)
    text = (inputs_copy / "survival_data.csv").read_text()
    first_file = text.splitlines()[1].split(",")[3]
    (inputs_copy / "survival_data.csv").write_text(text.replace(first_file, "evidence/link.csv", 1))
    with pytest.raises(InputError, match="outside the inputs folder"):
        load_inputs(inputs_copy)


def _imports_and_calls(path: Path) -> tuple[set[str], set[str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports, calls = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imports.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.add(node.func.id)
    return imports, calls


def test_no_code_execution_deserialisation_or_network_in_the_package():
    unsafe_imports = {"pickle", "marshal", "shelve", "yaml", "dill", "socket", "urllib", "http", "requests", "ftplib",
                      "smtplib"}
    for path in sorted((ROOT / "cea").rglob("*.py")):
        imports, calls = _imports_and_calls(path)
        assert not imports & unsafe_imports, (path, imports & unsafe_imports)
        assert not calls & {"eval", "exec"}, path


def test_yaml_or_xlsx_inputs_are_refused_with_a_clear_message(inputs_copy):
    (inputs_copy / "settings.toml").rename(inputs_copy / "settings.yaml")
    (inputs_copy / "parameters.csv").rename(inputs_copy / "parameters.xlsx")
    with pytest.raises(InputError) as caught:
        load_inputs(inputs_copy)
    text = str(caught.value)
    assert "settings.yaml" in text and "YAML" in text and "parameters.xlsx" in text and "Excel" in text


def test_excel_style_csv_with_bom_and_crlf_reads_the_same(inputs_copy, shipped_inputs):
    for path in inputs_copy.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    loaded = load_inputs(inputs_copy)
    assert loaded.parameters.keys() == shipped_inputs.parameters.keys()
    assert all(loaded.parameters[k].value == p.value and loaded.parameters[k].line == p.line
               for k, p in shipped_inputs.parameters.items())
    assert loaded.settings == shipped_inputs.settings


def test_line_numbers_survive_a_quoted_cell_spanning_lines(inputs_copy):
    path = inputs_copy / "parameters.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"PFS hazard ratio,', '"PFS hazard ratio\nover two lines,', 1)
    row = next(i for i, line in enumerate(lines) if line.startswith("u_pd,"))
    lines[row] = lines[row].replace(",0.45,utility,", ",1.7,utility,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_inputs(inputs_copy)
    assert f"parameters.csv:{row + 2}: parameter 'u_pd'" in str(caught.value)  # +1 for the header, +1 for the break


def test_inputs_that_are_a_file_or_an_empty_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no model inputs" in invoke("run", "--inputs", empty, "--out", tmp_path / "o").stderr
    assert "is a file" in invoke("run", "--inputs", ROOT / "inputs" / "parameters.csv", "--out", tmp_path / "o").stderr
    shutil.rmtree(empty)
