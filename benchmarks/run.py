"""`make bench`: every benchmark in its own process, one table: benchmark, time, bound, ratio, target, peak memory.

- time: the best (minimum) of several repeats, wall-clock unless the row says CPU; an engine row and its bound
  run back to back, interleaved, in the same process, so that both see the same machine load;
- bound: what the same work costs done leanly (benchmarks/lean_bound.py for the engine; `python -c "import
  numpy"` for start-up); ratio = time / bound; target: the issue-16 goal for that ratio or time;
- peak memory: the benchmark process's maximum resident set size (ru_maxrss from wait4), so it includes the
  interpreter and the imported libraries.

Nothing is asserted: speed is measured here, never in a unit test.  The machine is shared, so timings vary
from run to run; ratios measured back to back vary much less.

Usage: python benchmarks/run.py [--quick] [--only NAME ...]   (--quick leaves out the 100,000 and 1,000,000 PSAs
and the workbook in LibreOffice)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]


def _best(fn, repeat: int, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def _inputs():
    from cea.inputs.model_inputs import load_inputs

    return load_inputs(ROOT / "inputs")


# --------------------------------------------------------------------------- cases (each runs in its own process)
def case_startup() -> dict:
    """`cea run` on the shipped inputs, start to finish, against `python -c "import numpy"`; 15 interleaved runs
    each.  Bytecode is compiled first (an installed package ships it) and each run is timed by wall clock."""
    import compileall

    compileall.compile_dir(str(ROOT / "cea"), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cea = Path(sys.executable).with_name("cea")
    with tempfile.TemporaryDirectory() as out:
        commands = {"numpy": [sys.executable, "-c", "import numpy"],
                    "cea": [str(cea), "run", "--inputs", str(ROOT / "inputs"), "--out", out]}
        best = {k: float("inf") for k in commands}
        cpu = {k: float("inf") for k in commands}
        peak = 0.0
        for _ in range(15):
            for name, command in commands.items():
                start = time.perf_counter()
                process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(process.pid, 0)
                best[name] = min(best[name], time.perf_counter() - start)
                cpu[name] = min(cpu[name], usage.ru_utime + usage.ru_stime)
                if name == "cea":
                    peak = max(peak, usage.ru_maxrss / 1024)
                    assert os.waitstatus_to_exitcode(status) == 0, "cea run failed"
    return {"rows": [
        {"name": "cea run, start to finish (wall)", "seconds": best["cea"], "bound": best["numpy"], "target": "3x",
         "peak_mb": peak},
        {"name": "cea run, start to finish (CPU: user + sys)", "seconds": cpu["cea"], "bound": cpu["numpy"],
         "target": "3x", "peak_mb": peak}]}


def case_base_case() -> dict:
    from cea.engine.model import evaluate
    from cea.parameters.parameter_set import point_estimates

    inputs = _inputs()
    values = point_estimates(inputs).values
    seconds = _best(lambda: evaluate(inputs.structure, values, inputs.settings, keep_trace=True), 20)
    return {"rows": [{"name": "engine: base case (1 sample, with trace)", "seconds": seconds}]}


def _engine_against_bound(n: int, workers: int, clock, label: str, repeat: int = 3) -> dict:
    import numpy as np

    from cea.engine.model import evaluate
    from cea.parameters.sampling import draw
    from lean_bound import check_against_engine, from_engine_parameters, lean_model

    from cea.allocator import keep_large_arrays_in_heap

    keep_large_arrays_in_heap()  # as the engine does for many samples: the bound gets the same allocator
    inputs = _inputs()
    sample = draw(inputs, n, np.random.default_rng(1))
    lean = from_engine_parameters(inputs.structure, sample.values, inputs.settings)
    agreement = check_against_engine(inputs, {k: v[:200] for k, v in sample.values.items()})
    engine, bound = float("inf"), float("inf")
    for _ in range(repeat):  # interleaved: both see the same load
        bound = min(bound, _best(lambda: lean_model(lean, workers=workers), 1, clock))
        engine = min(engine, _best(lambda: evaluate(inputs.structure, sample.values, inputs.settings,
                                                    workers=workers), 1, clock))
    return {"rows": [{"name": f"engine vs lean bound: {n:,} samples x 2 arms x {inputs.settings.n_cycles} cycles, "
                              f"{label}", "seconds": engine, "bound": bound, "target": "2.5x",
                      "note": f"bound agrees with the engine to {agreement:.1e} relative"}]}


def case_engine_2_threads() -> dict:
    return _engine_against_bound(20_000, 2, time.perf_counter, "2 threads (wall)")


def case_engine_1_thread() -> dict:
    return _engine_against_bound(20_000, 1, time.process_time, "1 thread (CPU)")


def _psa(n: int, keep: int = 200_000) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + sys of every thread) of one PSA of ``n`` iterations."""
    import resource

    from cea.analyses.psa import run_psa

    inputs = _inputs()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    run_psa(inputs, n, seed=1, keep_parameters=keep)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def case_psa_10k() -> dict:
    return {"rows": [{"name": "PSA 10,000 iterations (draw + engine + summaries)", "seconds": _psa(10_000)[0]}]}


def case_psa_100k() -> dict:
    return {"rows": [{"name": "PSA 100,000 iterations", "seconds": _psa(100_000)[0]}]}


def case_psa_1m() -> dict:
    """The issue-16 goal: a million iterations within a minute and 1 GB on 2 cores.  The CPU row (both threads'
    user + sys time) hardly depends on what else runs on the machine; wall-clock ≈ CPU / 2 on an idle one."""
    wall, cpu = _psa(1_000_000, keep=10_000)
    return {"rows": [{"name": "PSA 1,000,000 iterations, streamed (10,000 draws kept for EVPPI)", "seconds": wall,
                      "target": "60 s, 1 GB"},
                     {"name": "PSA 1,000,000 iterations (CPU: user + sys, both threads)", "seconds": cpu}]}


def case_evppi() -> dict:
    from cea.analyses.psa import run_psa
    from cea.analyses.voi_analysis import run_voi

    inputs = _inputs()
    psa = run_psa(inputs, 10_000, seed=1)
    start = time.perf_counter()
    voi = run_voi(inputs, psa)
    return {"rows": [{"name": f"EVPPI: {len(voi.evppi)} fits (parameters and groups x WTPs), 10,000 samples",
                      "seconds": time.perf_counter() - start}]}


def case_workbook() -> dict:
    from bench_workbook import synthetic_frames

    from cea.analyses.base_case import run_base_case
    from cea.workbook import write_workbook

    inputs = _inputs()
    base = run_base_case(inputs)
    frames = synthetic_frames(base, 10_000)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_workbook(Path(folder) / "model.xlsx", inputs, base, **frames)
        seconds = time.perf_counter() - start
    return {"rows": [{"name": "workbook export with 10,000 PSA rows", "seconds": seconds, "target": "10 s"}]}


def _command(args: list[str]) -> tuple[float, float, float]:
    """Run a `cea` command in a child process: wall seconds, CPU seconds (user + sys of the process and of every
    process it waited for, LibreOffice included) and peak resident memory in MB (ru_maxrss from wait4)."""
    cea = Path(sys.executable).with_name("cea")
    # this checkout's cea, whichever one the venv's console script was installed from
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    process = subprocess.Popen([str(cea), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, f"cea {' '.join(args)} failed"
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _formulas(xlsx: Path) -> int:
    """Formula cells of a workbook: <f> elements in its sheets (a data table's range counts once)."""
    import zipfile

    with zipfile.ZipFile(xlsx) as archive:
        return sum(archive.read(n).count(b"<f>") + archive.read(n).count(b"<f ")
                   for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))


def case_cea_all() -> dict:
    """`cea all` on the shipped inputs, start to finish in a child process (the issue-20 goal: 25 s of CPU);
    the workbook it writes: file size and formula count."""
    with tempfile.TemporaryDirectory() as out:
        wall, cpu, peak = _command(["all", "--inputs", str(ROOT / "inputs"), "--out", out])
        book = Path(out) / "model.xlsx"
        note = (f"wall {wall:.1f} s; model.xlsx {book.stat().st_size / 1e6:.2f} MB, {_formulas(book):,} formulas; "
                f"{_bytes(Path(out)) / 1e6:.0f} MB written in all")
    return {"rows": [{"name": "cea all, shipped inputs (CPU: user + sys, LibreOffice check included)",
                      "seconds": cpu, "target": "25 s", "peak_mb": peak, "note": note}]}


def case_psa_1m_end_to_end() -> dict:
    """`cea psa --iterations 1000000` as a user runs it: draws, engine, the samples file (Parquet above a
    spreadsheet's size), summaries and figures (the issue-20 goal: 60 s wall on two quiet cores, < 1 GB)."""
    with tempfile.TemporaryDirectory() as out:
        wall, cpu, peak = _command(["psa", "--iterations", "1000000", "--seed", "1", "--inputs", str(ROOT / "inputs"),
                                    "--out", out])
        files = sorted(p.name for p in (Path(out) / "psa").glob("psa_samples.*"))
        written = _bytes(Path(out))
    note = f"CPU {cpu:.1f} s (user + sys); {written / 1e6:.0f} MB written (samples: {', '.join(files)})"
    return {"rows": [{"name": "cea psa --iterations 1000000, end to end (wall)", "seconds": wall,
                      "target": "60 s, 1 GB", "peak_mb": peak, "note": note},
                     {"name": "cea psa --iterations 1000000, end to end (CPU: user + sys)", "seconds": cpu,
                      "peak_mb": peak}]}


def case_workbook_libreoffice() -> dict:
    """LibreOffice figures of the payer workbook, as benchmarks/bench_workbook.py measures them (open CPU with
    either recalculation setting, edit recalculation CPU, PSA and DSA re-run CPU, file size, formula count).
    Calls every function of bench_workbook named ``libreoffice_*`` that exists; each returns rows like the
    cases here ({"name", "seconds", ...}) or a {measure: value} dict (values in seconds unless the measure's
    name says otherwise)."""
    try:
        import bench_workbook
    except ImportError as error:
        return {"rows": [{"name": f"workbook in LibreOffice: not measured ({error})", "seconds": float("nan")}]}
    from cea.workbook.recalc import soffice

    functions = [getattr(bench_workbook, n) for n in sorted(dir(bench_workbook)) if n.startswith("libreoffice_")
                 and callable(getattr(bench_workbook, n))]
    if soffice() is None or not functions:
        why = "LibreOffice is not installed" if soffice() is None else "bench_workbook has no libreoffice_* function"
        return {"rows": [{"name": f"workbook in LibreOffice: not measured ({why})", "seconds": float("nan")}]}
    rows = []
    for function in functions:
        result = function()
        if isinstance(result, dict) and "rows" in result:
            result = result["rows"]
        if isinstance(result, dict):
            result = [{"name": f"workbook: {k}", "seconds": float(v)} for k, v in result.items()]
        rows += list(result)
    return {"rows": rows}


CASES = {"startup": case_startup, "base_case": case_base_case, "engine_1_thread": case_engine_1_thread,
         "engine_2_threads": case_engine_2_threads, "psa_10k": case_psa_10k, "psa_100k": case_psa_100k,
         "psa_1m": case_psa_1m, "evppi": case_evppi, "workbook": case_workbook, "cea_all": case_cea_all,
         "psa_1m_end_to_end": case_psa_1m_end_to_end, "workbook_libreoffice": case_workbook_libreoffice}
SLOW = {"psa_100k", "psa_1m", "psa_1m_end_to_end", "workbook_libreoffice"}


def run_case(name: str) -> list[dict]:
    """Run one case in a fresh process; its peak memory is that process's maximum resident set size."""
    process = subprocess.Popen([sys.executable, __file__, "--case", name], stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return [{"name": f"{name}: FAILED (exit {os.waitstatus_to_exitcode(status)})", "seconds": float("nan")}]
    rows = json.loads(output.strip().splitlines()[-1])["rows"]
    for row in rows:
        row.setdefault("peak_mb", usage.ru_maxrss / 1024)
    return rows


def table(rows: list[dict]) -> str:
    width = max(len(r["name"]) for r in rows)
    lines = [f"{'benchmark':{width}s} {'time s':>9s} {'bound s':>9s} {'ratio':>7s} {'target':>10s} {'peak MB':>8s}"]
    for r in rows:
        bound = r.get("bound")
        ratio = r["seconds"] / bound if bound else None
        lines.append(f"{r['name']:{width}s} {r['seconds']:9.3f} {'' if bound is None else format(bound, '9.3f'):>9s} "
                     f"{'' if ratio is None else format(ratio, '7.2f'):>7s} {r.get('target', ''):>10s} "
                     f"{r['peak_mb']:8.0f}")
    notes = [f"  {r['name']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join(lines + (["notes:"] + notes if notes else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", choices=sorted(CASES), help="run only these benchmarks")
    parser.add_argument("--quick", action="store_true",
                        help="leave out the 100,000 and 1,000,000 PSAs and the workbook in LibreOffice")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case]()))
        return
    names = args.only or [n for n in CASES if not (args.quick and n in SLOW)]
    load_at_start = os.getloadavg()[0]
    rows = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += run_case(name)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load_at_start:.1f} at the start, {load:.1f} at the end; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
