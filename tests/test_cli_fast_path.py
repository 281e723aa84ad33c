"""`cea run`'s fast path (cea.console): the same command as typer's `run`, parsed without typer.

The console script parses `cea run` with plainly written options itself and leaves everything else to
typer.  These tests check that the fast path accepts exactly `run`'s options, hands every doubtful
command line to typer, and that both paths give the same exit code, the same stdout and stderr and
the same files.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from cea.console import RUN_FLAGS, RUN_OPTIONS, run_arguments, run_command

ROOT = Path(__file__).resolve().parents[1]


def test_the_cea_console_script_is_the_fast_path():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["cea"] == "cea.console:main"
    assert (ROOT / "cea" / "__main__.py").read_text(encoding="utf-8").startswith("from cea.console import main\n")


def test_the_fast_path_knows_exactly_the_options_of_typers_run_command():
    import typer.main

    from cea.cli import app

    command = typer.main.get_command(app).commands["run"]
    options = {opt: param for param in command.params for opt in param.opts + param.secondary_opts}
    assert set(options) == set(RUN_OPTIONS) | set(RUN_FLAGS)
    for opt, name in (RUN_OPTIONS | RUN_FLAGS).items():
        assert options[opt].name == name
        assert options[opt].is_flag == (opt in RUN_FLAGS)
        assert options[opt].multiple == (name == "set_")
    # typer's defaults are run_command's defaults
    defaults = {p.name: p.default for p in inspect.signature(run_command).parameters.values()}
    assert set(defaults) == {param.name for param in command.params}
    for param in command.params:
        assert defaults[param.name] == (param.default if param.name not in ("inputs", "out")
                                        else Path(param.default)), param.name


@pytest.mark.parametrize("args, expected", [
    (["run"], {}),
    (["run", "--json"], {"json_output": True}),
    (["run", "--inputs", "inputs/us", "--out=o", "--json"], {"inputs": Path("inputs/us"), "out": Path("o"),
                                                            "json_output": True}),
    (["run", "--set", "a=1", "--structure", "psm", "--set=b=2"], {"set_": ["a=1", "b=2"], "structure": "psm"}),
    (["run", "--out", "a", "--out", "b"], {"out": Path("b")}),  # the last one wins, as in click
])
def test_plain_run_command_lines_are_parsed_here(args, expected):
    assert run_arguments(args) == expected


@pytest.mark.parametrize("args", [
    [], ["--help"], ["psa"], ["params", "--json"], ["run", "--help"], ["run", "-h"], ["run", "--inputs"],
    ["run", "--out", "--json"], ["run", "--json=1"], ["run", "--inputs="], ["run", "--seed", "1"],
    ["run", "extra"], ["run", "--", "--json"], ["run", "--jso"], ["run", "--set"],
])
def test_anything_else_goes_to_typer(args):
    assert run_arguments(args) is None


def _both_ways(tmp_path: Path, args: list[str]) -> list[tuple[int, str, str, dict]]:
    """(exit code, stdout, stderr, files written) of `cea ARGS` through the console script's fast path and
    through typer, each into its own output folder (named the same inside, so messages can be compared)."""
    results = []
    for way, code in (("fast", "from cea.console import main; main()"), ("typer", "from cea.cli import app; app()")):
        cwd = tmp_path / way
        cwd.mkdir()
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd,
                              timeout=300)
        files = {p.relative_to(cwd).as_posix(): p.read_bytes() for p in sorted(cwd.rglob("*"))
                 if p.is_file() and p.name != "run.log"}  # run.log records the time of the run
        results.append((done.returncode, done.stdout, done.stderr, files))
    return results


@pytest.mark.parametrize("args, exit_code, stdout_starts", [
    (["run", "--inputs", str(ROOT / "inputs"), "--out", "out"], 0, "Everolimus + exemestane vs"),
    (["run", "--inputs", str(ROOT / "inputs"), "--out=out", "--json", "--set", "hr_pfs=0.5",
      "--set", "discount_rate_costs=0"], 0, "{"),
    (["run", "--structure", "psm", "--inputs", str(ROOT / "inputs" / "us"), "--out", "out"], 0, ""),
    (["run", "--inputs", str(ROOT / "inputs"), "--out", "out", "--set", "no_such_parameter=1"], 2, ""),
    (["run", "--inputs", "missing_folder", "--out", "out"], 2, ""),
], ids=["table", "json-set", "psm-us", "unknown-set", "missing-inputs"])
def test_fast_path_and_typer_give_the_same_run(tmp_path, args, exit_code, stdout_starts):
    fast, through_typer = _both_ways(tmp_path, args)
    assert fast == through_typer
    code, stdout, stderr, files = fast
    assert code == exit_code, stderr
    if exit_code == 0:
        assert stdout.startswith(stdout_starts) and {"out/results.json", "out/trace_exe.csv"} <= set(files)
    else:
        assert stderr.startswith("error: invalid input") and not files
