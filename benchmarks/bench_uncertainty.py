"""Benchmarks of the uncertainty toolkit: PSA at 1,000 / 10,000 / 100,000 iterations (weekly cycles,
15 years), a streamed 1,000,000-iteration PSA (time and peak memory), and EVPPI for every
parameter and group at 10,000 samples.  Prints a table; nothing is asserted.

Usage: python benchmarks/bench_uncertainty.py [--million]   (the 1,000,000 run takes minutes)
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from cea.analyses.psa import run_psa  # noqa: E402
from cea.analyses.voi_analysis import run_voi  # noqa: E402
from cea.engine.model import evaluate  # noqa: E402
from cea.inputs.model_inputs import load_inputs  # noqa: E402
from cea.parameters.sampling import draw  # noqa: E402


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    inputs = load_inputs(ROOT / "inputs")
    rows = []
    sample = draw(inputs, 10_000, np.random.default_rng(1))
    start = time.perf_counter()
    evaluate(inputs.structure, sample.values, inputs.settings)
    rows.append(("engine only, 10,000 samples", time.perf_counter() - start, peak_memory_mb()))
    psa = None
    for n in (1_000, 10_000, 100_000):
        start = time.perf_counter()
        result = run_psa(inputs, n, seed=1)
        rows.append((f"PSA {n:,} iterations (draw + engine + summaries)", time.perf_counter() - start, peak_memory_mb()))
        if n == 10_000:
            psa = result
    start = time.perf_counter()
    voi = run_voi(inputs, psa)
    n_fits = len(voi.evppi)
    rows.append((f"EVPPI: {n_fits} fits (parameters and groups x WTPs), 10,000 samples", time.perf_counter() - start,
                 peak_memory_mb()))
    if "--million" in sys.argv:
        start = time.perf_counter()
        run_psa(inputs, 1_000_000, seed=1, keep_parameters=10_000)
        rows.append(("PSA 1,000,000 iterations, streamed", time.perf_counter() - start, peak_memory_mb()))
    print(f"machine: {os.cpu_count()} cores; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"{'benchmark':72s} {'seconds':>9s} {'peak MB':>9s}")
    for name, seconds, memory in rows:
        print(f"{name:72s} {seconds:9.2f} {memory:9.0f}")


if __name__ == "__main__":
    main()
