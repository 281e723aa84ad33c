"""Budget impact analysis (BIA): what the payer spends each year with and without the intervention.

Follows the ISPOR Budget Impact Analysis Good Practice II report (Sullivan SD et al. Value Health
2014;17:5-14) and the layout of NICE's budget impact template: a closed population of yearly
incident cohorts (plus any prevalent patients in year 1), a world with and a world without the
intervention that differ only in the treatment mix, costs undiscounted and uninflated (payer's
cash flow, ISPOR recommendation), reported for each of H years (usually 5), with a one-way
sensitivity analysis of the main drivers.

Costs per patient come from the engine result of `cea run` (``run_base_case``; one engine for everything): the
undiscounted costs of every cycle by category (``ModelOutcomes.costs_by_cycle_undiscounted``, the same schedules
as the discounted totals, every setting included: drug acquisition on time
on treatment, monitoring, adverse events, progressed-disease care, subsequent therapy, terminal
care) are gathered into years since the cohort started, each cycle [t_k, t_k+1) shared between
the years it overlaps in proportion to the time it spends in each:

    P_a,c(j) = Σ_k cost_a,c,k · |[t_k, t_k+1) ∩ [j, j+1)| / (t_k+1 − t_k),   j = 0, 1, … (years)

Cohort y (y = 1..H) starts at the start of year y with N_y patients, a share s_a,y of whom start
arm a (uptake of the intervention, the rest the comparator).  Costs in year t of a world:

    C_c(t) = Σ_{y ≤ t} N_y · Σ_a s_a,y · P_a,c(t − y)

and the net budget impact is C(t | with) − C(t | without), summed over categories and years.
Starting every cohort at the start of its year is the usual simplification (it front-loads the
year's costs slightly compared with entry spread over the year).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cea.analyses.base_case import run_base_case
from cea.analyses.one_way import _variant
from cea.engine.model import evaluate
from cea.errors import InputError, Problem
from cea.inputs.budget_impact import BUDGET_IMPACT_FILE, BudgetImpactInputs, has_budget_impact, load_budget_impact
from cea.inputs.manifest import RunManifest, build_manifest
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides
from cea.parameters.parameter_set import ParameterSet, point_estimates
from cea.parameters.ranges import dsa_range

DRUG_CATEGORY = "drug_acquisition"


def year_overlap(times_years: np.ndarray, n_years: int) -> np.ndarray:
    """(n_cycles, n_years) share of cycle k = [t_k, t_k+1) that falls in year j = [j, j+1) (years since start)."""
    start, end = times_years[:-1, None], times_years[1:, None]
    j = np.arange(n_years)[None, :]
    inside = np.clip(np.minimum(end, j + 1.0) - np.maximum(start, j), 0.0, None)
    return inside / (end - start)


def costs_per_patient_by_year(costs_by_cycle: np.ndarray, times_years: np.ndarray, n_years: int) -> np.ndarray:
    """Undiscounted costs per patient in each year since the cohort started: (…, n_cycles) → (…, n_years).

    P(j) = Σ_k cost_k · overlap(k, j) (see ``year_overlap``); Σ_j P(j) is the cost of the first n_years."""
    return costs_by_cycle @ year_overlap(times_years, n_years)


def world_costs(per_patient: np.ndarray, eligible: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Costs in each calendar year of one world, summed over the overlapping cohorts.

    per_patient (n, A, C, H): cost per patient in year j since start (j = 0..H−1), by arm and category;
    eligible (n, H): patients starting in year y; shares (n, A, H): share of cohort y starting arm a.
    Returns (n, C, H): C_c(t) = Σ_{y ≤ t} N_y · Σ_a s_a,y · P_a,c(t − y)."""
    n, _, n_cat, horizon = per_patient.shape
    out = np.zeros((n, n_cat, horizon))
    for y in range(horizon):  # cohort entering at the start of year y (0-based)
        mix = np.einsum("na,nacj->ncj", shares[:, :, y] * eligible[:, y, None], per_patient[..., : horizon - y])
        out[:, :, y:] += mix
    return out


@dataclass(frozen=True)
class BudgetImpactResult:
    """Yearly budget impact of one input set at one price."""

    years: tuple[int, ...]
    eligible: np.ndarray  # (H,) newly eligible patients (prevalent patients in year 1)
    treated: np.ndarray  # (H,) patients starting the intervention, world with it
    categories: tuple[str, ...]
    costs_with: np.ndarray  # (C, H)
    costs_without: np.ndarray  # (C, H)
    per_patient: np.ndarray  # (A, C, H) undiscounted cost per patient by year since start
    arms: tuple[str, ...]
    intervention: str
    comparator: str
    price_discount: float
    currency: str
    one_way: pd.DataFrame | None
    manifest: RunManifest
    inputs: BudgetImpactInputs
    shares_with: np.ndarray | None = None  # (A, H) share of each year's cohort starting each arm, world with
    shares_without: np.ndarray | None = None

    @property
    def net(self) -> np.ndarray:
        return (self.costs_with - self.costs_without).sum(axis=0)

    @property
    def total_net(self) -> float:
        return float(self.net.sum())

    def table(self) -> pd.DataFrame:
        """One row per year: eligible, treated, costs with and without, net; a 'Total' row last."""
        frame = pd.DataFrame({"year": [str(y) for y in self.years], "eligible": self.eligible, "treated": self.treated,
                              "costs_with": self.costs_with.sum(axis=0), "costs_without": self.costs_without.sum(axis=0),
                              "net": self.net})
        total = {"year": "Total", **{c: frame[c].sum() for c in frame.columns if c != "year"}}
        return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)

    def by_category(self) -> pd.DataFrame:
        """Costs by category and year in each world, and their difference."""
        rows = []
        for k, c in enumerate(self.categories):
            for i, y in enumerate(self.years):
                rows.append({"category": c, "year": y, "costs_with": self.costs_with[k, i],
                             "costs_without": self.costs_without[k, i],
                             "net": self.costs_with[k, i] - self.costs_without[k, i]})
        return pd.DataFrame(rows)

    def per_patient_frame(self) -> pd.DataFrame:
        rows = []
        for a, arm in enumerate(self.arms):
            for k, c in enumerate(self.categories):
                rows.append({"arm": arm, "category": c,
                             **{f"year_{j + 1}": self.per_patient[a, k, j] for j in range(len(self.years))}})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """The `cea bia --json` document."""
        years = [{"year": int(y), "eligible": float(self.eligible[i]), "treated": float(self.treated[i]),
                  "costs_with": float(self.costs_with[:, i].sum()), "costs_without": float(self.costs_without[:, i].sum()),
                  "net": float(self.net[i])} for i, y in enumerate(self.years)]
        shares = {} if self.shares_with is None else {
            arm: {"with": [float(x) for x in self.shares_with[a]], "without": [float(x) for x in self.shares_without[a]]}
            for a, arm in enumerate(self.arms)}
        return {"years": years, "total_net": self.total_net, "shares": shares, "manifest": self.manifest.to_dict()}


def _shares(inputs: ModelInputs, bia: BudgetImpactInputs) -> tuple[np.ndarray, np.ndarray]:
    """(A, H) arm shares of each cohort in the worlds with and without the intervention.

    World without: the intervention has uptake_without u0; every other arm a has (1 − u0)·m_a, its market share
    m_a among the other arms (budget_impact.csv market_share_without; with two arms the comparator has m = 1).
    World with: the intervention has uptake_with u1; the extra uptake u1 − u0 is taken from the other arms in the
    shares d_a (displaced_share; default d_a = m_a): s_a = (1 − u0)·m_a − (u1 − u0)·d_a, which must not be negative.
    With two arms this is today's analysis exactly: the comparator has 1 − u0 and 1 − u1.
    """
    arms = inputs.structure.arm_ids
    s = inputs.settings
    i = arms.index(s.intervention)
    others = [a for a in arms if a != s.intervention]
    u1, u0 = np.asarray(bia.uptake_with), np.asarray(bia.uptake_without)
    with_shares, without_shares = np.zeros((len(arms), bia.n_years)), np.zeros((len(arms), bia.n_years))
    with_shares[i], without_shares[i] = u1, u0
    _check_market(inputs, bia, others)
    if not bia.market_share_without and len(others) == 1:  # two arms: the comparator has the rest (exactly as before)
        c = arms.index(others[0])
        with_shares[c], without_shares[c] = 1.0 - u1, 1.0 - u0
        return with_shares, without_shares
    market = {a: np.asarray(bia.market_share_without.get(a, (0.0,) * bia.n_years)) for a in others}
    negative = []
    for a in others:
        j = arms.index(a)
        displaced = bia.displaced_share.get(a, 0.0) if bia.displaced_share else market[a]
        without_shares[j] = (1.0 - u0) * market[a]
        with_shares[j] = without_shares[j] - (u1 - u0) * displaced
        if np.any(with_shares[j] < -1e-12):
            negative.append(a)
        with_shares[j] = np.clip(with_shares[j], 0.0, None)
    if negative:
        raise InputError(Problem(BUDGET_IMPACT_FILE, f"the intervention would take more patients from arm(s) "
                                 f"{negative} than they have in the world without it at uptake_with up to {u1.max():g} (the "
                                 "high value of the one-way sensitivity included): displaced_share too large for "
                                 "their market_share_without", column="value", parameter="displaced_share"))
    return with_shares, without_shares


def _check_market(inputs: ModelInputs, bia: BudgetImpactInputs, others: list[str]) -> None:
    """Every arm named in budget_impact.csv is an arm other than the intervention; with more than two arms each of
    them has a market_share_without (no silent default for who has the market in the world without)."""
    problems = []
    for r in bia.rows:
        if r.arm and r.arm not in others:
            what = "the intervention" if r.arm == inputs.settings.intervention else "not an arm of arms.csv"
            problems.append(Problem(BUDGET_IMPACT_FILE, f"arm '{r.arm}' is {what}; '{r.quantity}' is for the other "
                                    f"arms {others}", row=r.line, column="arm", parameter=r.quantity))
    if bia.market_share_without or len(others) > 1:
        missing = [a for a in others if a not in bia.market_share_without]
        if missing:
            problems.append(Problem(BUDGET_IMPACT_FILE, f"no 'market_share_without' row for arm(s) {missing}: with "
                                    f"{len(others) + 1} arms, give the share of the world without "
                                    f"{inputs.settings.intervention} of every arm other than it (rows quantity="
                                    "market_share_without, arm=<arm>, year blank or 1..H; they sum to 1)",
                                    column="arm", parameter="market_share_without"))
    if not problems and bia.market_share_without:
        for year in range(bia.n_years):
            total = sum(shares[year] for shares in bia.market_share_without.values())
            if abs(total - 1.0) > 1e-9:
                problems.append(Problem(BUDGET_IMPACT_FILE, f"'market_share_without' of year {year + 1} sums to "
                                        f"{total:g} over the arms {others}; the shares of the arms other than the "
                                        "intervention must sum to 1", column="value", parameter="market_share_without"))
                break
    if problems:
        raise InputError(problems)


def at_price(inputs: ModelInputs, discount: float | None) -> ModelInputs:
    """Inputs at ``discount`` off the list price (the PAS setting ``pas_discount``, applied to the price parameter
    and the prices linked to it; cea.inputs.pricing); None keeps the inputs' own price."""
    if discount is None or discount == inputs.settings.pas_discount:
        return inputs
    return apply_overrides(inputs, {"pas_discount": f"{discount!r}"}, origin="price")


def _check_horizon(inputs: ModelInputs, bia: BudgetImpactInputs) -> None:
    if bia.n_years > inputs.settings.horizon_years + 1e-9:
        raise InputError(Problem(BUDGET_IMPACT_FILE, f"the budget impact covers {bia.n_years} years but the model "
                                 f"horizon is {inputs.settings.horizon_years:g} years", column="year",
                                 parameter="uptake_with"))


def _per_patient(inputs: ModelInputs, parameters: dict[str, np.ndarray], n_years: int):
    out = evaluate(inputs.structure, parameters, inputs.settings, keep_cycle_costs=True)
    return out, costs_per_patient_by_year(out.costs_by_cycle_undiscounted, out.times_years, n_years)


def run_budget_impact(inputs: ModelInputs, discount: float | None = None, overrides: dict[str, str] | None = None,
                      bia: BudgetImpactInputs | None = None, sensitivity: bool = True) -> BudgetImpactResult:
    """The budget impact of ``inputs`` at their price (list price less ``pas_discount``), or at ``discount`` off
    the list price when given (0 = list price)."""
    if bia is None:
        if not has_budget_impact(inputs.folder):
            raise InputError(Problem(BUDGET_IMPACT_FILE, f"not found in {inputs.folder}: this input set has no budget "
                                     "impact analysis (see inputs/README.md for the table)"))
        bia = load_budget_impact(inputs.folder)
    _check_horizon(inputs, bia)
    priced = at_price(inputs, discount)
    s = priced.settings
    # the per-cycle costs of the very engine result `cea run` reports (run_base_case), never re-derived here
    out = run_base_case(priced).outcomes
    per_patient = costs_per_patient_by_year(out.costs_by_cycle_undiscounted, out.times_years, bia.n_years)
    with_shares, without_shares = _shares(priced, bia)
    eligible = np.asarray(bia.eligible())
    costs_with = world_costs(per_patient, eligible[None], with_shares[None])[0]
    costs_without = world_costs(per_patient, eligible[None], without_shares[None])[0]
    treated = eligible * np.asarray(bia.uptake_with)
    manifest = build_manifest(priced, overrides=overrides)
    table = one_way_budget_impact(priced, bia) if sensitivity else None
    return BudgetImpactResult(tuple(range(1, bia.n_years + 1)), eligible, treated, out.cost_categories, costs_with,
                              costs_without, per_patient[0], out.arms, s.intervention, s.comparator, s.pas_discount, s.currency,
                              table, manifest, bia, with_shares, without_shares)


def _total_net(per_patient: np.ndarray, eligible: np.ndarray, with_shares: np.ndarray,
               without_shares: np.ndarray) -> np.ndarray:
    """(n,) net budget impact over all years, per sample."""
    diff = world_costs(per_patient, eligible, with_shares) - world_costs(per_patient, eligible, without_shares)
    return diff.sum(axis=(1, 2))


def _market_at(bia: BudgetImpactInputs, arm: str, bound: str) -> BudgetImpactInputs | None:
    """The inputs with arm's market_share_without at its low or high value (each year's row; a year without that
    bound keeps its value) and the other arms' shares rescaled in proportion so that each year still sums to 1;
    None when they cannot be (the other arms have no share to rescale)."""
    rows = {r.year: r for r in bia.rows if r.quantity == "market_share_without" and r.arm == arm}
    base = bia.market_share_without[arm]
    moved = tuple((lambda r: getattr(r, bound) if getattr(r, bound) is not None else r.value)(
        rows.get(None) or rows[y + 1]) for y in range(bia.n_years))
    market = {}
    for a, shares in bia.market_share_without.items():
        if a == arm:
            market[a] = moved
            continue
        scaled = []
        for y in range(bia.n_years):
            rest = 1.0 - base[y]
            if rest <= 1e-12:
                if abs(moved[y] - base[y]) > 1e-12:
                    return None
                scaled.append(shares[y])
            else:
                scaled.append(shares[y] * (1.0 - moved[y]) / rest)
        market[a] = tuple(scaled)
    return replace(bia, market_share_without=market)


def _bia_variants(bia: BudgetImpactInputs, labels: dict[str, str] | None = None
                  ) -> list[tuple[str, str, float, float, BudgetImpactInputs, BudgetImpactInputs]]:
    """(id, description, low, high, inputs at low, inputs at high) for each budget-impact input with a range.

    A market_share_without with a range (more than two arms) moves that arm's share of the world without the
    intervention, the other arms' shares rescaled in proportion (each year still sums to 1); displaced shares
    given in the inputs stay as they are, default ones follow the market shares."""
    out = []
    first = bia.row("eligible_patients", 1)
    if first is not None and first.low is not None and first.high is not None and first.value > 0:
        scale = lambda f: replace(bia, eligible_given={y: v * f for y, v in bia.eligible_given.items()})  # noqa: E731
        out.append(("eligible_patients", "Eligible patients a year", first.low, first.high,
                    scale(first.low / first.value), scale(first.high / first.value)))
    for quantity, description in (("incidence_growth", "Growth of the eligible population a year"),
                                  ("prevalent_patients", "Prevalent patients treated in year 1")):
        r = bia.row(quantity)
        if r is not None and r.low is not None and r.high is not None:
            field = quantity
            out.append((quantity, description, r.low, r.high, replace(bia, **{field: r.low}),
                        replace(bia, **{field: r.high})))
    rows = [bia.row("uptake_with", y) for y in range(1, bia.n_years + 1)]
    if any(r.low is not None or r.high is not None for r in rows):
        lows = tuple(r.low if r.low is not None else r.value for r in rows)
        highs = tuple(r.high if r.high is not None else r.value for r in rows)
        out.append(("uptake_with", f"Uptake of the intervention, year 1 to {bia.n_years}", lows[0], highs[0],
                    replace(bia, uptake_with=lows), replace(bia, uptake_with=highs)))
    for arm in bia.market_share_without:
        rows = [r for r in bia.rows if r.quantity == "market_share_without" and r.arm == arm]
        if not any(r.low is not None or r.high is not None for r in rows):
            continue
        at_low, at_high = _market_at(bia, arm, "low"), _market_at(bia, arm, "high")
        if at_low is None or at_high is None:
            continue
        out.append((f"market_share_without_{arm}", "Market share without the intervention: "
                    f"{(labels or {}).get(arm, arm)}", at_low.market_share_without[arm][0],
                    at_high.market_share_without[arm][0], at_low, at_high))
    return out


def one_way_budget_impact(inputs: ModelInputs, bia: BudgetImpactInputs) -> pd.DataFrame:
    """Total net budget impact with each driver at its low and its high value, sorted by swing.

    Drivers: the budget-impact inputs with a range (eligible patients, growth, prevalent patients,
    uptake) and every model parameter with a one-way range (as in the DSA: price, dose intensity,
    time on treatment, hazard ratio, unit costs…), all model variants in one engine call."""
    base = point_estimates(inputs)
    varied = []
    for pid, row in inputs.parameters.items():
        low, high = dsa_range(inputs, pid)
        if low is None or low == row.value == high:
            continue
        varied.append((pid, row.description, low, high))
    variants = [base]
    for pid, _, low, high in varied:
        variants += [base.with_values(_variant(inputs, base, pid, b)) for b in (low, high)]
    _, per_patient = _per_patient(inputs, ParameterSet.stack(variants).values, bia.n_years)
    with_shares, without_shares = _shares(inputs, bia)
    n = per_patient.shape[0]
    eligible = np.asarray(bia.eligible())
    nets = _total_net(per_patient, np.tile(eligible, (n, 1)), np.tile(with_shares, (n, 1, 1)),
                      np.tile(without_shares, (n, 1, 1)))
    base_net = float(nets[0])
    rows = [{"driver": pid, "description": d, "kind": "model parameter", "low": lo, "high": hi,
             "net_low": float(nets[1 + 2 * k]), "net_high": float(nets[2 + 2 * k])}
            for k, (pid, d, lo, hi) in enumerate(varied)]
    labels = {a.id: a.label for a in inputs.structure.arms}
    for driver, description, lo, hi, at_low, at_high in _bia_variants(bia, labels):
        pair = []
        for b in (at_low, at_high):
            w, wo = _shares(inputs, b)
            pair.append(float(_total_net(per_patient[:1], np.asarray(b.eligible())[None], w[None], wo[None])[0]))
        rows.append({"driver": driver, "description": description, "kind": "budget impact input", "low": lo,
                     "high": hi, "net_low": pair[0], "net_high": pair[1]})
    table = pd.DataFrame(rows)
    table["base_net"] = base_net
    table["swing"] = (table["net_high"] - table["net_low"]).abs()
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
