"""evaluate(): the one pure entry point of the engine.

Parameters (arrays over a leading sample axis) and the model structure in; traces,
costs by category and state, LYs and QALYs by state out.  The deterministic base case
is this function on a one-sample ParameterSet; the DSA stacks its variants as samples;
the PSA streams chunks of samples through it.  Only numpy/scipy; no I/O.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Protocol

import numpy as np

from cea.allocator import keep_large_arrays_in_heap
from cea.engine import accumulate as acc
from cea.engine import cycle_costs as cc
from cea.engine import transitions as tr
from cea.engine.discounting import discount_factors, within_cycle_weights
from cea.engine.psm import partitioned_survival_trace
from cea.engine.trace import Trace, markov_trace
from cea.structure import ModelStructure

STATE_LABELS = ("PF", "PD", "Dead")
QALY_COMPONENTS = ("PF", "PD", "AE")


class EngineSettings(Protocol):
    cycle_years: float
    cycle_months: float
    cycle_length_days: float
    n_cycles: int
    discount_rate_costs: float
    discount_rate_outcomes: float
    within_cycle_correction: str
    start_age: float
    utility_age_adjustment: bool
    pd_mortality: str
    model_structure: str
    adverse_event_timing: str
    waning_start_months: float
    waning_end_months: float
    # optional (getattr, default ""): the drug whose time on treatment carries the decrement disutility_on_treatment


@dataclass(frozen=True)
class ModelOutcomes:
    """Results of one engine call; arrays (n_samples, n_arms, …)."""

    arms: tuple[str, ...]
    cost_categories: tuple[str, ...]
    costs_by_category: np.ndarray  # (n, A, C) discounted
    costs_by_category_undiscounted: np.ndarray
    costs_by_state: np.ndarray  # (n, A, 3) PF, PD, Dead (one-off at death) – discounted
    lys_by_state: np.ndarray  # (n, A, 2) PF, PD – discounted
    lys_by_state_undiscounted: np.ndarray
    qalys_by_state: np.ndarray  # (n, A, 3) PF, PD, AE (negative) – discounted
    qalys_by_state_undiscounted: np.ndarray
    times_years: np.ndarray  # (T+1,)
    trace: Trace | None = None  # arrays (n, A, T+1) when requested
    pfs_os_crossings: np.ndarray | None = None  # (n, A) cycles where a PSM capped PFS at OS
    drugs: tuple[str, ...] = ()
    months_on_treatment_undiscounted: np.ndarray | None = None  # (n, A, D) within-cycle corrected, like LYs
    on_treatment: np.ndarray | None = None  # (n, A, D, T+1) proportion on each drug, when the trace is kept
    costs_by_cycle_undiscounted: np.ndarray | None = None  # (n, A, C, T) per cycle [t_k, t_k+1), when requested
    priced_costs: np.ndarray | None = None  # (n, A) discounted cost of the items priced by ``priced`` ids, when asked

    @property
    def costs(self) -> np.ndarray:
        return self.costs_by_category.sum(axis=-1)

    @property
    def costs_undiscounted(self) -> np.ndarray:
        return self.costs_by_category_undiscounted.sum(axis=-1)

    @property
    def lys(self) -> np.ndarray:
        return self.lys_by_state.sum(axis=-1)

    @property
    def lys_undiscounted(self) -> np.ndarray:
        return self.lys_by_state_undiscounted.sum(axis=-1)

    @property
    def qalys(self) -> np.ndarray:
        return self.qalys_by_state.sum(axis=-1)

    @property
    def qalys_undiscounted(self) -> np.ndarray:
        return self.qalys_by_state_undiscounted.sum(axis=-1)

    @staticmethod
    def concatenate(parts: list["ModelOutcomes"]) -> "ModelOutcomes":
        first = parts[0]
        cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
        trace = None
        if all(p.trace is not None for p in parts):
            trace = Trace(*(np.concatenate([getattr(p.trace, f) for p in parts]) for f in Trace.__dataclass_fields__))
        on_treatment = cat("on_treatment") if all(p.on_treatment is not None for p in parts) else None
        by_cycle = None
        if all(p.costs_by_cycle_undiscounted is not None for p in parts):
            by_cycle = cat("costs_by_cycle_undiscounted")
        priced = cat("priced_costs") if all(p.priced_costs is not None for p in parts) else None
        return ModelOutcomes(first.arms, first.cost_categories, cat("costs_by_category"),
                             cat("costs_by_category_undiscounted"), cat("costs_by_state"), cat("lys_by_state"),
                             cat("lys_by_state_undiscounted"), cat("qalys_by_state"),
                             cat("qalys_by_state_undiscounted"), first.times_years, trace, cat("pfs_os_crossings"),
                             first.drugs, cat("months_on_treatment_undiscounted"), on_treatment, by_cycle, priced)

    def mean_months(self, sample: int = 0) -> dict[str, dict]:
        """Undiscounted mean months over the horizon per arm: PF, alive and on each drug the arm receives
        (within-cycle corrected like the life-years; 12 months a year)."""
        out = {}
        for j, arm in enumerate(self.arms):
            received = self.drug_mask[j] if self.drug_mask is not None else ()
            out[arm] = {
                "pf": float(self.lys_by_state_undiscounted[sample, j, 0] * 12.0),
                "alive": float(self.lys_undiscounted[sample, j] * 12.0),
                "on_treatment": {d: float(self.months_on_treatment_undiscounted[sample, j, k])
                                 for k, d in enumerate(self.drugs) if received[k]},
            }
        return out

    @property
    def drug_mask(self) -> np.ndarray | None:
        """(A, D) True where the arm receives the drug (NaN months mark the others)."""
        if self.months_on_treatment_undiscounted is None:
            return None
        return ~np.isnan(self.months_on_treatment_undiscounted[0])


def evaluate(structure: ModelStructure, parameters: Mapping[str, np.ndarray], settings: EngineSettings,
             keep_trace: bool = False, chunk_size: int = 2000, workers: int | None = None,
             keep_cycle_costs: bool = False, priced: tuple[str, ...] = ()) -> ModelOutcomes:
    """Run the model for every sample.  ``parameters`` maps id → (n_samples,) arrays (a ParameterSet's
    ``values``); survival coefficients are '<curve>.<coefficient>'.

    Samples are processed in chunks of ``chunk_size`` (the per-cycle arrays are n_cycles × chunk, so
    a chunk stays in cache and memory stays bounded) on up to ``workers`` threads (default: the
    machine's cores; numpy releases the GIL in its array loops).  Chunks are independent, so the
    result does not depend on chunking or threads.  ``keep_cycle_costs`` adds the undiscounted costs
    of every cycle by category (cea.engine.cycle_costs), whose sum over cycles is the undiscounted total.
    ``priced`` (parameter ids, e.g. the pack prices of the technology) adds ``priced_costs``: the discounted cost of
    every item that multiplies by one of them.  Such an item's cost is proportional to its price, so the costs at a
    price m times the run's are ``costs + (m − 1)·priced_costs`` exactly (cea.analyses.price re-prices a PSA so).
    """
    n = len(next(iter(parameters.values())))
    if n <= chunk_size:
        return _evaluate_chunk(structure, parameters, settings, keep_trace, keep_cycle_costs, priced)
    keep_large_arrays_in_heap()  # chunk after chunk reuses the same memory (see cea.allocator)
    starts = range(0, n, chunk_size)
    run = lambda i: _evaluate_chunk(structure, {k: v[i:i + chunk_size] for k, v in parameters.items()},  # noqa: E731
                                    settings, keep_trace, keep_cycle_costs, priced)
    workers = min(len(starts), workers or os.cpu_count() or 1)
    if workers <= 1:
        return ModelOutcomes.concatenate([run(i) for i in starts])
    from concurrent.futures import ThreadPoolExecutor  # only here: the base case runs in one chunk

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return ModelOutcomes.concatenate(list(pool.map(run, starts)))


def _unit_value(parameters: Mapping[str, np.ndarray], multiply: tuple[str, ...], divide: tuple[str, ...]) -> np.ndarray:
    value = np.ones_like(parameters[multiply[0]], dtype=float)
    for pid in multiply:
        value = value * parameters[pid]
    for pid in divide:
        value = value / parameters[pid]
    return value


def _arm_increments(structure: ModelStructure, parameters: Mapping[str, np.ndarray], arm_id: str, endpoint: str,
                    times_months: np.ndarray, cache: dict) -> np.ndarray:
    """(n_cycles, n_samples) hazard increments of one arm's PFS or OS curve; a curve shared by
    several arms is evaluated once (``cache``) and each arm's hazard ratio applied to it."""
    arm = structure.arm(arm_id)
    curve = structure.curves[getattr(arm, f"{endpoint}_curve")]
    hr = getattr(arm, f"{endpoint}_hazard_ratio")
    af = getattr(arm, f"{endpoint}_acceleration_factor")
    key = (curve.id, af)
    if key not in cache:
        coefficients = np.column_stack([parameters[name] for name in curve.parameter_names()])
        cache[key] = tr.curve_increments(curve.family, coefficients, times_months,
                                         acceleration_factor=parameters[af] if af else None)
    return cache[key] * parameters[hr][None, :] if hr else cache[key]


def _arm_traces(structure: ModelStructure, increments: dict, p: Mapping[str, np.ndarray], s: EngineSettings,
                background: np.ndarray, p_background: np.ndarray, n: int,
                full: bool = True) -> tuple[list[Trace], np.ndarray]:
    """One trace per arm.  The Markov arms run through one loop over cycles side by side (the loop's cost is
    per cycle, not per sample); returns the traces and PSM crossings (n, n_arms).  ``full=False``: only what
    the rewards read (no cumulative deaths or PD death probabilities)."""
    arms = structure.arms
    share = p[structure.pf_death_share]
    crossings = np.zeros((n, len(arms)), dtype=int)
    if s.model_structure == "psm":
        traces = []
        for j, arm in enumerate(arms):
            trace, crossings[:, j] = partitioned_survival_trace(increments[(arm.id, "pfs")], increments[(arm.id, "os")],
                                                                share, background)
            traces.append(trace)
        return traces, crossings
    side_by_side = lambda endpoint: np.concatenate([increments[(arm.id, endpoint)] for arm in arms], axis=1)  # noqa: E731
    shares = np.tile(np.asarray(share, dtype=float), len(arms))
    if s.pd_mortality == "os_tracking":
        joint = markov_trace(side_by_side("pfs"), shares, background, os_increments=side_by_side("os"), full=full)
    else:
        missing = [arm.id for arm in arms if not arm.pd_death_rate]
        if missing:
            raise ValueError(f"arm(s) {missing} have no pd_death_rate parameter for pd_mortality = 'constant'")
        rates = np.concatenate([p[arm.pd_death_rate] for arm in arms])[None, :]
        joint = markov_trace(side_by_side("pfs"), shares, background, p_pd_d=-np.expm1(-rates * s.cycle_months),
                             full=full)
    return [joint.map(lambda x, j=j: x[:, j * n:(j + 1) * n]) for j in range(len(arms))], crossings


def _evaluate_chunk(structure: ModelStructure, p: Mapping[str, np.ndarray], s: EngineSettings,
                    keep_trace: bool, keep_cycle_costs: bool = False, priced: tuple[str, ...] = ()) -> ModelOutcomes:
    n_cycles = s.n_cycles
    times_years = np.arange(n_cycles + 1) * s.cycle_years
    times_months = times_years * 12.0
    mid_years = (times_years[:-1] + times_years[1:]) / 2
    background = tr.general_population_hazard(s.start_age + mid_years, structure.life_table_ages,
                                              structure.life_table_qx, s.cycle_years)
    p_background = -np.expm1(-background)
    omega = tr.waning_weights(mid_years * 12.0, s.waning_start_months, s.waning_end_months)[:, None]

    weights = within_cycle_weights(n_cycles, s.within_cycle_correction)
    df = {True: (discount_factors(times_years, s.discount_rate_costs), discount_factors(times_years, s.discount_rate_outcomes),
                 discount_factors(mid_years, s.discount_rate_costs))}

    cache: dict = {}
    raw = {(a.id, e): _arm_increments(structure, p, a.id, e, times_months, cache)
           for a in structure.arms for e in ("pfs", "os")}
    increments = {}
    for a in structure.arms:
        for e in ("pfs", "os"):
            own = raw[(a.id, e)]
            if a.waning_reference and omega.any():
                own = (1.0 - omega) * own + omega * raw[(a.waning_reference, e)]
            increments[(a.id, e)] = own

    ages = s.start_age + times_years
    gp_terms = tuple(p[t] for t in structure.gp_utility_terms)
    level_pf, profile = acc.utility_time_profile(p[structure.utility_pf], ages, gp_terms, s.utility_age_adjustment)
    level_pd, _ = acc.utility_time_profile(p[structure.utility_pd], ages, gp_terms, s.utility_age_adjustment)

    categories = structure.cost_categories
    n = len(p[structure.utility_pf])
    shape = (n, len(structure.arms))
    costs = {d: np.zeros(shape + (len(categories),)) for d in (True, False)}
    costs_by_state = np.zeros(shape + (3,))
    lys = {d: np.zeros(shape + (2,)) for d in (True, False)}
    qalys = {d: np.zeros(shape + (3,)) for d in (True, False)}
    traces = []
    d_cost, d_out, d_mid = df[True]
    flat_profile = profile if profile.ndim == 1 else np.ones(n_cycles + 1)
    occupancy_weights = np.column_stack([weights * d_out, weights, weights * d_out * flat_profile,
                                         weights * flat_profile, weights * d_cost])
    start_weights = np.column_stack([d_cost[:-1], np.ones(n_cycles)])
    event_weights = np.column_stack([d_mid, np.ones(n_cycles)])
    arm_traces, crossings = _arm_traces(structure, increments, p, s, background, p_background, n,
                                        full=keep_trace or keep_cycle_costs)
    paid_on = {(t.arm, item): t.drug for t in structure.treatments for item in t.cost_items}
    by_cycle = np.zeros(shape + (len(categories), n_cycles)) if keep_cycle_costs else None
    split = cc.interval_weights(weights, s.within_cycle_correction)
    on_months = np.full(shape + (len(structure.drugs),), np.nan)
    on_trace = np.full(shape + (len(structure.drugs), n_cycles + 1), np.nan) if keep_trace else None
    priced_costs = np.zeros(shape) if priced else None
    for j, arm in enumerate(structure.arms):
        trace = arm_traces[j]
        if keep_trace:
            traces.append(trace)
        on_drug = {t.drug: time_on_treatment(trace.pf, p[t.discontinuation_rate] if t.discontinuation_rate else None,
                                             times_months) for t in structure.arm_treatments(arm.id)}
        drug_days = {d: acc.weighted_sums(on[:-1], start_weights) * s.cycle_length_days for d, on in on_drug.items()}
        for k_drug, drug in enumerate(structure.drugs):
            if drug in on_drug:
                on_months[:, j, k_drug] = acc.occupancy_total(on_drug[drug], weights) * s.cycle_months
                if keep_trace:
                    on_trace[:, j, k_drug] = on_drug[drug].T
        on_disutility = getattr(s, "on_treatment_disutility", "")
        if on_disutility and on_disutility in on_drug:  # utility decrement for the time on that drug (QALY column 2)
            on = on_drug[on_disutility]
            decrement = p["disutility_on_treatment"]
            qalys[True][:, j, 2] -= decrement * acc.occupancy_total(on, weights * d_out) * s.cycle_years
            qalys[False][:, j, 2] -= decrement * acc.occupancy_total(on, weights) * s.cycle_years
        # every reward in one pass over each trace array: columns of time weights
        # [LY discounted, LY undiscounted, QALY profile discounted, QALY profile undiscounted, cost discounted]
        sums = {"pf": acc.weighted_sums(trace.pf, occupancy_weights), "pd": acc.weighted_sums(trace.pd, occupancy_weights)}
        if profile.ndim == 2:  # general-population norm varies by sample
            for state, occ in (("pf", trace.pf), ("pd", trace.pd)):
                sums[state][2] = acc.occupancy_total(occ, occupancy_weights[:, [0]] * profile)
                sums[state][3] = acc.occupancy_total(occ, occupancy_weights[:, [1]] * profile)
        progressions = acc.weighted_sums(trace.new_progressions, event_weights)
        deaths = acc.weighted_sums(trace.new_deaths, event_weights)
        for discounted, (ly, qp, cost_col, k) in ((True, (0, 2, 4, 0)), (False, (1, 3, 1, 1))):
            lys[discounted][:, j, 0] = sums["pf"][ly] * s.cycle_years
            lys[discounted][:, j, 1] = sums["pd"][ly] * s.cycle_years
            qalys[discounted][:, j, 0] = level_pf * sums["pf"][qp] * s.cycle_years
            qalys[discounted][:, j, 1] = level_pd * sums["pd"][qp] * s.cycle_years
            totals = {  # per unit cost, by basis: (value, state attributed to)
                "per_month_in_pf": (sums["pf"][cost_col] * s.cycle_months, 0),
                "per_month_in_pd": (sums["pd"][cost_col] * s.cycle_months, 1),
                "per_progression": (progressions[k], 1),
                "per_death": (deaths[k], 2),
                "at_start": (np.ones(n), 0),
            }
            for item in structure.cost_items:
                if item.arm not in ("all", arm.id):
                    continue
                if item.basis == "per_day_on_treatment":  # paid on the time on the drug that lists it
                    per_unit, state = drug_days[paid_on[(arm.id, item.id)]][k], 0
                else:
                    per_unit, state = totals[item.basis]
                value = _unit_value(p, item.multiply, item.divide) * per_unit
                costs[discounted][:, j, categories.index(item.category)] += value
                if discounted:
                    costs_by_state[:, j, state] += value
                    if priced_costs is not None and any(m in priced for m in item.multiply):
                        priced_costs[:, j] += value
        events = [e for e in structure.adverse_events if e.arm == arm.id]
        ae_share = None
        if events:
            # one schedule of the adverse events over the cycles (adverse_event_shares) for the discounted totals
            # and the per-cycle costs alike, so that no setting can be honoured by one and ignored by the other
            timing = next(t.drug for t in structure.arm_treatments(arm.id) if t.times_adverse_events)
            ae_share = adverse_event_shares(on_drug[timing], s.adverse_event_timing)
            ae_cost_factor, ae_qaly_factor = acc.weighted_sums(ae_share, np.column_stack([d_cost[:-1], d_out[:-1]]))
            c = categories.index("adverse_events")
            for event in events:
                rate = p[event.rate]
                value = rate * p[event.cost]
                loss = rate * p[event.disutility] * p[event.duration_days] * (s.cycle_years / s.cycle_length_days)
                costs[True][:, j, c] += value * ae_cost_factor
                costs[False][:, j, c] += value
                qalys[True][:, j, 2] -= loss * ae_qaly_factor
                qalys[False][:, j, 2] -= loss
                costs_by_state[:, j, 0] += value * ae_cost_factor
        if keep_cycle_costs:  # the same items, spread over the cycles (undiscounted)
            by_cycle[:, j] = _arm_cycle_costs(structure, p, s, arm.id, trace, on_drug, paid_on, split, categories,
                                              ae_share)
    trace_out = None
    if keep_trace:  # sample-major for users: (n_samples, n_arms, n_cycles + 1)
        trace_out = Trace(*(np.stack([getattr(t, f).T for t in traces], axis=1) for f in Trace.__dataclass_fields__))
    return ModelOutcomes(structure.arm_ids, categories, costs[True], costs[False], costs_by_state, lys[True], lys[False],
                         qalys[True], qalys[False], times_years, trace_out, crossings, structure.drugs, on_months,
                         on_trace, by_cycle, priced_costs)


def _arm_cycle_costs(structure: ModelStructure, p: Mapping[str, np.ndarray], s: EngineSettings, arm_id: str,
                     trace: Trace, on_drug: dict[str, np.ndarray], paid_on: dict, split, categories,
                     ae_share: np.ndarray | None) -> np.ndarray:
    """(n, C, T) undiscounted costs per cycle of one arm: every cost item on its basis (a drug's items on
    that drug's time on treatment) and the adverse events on ``ae_share``, the schedule the totals use
    (``adverse_event_shares``: the incidence in cycle 0, or spread over the timing drug's time on treatment)."""
    n_cycles, n = trace.new_deaths.shape
    months = lambda occupancy: cc.per_cycle_occupancy(occupancy, *split) * s.cycle_months  # noqa: E731
    bases = {"per_month_in_pf": months(trace.pf), "per_month_in_pd": months(trace.pd),
             "per_progression": trace.new_progressions, "per_death": trace.new_deaths,
             "at_start": cc.at_start(n_cycles, n)}
    bases |= {f"on:{d}": on[:-1] * s.cycle_length_days for d, on in on_drug.items()}
    charges = []
    for item in structure.cost_items:
        if item.arm not in ("all", arm_id):
            continue
        basis = f"on:{paid_on[(arm_id, item.id)]}" if item.basis == "per_day_on_treatment" else item.basis
        charges.append((categories.index(item.category), _unit_value(p, item.multiply, item.divide), basis))
    events = [e for e in structure.adverse_events if e.arm == arm_id]
    if events:
        bases["adverse_events"] = ae_share
        charges += [(categories.index("adverse_events"), p[e.rate] * p[e.cost], "adverse_events") for e in events]
    return cc.arm_cycle_costs(len(categories), charges, bases)


def time_on_treatment(pf: np.ndarray, rate: np.ndarray | None, times_months: np.ndarray) -> np.ndarray:
    """Proportion on a drug, ToT(t_k) = PF(t_k)·exp(−λ·t_k): (T+1, n).

    λ (per month) is the hazard of stopping the drug for reasons other than progression or death; with
    λ = 0 the drug is taken to progression (ToT = PF).  ToT ≤ PF at every cycle by construction.
    """
    if rate is None:
        return pf
    return pf * np.exp(-np.asarray(rate, dtype=float)[None, :] * times_months[:, None])


def adverse_event_shares(on: np.ndarray, timing: str) -> np.ndarray:
    """(T, n) share of the per-patient incidence of adverse events that falls in cycle k (at its start, t_k).

    ``on_treatment`` (base case): ToT_k / Σ_{j<n} ToT_j over the timing drug's time on treatment ``on`` (T+1, n) at
    the cycle starts k = 0..n−1, uncorrected (all zeros where nobody is ever on the drug);
    ``at_start``: the whole incidence in cycle 0 (t = 0).  The discounted totals (Σ_k share_k·DF(t_k), at each
    outcome's own rate) and the budget impact's per-cycle costs both read this one schedule.
    """
    start = np.asarray(on, dtype=float)[:-1]
    if timing == "at_start":
        return cc.at_start(start.shape[0], start.shape[1])
    if timing != "on_treatment":
        raise ValueError(f"unknown adverse_event_timing {timing!r}; expected 'on_treatment' or 'at_start'")
    total = acc.weighted_sums(start, np.ones((len(start), 1)))[0]
    return start / np.where(total > 0, total, 1.0)


def ae_discount_factors(on: np.ndarray, d_cost: np.ndarray, d_out: np.ndarray,
                        timing: str = "on_treatment") -> tuple[np.ndarray, np.ndarray]:
    """Discount factors of the adverse events (n,) for costs and for QALYs: Σ_k share_k·DF(t_k) with the shares of
    ``adverse_event_shares`` (spread over the time on treatment: incidence × Σ_k ToT_k·DF(t_k) / Σ_k ToT_k)."""
    share = adverse_event_shares(on, timing)
    discounted_cost, discounted_out = acc.weighted_sums(share, np.column_stack([d_cost[:-1], d_out[:-1]]))
    return discounted_cost, discounted_out
