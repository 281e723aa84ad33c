"""Price analysis: ICER, INMB and P(cost-effective) over discounts off the list price of the technology,
unweighted and severity-weighted, and the price at which the ICER equals each threshold.

Every cost item that multiplies by a priced parameter (``price_parameter`` and ``price_linked``: the everolimus
10 mg and 5 mg packs, moved by one relative discount) is proportional to its price, so with P the discounted cost of
those items (engine ``priced_costs``) and the run's net price taken as 1,

    ΔC(m) = ΔC + (m − 1)·ΔP,   m = (1 − d)/(1 − p)

for a discount d off the list price when the run itself is at p off (``pas_discount``).  The same identity holds
iteration by iteration, so the PSA is re-priced from its own per-iteration ΔP without re-running the model
(exact: the engine adds each item's cost once, ``tests/test_price.py`` checks it against a PSA re-run at the
discounted price).  ICER(d) = ΔC(d)/ΔQ; weighted ICER = ΔC(d)/(w·ΔQ); INMB(d, λ) = w·λ·ΔQ − ΔC(d) (w = 1
unweighted); P(CE) = share of iterations with w·λ·ΔQᵢ − ΔCᵢ(d) > 0.  The threshold discount at λ:
m* = 1 + (w·λ·ΔQ − ΔC)/ΔP, d* = 1 − m*·(1 − p).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cea.analyses.base_case import BaseCaseResult
from cea.analyses.psa import PsaResult
from cea.engine.model import evaluate
from cea.inputs.pricing import priced_parameters
from cea.parameters.parameter_set import point_estimates

DISCOUNTS = tuple(round(0.05 * k, 2) for k in range(19))  # 0%, 5%, …, 90% off the list price


@dataclass(frozen=True)
class PriceResult:
    grid: pd.DataFrame  # one row per discount
    thresholds: pd.DataFrame  # one row per threshold and weighting
    weight: float  # severity weight (1 when none applies)
    list_prices: dict[str, float]  # list price of each priced parameter
    pas_discount: float  # the run's own discount off the list price
    inc_cost: float
    inc_qaly: float
    inc_priced_cost: float  # ΔP at the run's price
    iterations: int

    def to_dict(self) -> dict:
        return {"weight": self.weight, "list_prices": self.list_prices, "pas_discount": self.pas_discount,
                "inc_cost": self.inc_cost, "inc_qaly": self.inc_qaly, "inc_priced_cost": self.inc_priced_cost,
                "psa_iterations": self.iterations,
                "grid": self.grid.to_dict(orient="records"), "thresholds": self.thresholds.to_dict(orient="records")}


def priced_costs_point(base: BaseCaseResult) -> np.ndarray:
    """(A,) discounted cost of the priced items at the point estimates (one engine run)."""
    inputs = base.inputs
    out = evaluate(inputs.structure, point_estimates(inputs).values, inputs.settings,
                   priced=priced_parameters(inputs.settings))
    return out.priced_costs[0]


def price_analysis(base: BaseCaseResult, psa: PsaResult | None, weight: float = 1.0,
                   discounts: tuple[float, ...] = DISCOUNTS) -> PriceResult:
    inputs, s = base.inputs, base.settings
    i, c = base.arm_index(s.intervention), base.arm_index(s.comparator)
    inc = base.incremental()
    d_cost, d_qaly = inc["costs"], inc["qalys"]
    priced = priced_costs_point(base)
    d_priced = float(priced[i] - priced[c])
    p = s.pas_discount
    list_prices = {pid: inputs.parameter_value(pid) / (1.0 - p) for pid in priced_parameters(s)
                   if pid in inputs.parameters}
    if psa is not None and psa.priced_costs is not None:
        pi, pc = psa.arm_index(s.intervention), psa.arm_index(s.comparator)
        psa_dc = psa.costs[:, pi] - psa.costs[:, pc]
        psa_dq = psa.qalys[:, pi] - psa.qalys[:, pc]
        psa_dp = psa.priced_costs[:, pi] - psa.priced_costs[:, pc]
    else:
        psa_dc = psa_dq = psa_dp = None
    weights = (("unweighted", 1.0),) + ((("weighted", weight),) if weight != 1.0 else ())
    rows = []
    for d in discounts:
        m = (1.0 - d) / (1.0 - p)
        dc = d_cost + (m - 1.0) * d_priced
        row = {"discount": d, **{f"price_{pid}": list_prices[pid] * (1.0 - d) for pid in list_prices},
               "inc_cost": dc, "inc_qaly": d_qaly,
               "icer": dc / d_qaly if d_qaly else np.nan,
               "icer_weighted": dc / (weight * d_qaly) if d_qaly else np.nan}
        for label, w in weights:
            for wtp in s.wtp_thresholds:
                row[f"inmb_{label}_{wtp:g}"] = w * wtp * d_qaly - dc
                if psa_dc is not None:
                    row[f"p_ce_{label}_{wtp:g}"] = float(np.mean(w * wtp * psa_dq - (psa_dc + (m - 1.0) * psa_dp) > 0))
        rows.append(row)
    trows = []
    for label, w in weights:
        for wtp in s.wtp_thresholds:
            m_star = 1.0 + (w * wtp * d_qaly - d_cost) / d_priced if d_priced else np.nan
            d_star = 1.0 - m_star * (1.0 - p)
            trow = {"weighting": label, "weight": w, "wtp": float(wtp), "effective_wtp": w * wtp,
                    "threshold_discount": d_star,
                    **{f"threshold_price_{pid}": list_prices[pid] * (1.0 - d_star) for pid in list_prices}}
            if psa_dc is not None:  # P(CE) at the threshold price (about 0.5 when the PSA is symmetric)
                trow["p_ce_at_threshold_price"] = float(np.mean(w * wtp * psa_dq - (psa_dc + (m_star - 1.0) * psa_dp) > 0))
            trows.append(trow)
    return PriceResult(pd.DataFrame(rows), pd.DataFrame(trows), float(weight), list_prices, float(p), float(d_cost),
                       float(d_qaly), d_priced, 0 if psa is None else psa.iterations)


# What the published record says about the price the NHS pays (cited; used by the files and the appendix).
PRICE_EVIDENCE = {
    "pas": ("NICE TA421 (everolimus with exemestane, Cancer Drugs Fund reconsideration), section 2: "
            "'The company has agreed a patient access scheme with the Department of Health. This scheme provides a "
            "simple discount to the list price of everolimus with the discount applied at the point of purchase or "
            "invoice. The level of the discount is commercial in confidence.' Section 3.1: the reconsideration "
            "'focused on updated overall survival data from the BOLERO-2 trial and cost-effectiveness analyses using "
            "a patient access scheme, which provides everolimus at a reduced cost'."),
    "recommendation": ("NICE's positive recommendation in TA421 rests on the confidential discount: the "
                       "technology's price under the scheme is described in section 2 and the cost-effectiveness "
                       "analyses the committee considered used it (section 3.1); the Scottish Medicines Consortium's "
                       "acceptance (SMC 872/13, 11 April 2016) likewise 'takes account of the benefits of a Patient "
                       "Access Scheme' and is 'contingent upon the continuing availability of the PAS'.  The net "
                       "price is confidential, so the analysis is reported over the range of discounts that "
                       "contains it."),
    "generic": ("No public UK hospital price of generic everolimus exists: the Department of Health and Social "
                "Care's electronic market information tool (eMIT) publishes average prices paid by English trusts "
                "for generic products, adjusted 'to protect the confidentiality of framework agreement prices where "
                "necessary' (GOV.UK, Drugs and pharmaceutical electronic market information tool, last updated "
                "4 March 2020), framework prices of the NHS Commercial Medicines Unit are confidential, and the "
                "only public UK price is the list price of the branded product (BNF, as stated in NICE TA421 "
                "section 2)."),
}
