"""Benchmark: export the Excel workbook with 10,000 PSA iterations (target: under 10 s), and optionally
the time LibreOffice takes to recalculate it (`--recalc`).

Run with `.venv/bin/python benchmarks/bench_workbook.py [--iterations N] [--recalc]`.  The PSA
frame is synthetic (same columns as the PSA's output: costs, QALYs and LYs per arm) because only the
export is timed; the model sheets are built from the shipped inputs.  Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cea.analyses.base_case import run_base_case  # noqa: E402
from cea.inputs.model_inputs import load_inputs  # noqa: E402
from cea.workbook.build import build_book, write_workbook  # noqa: E402
from cea.workbook.evaluate import evaluate_book  # noqa: E402
from cea.workbook.xlsx import write_xlsx  # noqa: E402


def synthetic_frames(base, iterations: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    psa = {}
    for arm in base.outcomes.arms:
        s = base.arm_summary(arm)
        psa[f"cost_{arm}"] = rng.normal(s["costs"], 0.1 * s["costs"], iterations)
        psa[f"qaly_{arm}"] = rng.normal(s["qalys"], 0.1 * s["qalys"], iterations)
        psa[f"ly_{arm}"] = rng.normal(s["lys"], 0.1 * s["lys"], iterations)
    frame = pd.DataFrame(psa)
    settings = base.settings
    wtp = np.arange(0.0, settings.wtp_grid_max + settings.wtp_grid_step, settings.wtp_grid_step)
    i, c = settings.intervention, settings.comparator
    nmb_i = wtp[:, None] * frame[f"qaly_{i}"].to_numpy() - frame[f"cost_{i}"].to_numpy()
    nmb_c = wtp[:, None] * frame[f"qaly_{c}"].to_numpy() - frame[f"cost_{c}"].to_numpy()
    p = (nmb_i > nmb_c).mean(axis=1)
    ceac = pd.DataFrame({"wtp": wtp, i: p, c: 1 - p})
    return {"psa": frame, "ceac": ceac}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--recalc", action="store_true", help="also time a LibreOffice recalculation")
    args = parser.parse_args()
    inputs = load_inputs(ROOT / "inputs")
    base = run_base_case(inputs)
    frames = synthetic_frames(base, args.iterations)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.xlsx"
        start = time.perf_counter()
        book = build_book(inputs, base, **frames)
        rows.append(("build workbook (cells in memory)", time.perf_counter() - start))
        start = time.perf_counter()
        values = evaluate_book(book)
        rows.append(("evaluate every formula (cached values)", time.perf_counter() - start))
        start = time.perf_counter()
        write_xlsx(book, values, path)
        rows.append(("save .xlsx (XlsxWriter)", time.perf_counter() - start))
        start = time.perf_counter()
        write_workbook(path, inputs, base, **frames)
        export = time.perf_counter() - start
        rows.append((f"export with {args.iterations:,} PSA iterations (write_workbook)", export))
        size = path.stat().st_size
        if args.recalc:
            from cea.workbook.recalc import recalculate, soffice

            if soffice() is None:
                print("LibreOffice not installed: --recalc skipped")
            else:
                start = time.perf_counter()
                recalculate([path], Path(folder) / "recalculated")
                rows.append(("LibreOffice recalculation (one file, incl. start-up)", time.perf_counter() - start))
    print(f"{'benchmark':62s} {'seconds':>9s}")
    for name, seconds in rows:
        print(f"{name:62s} {seconds:9.2f}")
    print(f"file size: {size / 1e6:.2f} MB; trace rows per arm: {inputs.settings.n_cycles + 1}; "
          f"target: export < 10 s -> {'met' if export < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
