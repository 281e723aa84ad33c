"""Decision uncertainty from a PSA sample: CEAC, CEAF, probabilistic ICER, convergence.

Array-only: inputs are costs and QALYs of shape (n_samples, n_strategies), one
row per PSA iteration (the same parameter draw for every strategy), and a 1-d
grid of willingness-to-pay values λ. Nothing here knows about the model.

Memory: nothing of shape (n_samples, n_strategies, n_wtp) is ever built. The
functions loop over λ, so the working set is a few (n_samples, n_strategies)
arrays: 1,000,000 samples × 2 strategies × 200 λ needs about 50 MB.

Sources: Fenwick, Claxton & Sculpher 2001, Health Econ 10:779 (CEAC, CEAF);
Briggs, Claxton & Sculpher 2006, ch. 5; dampack ``ceac`` (HTA_METHODS S20);
HTA_METHODS F17, F18, UN-3, UN-6, UN-7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ceac(costs: np.ndarray, qalys: np.ndarray, wtp_grid: np.ndarray) -> np.ndarray:
    """Cost-effectiveness acceptability curves.

    CEAC_d(λ) = (1/n) Σ_i 1[d has the highest NMB_i(λ) = λ·E_id − C_id]
    (Fenwick et al. 2001; Briggs et al. 2006, ch. 5).

    Ties: when several strategies share the highest NMB in an iteration the
    iteration is split equally between them, so the result does not depend on
    the order of the columns. Each row therefore sums to 1.

    costs, qalys: (n_samples, n_strategies); wtp_grid: (n_wtp,) (a scalar is a
    one-point grid). Returns (n_wtp, n_strategies).
    """
    costs, qalys = _check_psa(costs, qalys)
    grid = np.atleast_1d(np.asarray(wtp_grid, dtype=float))
    n_samples, n_strategies = costs.shape
    # Strategy-major copies (n_strategies, n_samples): reductions over strategies
    # then run along contiguous memory, several times faster than axis=1.
    costs_by_strategy = np.ascontiguousarray(costs.T)
    qalys_by_strategy = np.ascontiguousarray(qalys.T)
    result = np.empty((grid.size, n_strategies))
    for k, wtp in enumerate(grid):
        nmb = wtp * qalys_by_strategy - costs_by_strategy
        is_best = nmb == nmb.max(axis=0)
        n_best = is_best.sum(axis=0)
        if np.all(n_best == 1):
            result[k] = np.count_nonzero(is_best, axis=1) / n_samples
        else:
            result[k] = (is_best / n_best).sum(axis=1) / n_samples
    return result


def ceaf(costs: np.ndarray, qalys: np.ndarray, wtp_grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost-effectiveness acceptability frontier.

    At each λ the optimal strategy is d*(λ) = argmax_d E[NMB_d(λ)] = argmax_d (λ·Ē_d − C̄_d)
    (first strategy on ties), and the frontier is CEAC_{d*(λ)}(λ), the probability
    that the strategy one would adopt is cost-effective (Fenwick et al. 2001).

    costs, qalys: (n_samples, n_strategies); wtp_grid: (n_wtp,).
    Returns (probability (n_wtp,), optimal_strategy_index (n_wtp,) of int).
    """
    costs, qalys = _check_psa(costs, qalys)
    grid = np.atleast_1d(np.asarray(wtp_grid, dtype=float))
    expected_nmb = np.outer(grid, qalys.mean(axis=0)) - costs.mean(axis=0)  # (n_wtp, n_strategies)
    optimal = expected_nmb.argmax(axis=1)
    curves = ceac(costs, qalys, grid)
    return curves[np.arange(grid.size), optimal], optimal


def probabilistic_icer(delta_cost: np.ndarray, delta_qaly: np.ndarray) -> float | np.ndarray:
    """Probabilistic ICER = mean(ΔC) / mean(ΔE), a ratio of means (F18, UN-6).

    Never the mean of per-iteration ratios, which is unstable when ΔE is near 0
    (Briggs et al. 2006, ch. 4; Chemotherapy_Book, HTA_METHODS S20).

    delta_cost, delta_qaly: (n_samples,) or (n_samples, n_comparisons); the mean
    is over the sample axis. Returns a float, or (n_comparisons,). NaN where
    mean(ΔE) = 0.
    """
    dc = np.asarray(delta_cost, dtype=float)
    de = np.asarray(delta_qaly, dtype=float)
    if dc.shape != de.shape:
        raise ValueError(f"delta_cost {dc.shape} and delta_qaly {de.shape} differ in shape")
    mean_dc = dc.mean(axis=0)
    mean_de = de.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mean_de == 0, np.nan, mean_dc / np.where(mean_de == 0, 1.0, mean_de))
    return float(ratio) if ratio.ndim == 0 else ratio


def monte_carlo_convergence(inmb: np.ndarray, n_checkpoints: int = 40, first: int = 10) -> pd.DataFrame:
    """Running mean and Monte Carlo standard error of a PSA statistic (UN-3).

    At checkpoint n: running_mean = (1/n) Σ_{i≤n} x_i and
    mcse = s_n/√n, with s_n the sample standard deviation (ddof = 1) of x_1..x_n
    (Briggs et al. 2006, ch. 4; Hatswell et al. 2018).

    inmb: (n_samples,), e.g. incremental NMB at one λ, in sampling order.
    Checkpoints are about n_checkpoints log-spaced iteration counts from
    ``first`` to n_samples (always including n_samples).
    Returns a DataFrame with columns iteration, running_mean, mcse.
    """
    x = np.asarray(inmb, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError("inmb must be 1-d with at least 2 samples")
    n = x.size
    start = min(max(first, 2), n)
    checkpoints = np.unique(np.geomspace(start, n, num=n_checkpoints).round().astype(int))
    # Cumulative sums of values shifted by the overall mean, to limit cancellation.
    shift = x.mean()
    s1 = np.cumsum(x - shift)[checkpoints - 1]
    s2 = np.cumsum((x - shift) ** 2)[checkpoints - 1]
    count = checkpoints.astype(float)
    variance = np.maximum(s2 - s1**2 / count, 0.0) / (count - 1)
    return pd.DataFrame(
        {
            "iteration": checkpoints,
            "running_mean": shift + s1 / count,
            "mcse": np.sqrt(variance / count),
        }
    )


def _check_psa(costs: np.ndarray, qalys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    costs = np.asarray(costs, dtype=float)
    qalys = np.asarray(qalys, dtype=float)
    if costs.ndim != 2 or costs.shape != qalys.shape:
        raise ValueError(f"costs {costs.shape} and qalys {qalys.shape} must both be (n_samples, n_strategies)")
    if costs.shape[0] == 0 or costs.shape[1] == 0:
        raise ValueError("need at least one sample and one strategy")
    return costs, qalys
