"""A lean numpy implementation of the base-case model's arithmetic: the speed bound for the engine (issue 16).

Not part of the package and never used for results: it is what the engine's arithmetic costs when written
as tightly as numpy allows, with nothing else (no model structure, no cost items, no undiscounted totals,
no bookkeeping).  `make bench` times the engine against it on the same samples, back to back.

The work, for each sample and both arms (time-major arrays (cycles, samples), chunks of samples, the two
arms side by side in one array, one loop over cycles):

- PFS: a reference Weibull H(t) = (t/λ)^ρ per sample, the intervention's hazard HR·H (PH); PF exits by
  competing hazards, the death part π·ΔH floored at the general-population hazard μ_gp·Δ:
  PF_{k+1} = PF_k·exp(−total_k), progressions = exits·(1 − π)ΔH/total (as the engine, F7);
- OS: a Weibull per sample and arm (each arm's own curve, or one curve with a hazard ratio: PH); post-progression deaths set each cycle so that the alive total
  follows S_OS, clipped to [p_gp·PD_k, PD_k] (the background death probability and 1);
- rewards: half-cycle weights on occupancy, discounting at the trace points (costs and outcomes at their
  own rates), state costs per month and utilities per state, one-off costs at progression and at death
  discounted at the cycle midpoint; LYs, QALYs and costs per arm.

The engine does more than this (costs by category and state, undiscounted totals, drug costs on the time on
treatment, age-adjusted utilities, adverse events, waning), so a ratio of 1 is out of reach by design;
`check_against_engine` shows that the shared part gives the same numbers (discounted LYs by state and the
discounted event totals agree to 1e-9 relative), so the bound does the engine's work and not less.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LeanInputs:
    """Per-sample arrays (n,) and per-cycle arrays (T,) of the bound.  Arm 0 is the intervention."""

    pfs_log_scale: np.ndarray  # reference (comparator) PFS Weibull, lifelines λ, ρ on the log scale
    pfs_log_shape: np.ndarray
    hr_pfs: np.ndarray  # intervention vs reference
    os_log_scale: tuple[np.ndarray, np.ndarray]  # each arm's OS Weibull (the same curve for a joint PH fit)
    os_log_shape: tuple[np.ndarray, np.ndarray]
    hr_os: tuple[np.ndarray, np.ndarray]  # each arm's OS hazard ratio on its curve (ones where none)
    death_share: np.ndarray  # π: share of PFS events that are deaths
    cost_pf_month: np.ndarray
    cost_pd_month: np.ndarray
    cost_progression: np.ndarray
    cost_death: np.ndarray
    utility_pf: np.ndarray
    utility_pd: np.ndarray
    background_hazard: np.ndarray  # (T,) μ_gp·Δ per cycle
    cycle_months: float
    n_cycles: int
    discount_costs: float
    discount_outcomes: float


def lean_model(x: LeanInputs, chunk: int = 2000, workers: int = 1) -> dict[str, np.ndarray]:
    """costs, qalys, lys (n, 2) discounted, plus the parts the engine check uses (lys_pf, lys_pd, progressions,
    deaths, discounted); chunks of samples on up to ``workers`` threads."""
    n = len(x.hr_pfs)
    starts = list(range(0, n, chunk))
    run = lambda i: _chunk(x, slice(i, i + chunk))  # noqa: E731
    if workers > 1 and len(starts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, starts))
    else:
        parts = [run(i) for i in starts]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _chunk(x: LeanInputs, rows: slice) -> dict[str, np.ndarray]:
    T = x.n_cycles
    years = np.arange(T + 1) * (x.cycle_months / 12.0)
    log_t = np.log(np.arange(1, T + 1) * x.cycle_months)[:, None]  # t_1..t_T (months)
    c = len(x.hr_pfs[rows])
    share = np.tile(x.death_share[rows], 2)
    # cumulative hazards at t_1..t_T, arms side by side: H = exp(ρ(ln t − ln λ))
    shape_p = np.exp(x.pfs_log_shape[rows])
    h_ref = np.exp(log_t * shape_p - shape_p * x.pfs_log_scale[rows])
    hr = np.concatenate([x.hr_pfs[rows], np.ones(c)])
    shape_o = np.exp(np.concatenate([x.os_log_shape[0][rows], x.os_log_shape[1][rows]]))
    scale_o = np.concatenate([x.os_log_scale[0][rows], x.os_log_scale[1][rows]])
    hr_o = np.concatenate([x.hr_os[0][rows], x.hr_os[1][rows]])
    s_os = np.exp(-np.exp(log_t * shape_o - shape_o * scale_o) * hr_o)  # alive target at t_1..t_T
    d_h = np.empty((T, 2 * c))
    d_h[:, :c] = h_ref
    d_h[:, c:] = h_ref
    d_h[1:] -= d_h[:-1].copy()
    d_h *= hr
    progression_h = d_h * (1.0 - share)
    total = np.maximum(d_h * share, x.background_hazard[:, None])
    total += progression_h
    progression_share = np.divide(progression_h, total, out=progression_h)
    stay = np.exp(-total, out=total)
    p_background = -np.expm1(-x.background_hazard)

    pf = np.empty((T + 1, 2 * c))
    pd = np.empty((T + 1, 2 * c))
    progressions = np.empty((T, 2 * c))
    deaths = np.empty((T, 2 * c))
    pf[0], pd[0] = 1.0, 0.0
    exits = np.empty(2 * c)
    pd_deaths = np.empty(2 * c)
    for k in range(T):  # the one loop over cycles
        np.multiply(pf[k], stay[k], out=pf[k + 1])
        np.subtract(pf[k], pf[k + 1], out=exits)
        np.multiply(exits, progression_share[k], out=progressions[k])
        # PD deaths so that alive_{k+1} = S_OS(t_{k+1}), within [p_gp·PD_k, PD_k]
        np.add(pf[k + 1], progressions[k], out=pd_deaths)
        pd_deaths -= s_os[k]
        pd_deaths += pd[k]
        np.maximum(pd_deaths, p_background[k] * pd[k], out=pd_deaths)
        np.minimum(pd_deaths, pd[k], out=pd_deaths)
        np.subtract(pd[k] + progressions[k], pd_deaths, out=pd[k + 1])
        np.subtract(exits, progressions[k], out=deaths[k])
        deaths[k] += pd_deaths

    w = np.ones(T + 1)
    w[0] = w[-1] = 0.5  # half-cycle correction
    df_c, df_o = (1.0 + x.discount_costs) ** -years, (1.0 + x.discount_outcomes) ** -years
    mid = (years[:-1] + years[1:]) / 2
    occupancy = np.column_stack([w * df_o, w * df_c]) * (x.cycle_months / 12.0)  # years, discounted
    events = np.column_stack([(1.0 + x.discount_costs) ** -mid])
    ly_pf, cy_pf = occupancy.T @ pf  # (2, 2c): LY outcome-discounted, LY cost-discounted
    ly_pd, cy_pd = occupancy.T @ pd
    prog, dead = (events.T @ progressions)[0], (events.T @ deaths)[0]

    def arms(v: np.ndarray) -> np.ndarray:
        return np.column_stack([v[:c], v[c:]])

    per_sample = lambda name: np.tile(getattr(x, name)[rows], 2)  # noqa: E731
    costs = (12.0 * (per_sample("cost_pf_month") * cy_pf + per_sample("cost_pd_month") * cy_pd)
             + per_sample("cost_progression") * prog + per_sample("cost_death") * dead)
    qalys = per_sample("utility_pf") * ly_pf + per_sample("utility_pd") * ly_pd
    return {"costs": arms(costs), "qalys": arms(qalys), "lys": arms(ly_pf + ly_pd), "lys_pf": arms(ly_pf),
            "lys_pd": arms(ly_pd), "progressions": arms(prog), "deaths": arms(dead)}


def from_engine_parameters(structure, values: dict[str, np.ndarray], settings) -> LeanInputs:
    """The bound's inputs from a ParameterSet's values for the shipped BOLERO-2 structure (PFS: one Weibull
    with a hazard ratio for the intervention; OS: a Weibull per arm, with the arm's hazard ratio if any)."""
    from cea.engine import transitions as tr

    first, second = structure.arms[0], structure.arms[1]
    pfs = structure.curves[first.pfs_curve]
    assert first.pfs_curve == second.pfs_curve and first.pfs_hazard_ratio and not second.pfs_hazard_ratio
    os_curves = [structure.curves[a.os_curve] for a in (first, second)]
    assert {pfs.family, *(c.family for c in os_curves)} == {"weibull"}
    years = np.arange(settings.n_cycles + 1) * settings.cycle_years
    mid = (years[:-1] + years[1:]) / 2
    background = tr.general_population_hazard(settings.start_age + mid, structure.life_table_ages,
                                              structure.life_table_qx, settings.cycle_years)
    item = {i.basis: i for i in structure.cost_items if i.arm == "all"}
    unit = lambda basis: values[item[basis].multiply[0]]  # noqa: E731  (single-parameter unit costs)
    return LeanInputs(
        values[f"{pfs.id}.log_scale"], values[f"{pfs.id}.log_shape"], values[first.pfs_hazard_ratio],
        tuple(values[f"{c.id}.log_scale"] for c in os_curves), tuple(values[f"{c.id}.log_shape"] for c in os_curves),
        tuple(values[a.os_hazard_ratio] if a.os_hazard_ratio else np.ones_like(values[structure.utility_pf])
              for a in (first, second)),
        values[structure.pf_death_share], unit("per_month_in_pf"), unit("per_month_in_pd"), unit("per_progression"),
        unit("per_death"), values[structure.utility_pf], values[structure.utility_pd], background,
        settings.cycle_months, settings.n_cycles, settings.discount_rate_costs, settings.discount_rate_outcomes)


def check_against_engine(inputs, values: dict[str, np.ndarray]) -> float:
    """Largest relative difference between the bound and the engine in what both compute (discounted LYs
    by state, discounted progressions and deaths), with the engine's age adjustment and waning switched off
    (they do not touch these).  Returns the difference; `make bench` prints it."""
    from cea.engine.model import evaluate

    settings = inputs.settings
    lean = lean_model(from_engine_parameters(inputs.structure, values, settings))
    engine = evaluate(inputs.structure, values, settings, keep_trace=True)
    d_mid = (1.0 + settings.discount_rate_costs) ** -((np.arange(settings.n_cycles) + 0.5) * settings.cycle_years)
    ours = {"lys_pf": engine.lys_by_state[..., 0], "lys_pd": engine.lys_by_state[..., 1],
            "progressions": engine.trace.new_progressions @ d_mid, "deaths": engine.trace.new_deaths @ d_mid}
    return max(float(np.max(np.abs(lean[k] - v) / np.abs(v))) for k, v in ours.items())


if __name__ == "__main__":  # pragma: no cover - a quick look: python benchmarks/lean_bound.py
    import sys
    import time
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from cea.inputs.model_inputs import load_inputs
    from cea.parameters.sampling import draw

    inputs = load_inputs(Path(__file__).resolve().parents[1] / "inputs")
    sample = draw(inputs, 2000, np.random.default_rng(1))
    print("largest relative difference, bound vs engine:", check_against_engine(inputs, sample.values))
    x = from_engine_parameters(inputs.structure, sample.values, inputs.settings)
    start = time.perf_counter()
    lean_model(x)
    print(f"bound, 2,000 samples: {time.perf_counter() - start:.3f} s")
