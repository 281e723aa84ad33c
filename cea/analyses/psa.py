"""Probabilistic sensitivity analysis: draw → evaluate → summarise, streamed in blocks.

Each block of iterations b uses its own Generator seeded by (seed, b), so results do not
depend on how many iterations run or how the work is chunked: the first N iterations of
a longer run are the same N iterations.  Memory is bounded by the block size; only the
per-iteration totals (and, up to ``keep_parameters``, the parameter draws for EVPPI) are
kept.  The same draw feeds every arm.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from cea.allocator import keep_large_arrays_in_heap
from cea.analyses.acceptability import ceac, ceaf, monte_carlo_convergence, probabilistic_icer
from cea.analyses.base_case import BaseCaseResult, run_base_case
from cea.analyses.decision import RATIO_STATUSES, icer_status
from cea.analyses.value_of_information import evpi
from cea.engine.model import ModelOutcomes, evaluate
from cea.inputs.manifest import RunManifest, build_manifest
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.pricing import priced_parameters
from cea.parameters.parameter_set import ParameterSet
from cea.parameters.sampling import draw, stochastic_ids

BLOCK = 10_000  # iterations per block: the unit of seeding and of memory use


@dataclass(frozen=True)
class PsaResult:
    arms: tuple[str, ...]
    intervention: str
    comparator: str
    costs: np.ndarray  # (n, A) discounted
    qalys: np.ndarray
    lys: np.ndarray
    parameters: pd.DataFrame | None  # (n, p) stochastic draws, for EVPPI
    wtp_grid: np.ndarray
    wtp_thresholds: tuple[float, ...]
    seed: int
    base_case: BaseCaseResult
    manifest: RunManifest
    zero_variance: bool = False
    priced_costs: np.ndarray | None = None  # (n, A) discounted cost of the priced technology's items (cea.analyses.price)

    @property
    def iterations(self) -> int:
        return self.costs.shape[0]

    def arm_index(self, arm: str) -> int:
        return self.arms.index(arm)

    def incremental(self) -> tuple[np.ndarray, np.ndarray]:
        i, c = self.arm_index(self.intervention), self.arm_index(self.comparator)
        return self.costs[:, i] - self.costs[:, c], self.qalys[:, i] - self.qalys[:, c]

    def ceac_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(ceac(self.costs, self.qalys, self.wtp_grid), columns=list(self.arms))
        probability, optimal = ceaf(self.costs, self.qalys, self.wtp_grid)
        frame.insert(0, "wtp", self.wtp_grid)
        frame["ceaf_probability"] = probability
        frame["ceaf_strategy"] = [self.arms[k] for k in optimal]
        return frame

    def incremental_analysis(self, thresholds=None) -> list[dict]:
        """Fully incremental analysis of every arm on the PSA means (cea.analyses.strategies.incremental_entries);
        NMB at ``thresholds`` (default: the settings' wtp_thresholds)."""
        from cea.analyses.strategies import result_entries

        return result_entries(self, thresholds)

    def evpi_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"wtp": self.wtp_grid, "evpi": evpi(self.costs, self.qalys, self.wtp_grid)})

    def convergence(self, wtp: float) -> pd.DataFrame:
        dc, dq = self.incremental()
        return monte_carlo_convergence(wtp * dq - dc)

    def summary(self) -> dict:
        dc, dq = self.incremental()
        mean_dc, mean_dq = float(dc.mean()), float(dq.mean())
        icer, status = icer_status(mean_dc, mean_dq)
        thresholds = np.array(self.wtp_thresholds, dtype=float)
        probs = ceac(self.costs, self.qalys, thresholds)
        _, optimal = ceaf(self.costs, self.qalys, thresholds)
        evpi_at = evpi(self.costs, self.qalys, thresholds)
        det = self.base_case.incremental()
        n = self.iterations
        return {
            "iterations": n,
            "seed": self.seed,
            "zero_variance": self.zero_variance,
            "mean": {a: {"costs": float(self.costs[:, j].mean()), "qalys": float(self.qalys[:, j].mean()),
                         "lys": float(self.lys[:, j].mean())} for j, a in enumerate(self.arms)},
            "incremental": {
                "intervention": self.intervention, "comparator": self.comparator,
                "costs": mean_dc, "qalys": mean_dq, "lys": float((self.lys[:, self.arm_index(self.intervention)]
                                                                  - self.lys[:, self.arm_index(self.comparator)]).mean()),
                "icer": probabilistic_icer(dc, dq) if status in RATIO_STATUSES else None,
                "status": status,
                "costs_95ci": [float(np.quantile(dc, 0.025)), float(np.quantile(dc, 0.975))],
                "qalys_95ci": [float(np.quantile(dq, 0.025)), float(np.quantile(dq, 0.975))],
                "nmb": {f"{w:g}": float((w * dq - dc).mean()) for w in thresholds},
                "nmb_mcse": {f"{w:g}": float((w * dq - dc).std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
                             for w in thresholds},
            },
            "deterministic": {"costs": det["costs"], "qalys": det["qalys"], "icer": det["icer"], "status": det["status"],
                              "nmb": det["nmb"]},
            "prob_cost_effective": {f"{w:g}": {a: float(probs[k, j]) for j, a in enumerate(self.arms)}
                                    for k, w in enumerate(thresholds)},
            "evpi": {f"{w:g}": float(evpi_at[k]) for k, w in enumerate(thresholds)},
            # every arm at once: the fully incremental analysis of the means (the probabilistic result) and, at each
            # threshold, the arm with the largest expected NMB and the probability that it is the most cost-effective
            # (the frontier, CEAF)
            "incremental_analysis": self.incremental_analysis(),
            "ceaf": {f"{w:g}": {"strategy": self.arms[int(optimal[k])], "probability": float(probs[k, optimal[k]])}
                     for k, w in enumerate(thresholds)},
            "manifest": self.manifest.to_dict(),
        }


def wtp_grid(inputs: ModelInputs) -> np.ndarray:
    s = inputs.settings
    grid = np.arange(0.0, s.wtp_grid_max + s.wtp_grid_step / 2, s.wtp_grid_step)
    return np.unique(np.concatenate([grid, np.asarray(s.wtp_thresholds, dtype=float)]))


def _blocks(inputs: ModelInputs, n: int, seed: int, zero_variance: bool,
            workers: int | None = None) -> Iterator[tuple[int, int, ParameterSet, ModelOutcomes]]:
    """(start, size, draws, outcomes) of every block, in order.

    Block b draws with its own Generator seeded by (seed, b) and is evaluated on its own, so any block can
    run on any thread at any time without changing a number.  One block: its chunks share the cores
    (evaluate's threads).  Several: whole blocks (draw + engine) run on ``workers`` threads (default: the
    cores), at most two per thread in flight so that memory stays bounded; the draws' inverse CDFs and the
    engine's numpy loops release the GIL, so both cores stay busy.
    """
    starts = list(range(0, n, BLOCK))
    sizes = [min(BLOCK, n - start) for start in starts]

    def run(block: int) -> tuple[ParameterSet, ModelOutcomes]:
        sample = draw(inputs, sizes[block], np.random.default_rng([seed, block]), zero_variance=zero_variance)
        return sample, evaluate(inputs.structure, sample.values, inputs.settings, workers=1 if len(starts) > 1 else None,
                                priced=priced_parameters(inputs.settings))

    workers = min(len(starts), workers or os.cpu_count() or 1)
    if len(starts) > 1:
        keep_large_arrays_in_heap()  # block after block reuses the same memory (see cea.allocator)
    if workers <= 1:
        for block, start in enumerate(starts):
            yield (start, sizes[block], *run(block))
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        pending = deque(pool.submit(run, block) for block in range(min(len(starts), 2 * workers)))
        for block, start in enumerate(starts):
            sample, out = pending.popleft().result()
            if block + len(pending) + 1 < len(starts):
                pending.append(pool.submit(run, block + len(pending) + 1))
            yield start, sizes[block], sample, out
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_psa(inputs: ModelInputs, iterations: int | None = None, seed: int | None = None,
            keep_parameters: int = 200_000, zero_variance: bool = False,
            on_block: Callable[[int, ParameterSet, np.ndarray, np.ndarray, np.ndarray], None] | None = None,
            overrides: dict[str, str] | None = None) -> PsaResult:
    """Run the PSA.  ``on_block(start, parameters, costs, qalys, lys)`` is called after every block
    (for streaming output and progress bars)."""
    s = inputs.settings
    n = int(iterations if iterations is not None else s.psa_iterations)
    seed = int(seed if seed is not None else s.seed)
    if n < 1:
        raise ValueError("iterations must be at least 1")
    ids = stochastic_ids(inputs)
    n_arms = len(inputs.structure.arms)
    costs, qalys, lys, priced = (np.empty((n, n_arms)) for _ in range(4))
    kept = min(n, keep_parameters)
    parameter_draws = np.empty((kept, len(ids)))
    for start, size, sample, out in _blocks(inputs, n, seed, zero_variance):
        costs[start:start + size], qalys[start:start + size], lys[start:start + size] = out.costs, out.qalys, out.lys
        priced[start:start + size] = out.priced_costs
        if start < kept:
            upto = min(size, kept - start)
            parameter_draws[start:start + upto] = np.column_stack([sample[p][:upto] for p in ids])
        if on_block is not None:
            on_block(start, sample, out.costs, out.qalys, out.lys)
    frame = pd.DataFrame(parameter_draws, columns=ids)
    return PsaResult(inputs.structure.arm_ids, s.intervention, s.comparator, costs, qalys, lys, frame, wtp_grid(inputs),
                     s.wtp_thresholds, seed, run_base_case(inputs, overrides), build_manifest(inputs, seed, overrides),
                     zero_variance, priced)
