"""Benchmarks: engine time for the base case and PSA-sized batches (printed as a table).

Run with `make bench`.  Timings are wall-clock on this machine; nothing here is asserted.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cea.engine.model import evaluate  # noqa: E402
from cea.inputs.model_inputs import load_inputs  # noqa: E402
from cea.parameters.parameter_set import ParameterSet, point_estimates  # noqa: E402


def timed(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    inputs = load_inputs(ROOT / "inputs")
    base = point_estimates(inputs)
    rows = [("base case (1 sample, with trace)", timed(lambda: evaluate(inputs.structure, base.values, inputs.settings,
                                                                      keep_trace=True)))]
    for n in (1_000, 10_000):
        many = ParameterSet({k: np.repeat(v, n) for k, v in base.values.items()}, n)
        rows.append((f"engine, {n:,} samples", timed(lambda: evaluate(inputs.structure, many.values, inputs.settings),
                                                     repeat=1 if n > 1000 else 3)))
    print(f"{'benchmark':45s} {'seconds':>10s}")
    for name, seconds in rows:
        print(f"{name:45s} {seconds:10.3f}")


if __name__ == "__main__":
    main()
