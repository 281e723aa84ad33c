"""`cea run` starts fast because the base-case path imports nothing heavy (issue 16).

Structural tests, never timings: a fresh interpreter runs the base case (through the CLI and
through the library API) and reports which heavy packages ended up in ``sys.modules``.  The
base case needs numpy and the standard library only (the `cea` console script runs `cea run`
without typer, see cea.console; through typer the CLI adds typer and the pydantic it builds its
parsers with); scipy, pandas, matplotlib, openpyxl, python-docx, lifelines, xlsxwriter and tqdm
are for the other analyses and must be imported where those run.  The start-up time itself is
measured in benchmarks/run.py (`make bench`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "pandas", "matplotlib", "openpyxl", "docx", "lifelines", "xlsxwriter", "tqdm", "numba", "numexpr")
CLI_FRAMEWORK = ("typer", "click", "pydantic", "pydantic_core", "rich")  # `cea run` through cea.console needs none
REPORT = ("import json, sys; heavy = {heavy!r}; "
          "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))")


def _loaded_after(code: str, packages: tuple[str, ...] = HEAVY) -> list[str]:
    script = code + "\n" + REPORT.format(heavy=packages)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("extra", [[], ["--json"], ["--structure", "psm"]], ids=["table", "json", "psm"])
@pytest.mark.parametrize("entry", ["console", "typer"])
def test_cea_run_loads_no_heavy_package(tmp_path, extra, entry):
    """Through the console script (cea.console.main, what `cea` runs) `cea run` loads neither the heavy
    packages nor typer, click or pydantic; through the typer application it loads no heavy package."""
    args = ["run", "--inputs", str(ROOT / "inputs"), "--out", str(tmp_path / "out"), *extra]
    call = "from cea.console import main as app" if entry == "console" else "from cea.cli import app"
    code = ("import contextlib, io, sys\n"
            f"{call}\n"
            f"sys.argv = ['cea', *{args!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        app()\n    except SystemExit as exit:\n        assert not exit.code, exit.code\n")
    loaded = _loaded_after(code, HEAVY + CLI_FRAMEWORK)
    assert loaded == ([] if entry == "console" else [m for m in loaded if m.split(".")[0] in CLI_FRAMEWORK])
    assert entry == "console" or "typer" in loaded  # the check can see typer when it is there
    assert (tmp_path / "out" / "results.json").is_file()


def test_library_base_case_loads_no_heavy_package():
    code = ("from cea import load_inputs, run_base_case\n"
            f"result = run_base_case(load_inputs({str(ROOT / 'inputs')!r}))\n"
            "assert result.incremental()['qalys'] > 0\n")
    assert _loaded_after(code, HEAVY + CLI_FRAMEWORK) == []


def test_the_heavy_packages_are_still_there_for_the_analyses_that_need_them():
    """The check above is not vacuous: the PSA path does load scipy.stats (distributions) and pandas."""
    code = ("from cea.inputs.model_inputs import load_inputs\nfrom cea.analyses.psa import run_psa\n"
            f"run_psa(load_inputs({str(ROOT / 'inputs')!r}), 10, seed=1)\n")
    loaded = _loaded_after(code)
    assert "scipy.stats" in loaded and "pandas" in loaded


def test_base_case_csvs_are_what_pandas_to_csv_writes(tmp_path, shipped_inputs):
    """The base case writes its CSVs with the csv module; they must be byte for byte what the
    DataFrame versions of the same tables give with to_csv (the format before issue 16)."""
    from cea.analyses.base_case import run_base_case
    from cea.outputs.report import write_base_case
    from cea.outputs.tables import base_case_table, trace_frame

    result = run_base_case(shipped_inputs)
    write_base_case(tmp_path, result)
    expected = base_case_table(result).to_csv(float_format="%.10g", lineterminator="\n")
    assert (tmp_path / "results_table.csv").read_text(encoding="utf-8") == expected
    for arm in result.outcomes.arms:
        frame = trace_frame(result, arm)
        assert isinstance(frame, pd.DataFrame) and len(frame) == shipped_inputs.settings.n_cycles + 1
        expected = frame.to_csv(index=False, float_format="%.12g", lineterminator="\n")
        assert (tmp_path / f"trace_{arm}.csv").read_text(encoding="utf-8") == expected


def test_csv_column_formats_like_pandas():
    import csv
    import io

    from cea.outputs.tables import csv_column

    x = [0.0, -0.0, 1e-300, 123456789.123456789, float("nan"), 2.5, -1.0 / 3.0]
    frame = pd.DataFrame({"k": range(len(x)), "x": x})
    expected = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["k", "x"])
    writer.writerows(zip(*(csv_column(frame[c].to_numpy(), "%.10g") for c in ("k", "x"))))
    assert buffer.getvalue() == expected


# --------------------------------------------------------------------------- the manifest's git commit
git = shutil.which("git")


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(git is None, reason="git not installed")
def test_head_read_from_files_equals_git_rev_parse(tmp_path):
    """The manifest reads HEAD from .git instead of starting git; every plain layout gives git's answer."""
    from cea.inputs.manifest import _head_from_files

    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for name in ("user.email", "user.name"):
        _git(repo, "config", name, "test")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "a.txt").write_text("a")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    inside = repo / "pkg"
    assert _head_from_files(inside) == _git(repo, "rev-parse", "HEAD")  # loose ref
    _git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert _head_from_files(inside) == _git(repo, "rev-parse", "HEAD")  # packed ref
    (repo / "pkg" / "b.txt").write_text("b")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "second")
    _git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "other", "HEAD~1")
    assert _head_from_files(tmp_path / "wt" / "pkg") == _git(tmp_path / "wt", "rev-parse", "HEAD")  # worktree
    assert _head_from_files(tmp_path / "wt" / "pkg") != _head_from_files(inside)
    _git(repo, "checkout", "-q", "--detach", "HEAD~1")
    assert _head_from_files(inside) == _git(repo, "rev-parse", "HEAD")  # detached
    assert _head_from_files(tmp_path) is None  # not a checkout


@pytest.mark.skipif(git is None, reason="git not installed")
def test_manifest_commit_is_this_checkouts_head():
    from cea.inputs.manifest import _git_commit

    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    assert _git_commit() == done.stdout.strip()


@pytest.mark.parametrize("setting, expected", [("", sys.platform.startswith("linux")), ("0", False)])
def test_allocator_tuning_applies_once_and_can_be_switched_off(setting, expected):
    """cea.allocator changes where big arrays live, never their values (the engine tests cover the values)."""
    code = ("import os, json\n"
            f"os.environ.pop('CEA_TUNE_MALLOC', None)\nif {setting!r}: os.environ['CEA_TUNE_MALLOC'] = {setting!r}\n"
            "from cea.allocator import keep_large_arrays_in_heap as tune\n"
            "print(json.dumps([tune(), tune()]))\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    first, second = json.loads(done.stdout)
    if expected:
        assert first and second
    else:
        assert not first and not second
