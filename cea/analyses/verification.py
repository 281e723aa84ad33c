"""Black-box verification run at appendix time (TECH-VER, Büyükkaramikli et al. 2019; AdViSHE C2/C3,
Vemer et al. 2016): each check changes the real inputs through the same override path as
``--set``, runs the engine and compares an outcome known in advance.  Each returns one row:
``{check, techver, expected, observed, passed}``.

* equal arms: the intervention given the comparator's curves and a hazard ratio of 1 (and no
  waning) has the comparator's trace and life years;
* utilities of 1 (no adverse-event loss, no age adjustment): QALYs = life years in each arm;
* zero discounting: discounted totals = undiscounted totals;
* trace sums: PF + PD + dead = 1 at every cycle, occupancy between 0 and 1, PF never rises, the dead
  never return (base case, and extreme hazard ratios 10⁻³ and 10³);
* all costs zero: total costs 0 with effects unchanged.

The tolerance is 1e-9 relative (floating-point arithmetic on identical operations), never
a statistical band.
"""

from __future__ import annotations

import numpy as np

from cea.analyses.base_case import BaseCaseResult, run_base_case
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides

TOLERANCE = 1e-9


def _row(check: str, techver: str, expected: str, deviation: float, detail: str = "") -> dict:
    return {"check": check, "techver": techver, "expected": expected,
            "observed": f"largest deviation {deviation:.1e}" + (f"; {detail}" if detail else ""),
            "deviation": float(deviation), "passed": bool(np.isfinite(deviation) and deviation <= TOLERANCE)}


def _relative(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))) if a.size else 0.0


def trace_violation(result: BaseCaseResult) -> float:
    """Largest breach of the trace rules: rows sum to 1, occupancy between 0 and 1, PF non-increasing, dead non-decreasing."""
    tr = result.outcomes.trace
    total = tr.pf + tr.pd + tr.dead
    breaches = [np.abs(total - 1.0).max()]
    for state in (tr.pf, tr.pd, tr.dead):
        breaches += [max(0.0, -state.min()), max(0.0, state.max() - 1.0)]
    breaches += [max(0.0, np.diff(tr.pf, axis=-1).max()), max(0.0, -np.diff(tr.dead, axis=-1).min())]
    finite = all(np.all(np.isfinite(x)) for x in (tr.pf, tr.pd, tr.dead))
    return float(max(breaches)) if finite else float("inf")


def equal_arm_overrides(inputs: ModelInputs) -> dict[str, str]:
    """Give the intervention the comparator's survival: same curves, effect parameters equal to the comparator's
    (1 where the comparator has none) and no waning."""
    s = inputs.settings
    arms = {a.id: a for a in inputs.structure.arms}
    trt, ctl = arms[s.intervention], arms[s.comparator]
    out: dict[str, str] = {"waning_start_months": "inf", "waning_end_months": "inf"}
    for endpoint in ("pfs", "os"):
        out[f"arm.{trt.id}.{endpoint}_curve"] = getattr(ctl, f"{endpoint}_curve")
        for effect in ("hazard_ratio", "acceleration_factor"):
            pid = getattr(trt, f"{endpoint}_{effect}")
            if pid:
                ref = getattr(ctl, f"{endpoint}_{effect}")
                value = inputs.parameter_value(ref) if ref else 1.0
                out[pid] = repr(float(value))
    return out


def black_box_checks(inputs: ModelInputs) -> list[dict]:
    """Run every check on ``inputs``; see the module docstring."""
    s = inputs.settings
    rows = []
    base = run_base_case(inputs)
    j, c = base.arm_index(s.intervention), base.arm_index(s.comparator)

    equal = run_base_case(apply_overrides(inputs, equal_arm_overrides(inputs), origin="verification"))
    tr = equal.outcomes.trace
    deviation = max(_relative(x[0, j], x[0, c]) for x in (tr.pf, tr.pd, tr.dead))
    deviation = max(deviation, _relative(equal.outcomes.lys[0, j], equal.outcomes.lys[0, c]))
    rows.append(_row("Hazard ratio 1 and the comparator's curves: equal traces and life years in both arms",
                     "Black-box: treatment effect switched off", "identical PF, PD and dead traces; ΔLY = 0", deviation,
                     f"ΔLY {equal.outcomes.lys[0, j] - equal.outcomes.lys[0, c]:.1e}"))

    disutilities = {pid: "0" for pid, p in inputs.parameters.items() if p.unit == "disutility"}
    ones = run_base_case(apply_overrides(inputs, {"u_pf": "1", "u_pd": "1", "utility_age_adjustment": "false",
                                                  **disutilities}, origin="verification"))
    rows.append(_row("Utilities of 1 (no adverse-event loss, no age adjustment): QALYs equal life years",
                     "Black-box: utilities", "QALYs = LYs in every arm",
                     max(_relative(ones.outcomes.qalys, ones.outcomes.lys),
                         _relative(ones.outcomes.qalys_undiscounted, ones.outcomes.lys_undiscounted))))

    flat = run_base_case(apply_overrides(inputs, {"discount_rate_costs": "0", "discount_rate_outcomes": "0"},
                                         origin="verification")).outcomes
    rows.append(_row("Zero discounting: discounted totals equal undiscounted totals", "Black-box: discounting",
                     "costs, QALYs and LYs equal their undiscounted sums",
                     max(_relative(flat.costs, flat.costs_undiscounted), _relative(flat.qalys, flat.qalys_undiscounted),
                         _relative(flat.lys, flat.lys_undiscounted))))

    rows.append(_row("Trace of the base case: PF + PD + dead = 1 at every cycle, occupancy between 0 and 1, PF never rises, "
                     "the dead never return", "Black-box: trace sums", "no breach", trace_violation(base)))
    for hr in (1e-3, 1e3):
        effect = {pid: repr(hr) for pid in {getattr(a, "pfs_hazard_ratio") for a in inputs.structure.arms} if pid}
        if not effect:
            continue
        extreme = run_base_case(apply_overrides(inputs, effect, origin="verification"))
        rows.append(_row(f"Extreme value: PFS hazard ratio {hr:g}: the trace rules still hold", "Extreme values",
                         "no breach; finite results", trace_violation(extreme)))

    currency = s.currency
    zero = {pid: "0" for pid, p in inputs.parameters.items() if p.unit == currency or p.unit.startswith(currency + " ")}
    free = run_base_case(apply_overrides(inputs, zero, origin="verification")).outcomes
    rows.append(_row("All unit costs and prices zero: total costs zero, QALYs unchanged", "Extreme values",
                     "costs 0; QALYs as the base case",
                     max(float(np.abs(free.costs).max()), _relative(free.qalys, base.outcomes.qalys))))
    return rows
