"""Deterministic base case: the engine on one sample at the point estimates.

Results per arm (costs by category and state, LYs and QALYs by state, discounted and
undiscounted), the incremental comparison (intervention − comparator), ICER with its
dominance status and the net monetary benefit at every WTP threshold, and the fully
incremental analysis of every arm (cea.analyses.strategies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cea.analyses.decision import icer_status, net_monetary_benefit
from cea.engine.model import QALY_COMPONENTS, STATE_LABELS, ModelOutcomes, evaluate
from cea.inputs.manifest import RunManifest, build_manifest
from cea.inputs.model_inputs import ModelInputs
from cea.parameters.parameter_set import point_estimates


@dataclass(frozen=True)
class BaseCaseResult:
    inputs: ModelInputs
    outcomes: ModelOutcomes  # one sample, with the trace
    manifest: RunManifest

    @property
    def settings(self):
        return self.inputs.settings

    def arm_index(self, arm: str) -> int:
        return self.outcomes.arms.index(arm)

    def arm_summary(self, arm: str) -> dict[str, Any]:
        j, o = self.arm_index(arm), self.outcomes
        return {
            "label": self.inputs.structure.arm(arm).label,
            "costs": float(o.costs[0, j]),
            "qalys": float(o.qalys[0, j]),
            "lys": float(o.lys[0, j]),
            "costs_by_category": {c: float(o.costs_by_category[0, j, k]) for k, c in enumerate(o.cost_categories)},
            "costs_by_state": {s: float(o.costs_by_state[0, j, k]) for k, s in enumerate(STATE_LABELS)},
            "lys_by_state": {s: float(o.lys_by_state[0, j, k]) for k, s in enumerate(STATE_LABELS[:2])},
            "qalys_by_state": {s: float(o.qalys_by_state[0, j, k]) for k, s in enumerate(QALY_COMPONENTS)},
            "undiscounted": {
                "costs": float(o.costs_undiscounted[0, j]),
                "qalys": float(o.qalys_undiscounted[0, j]),
                "lys": float(o.lys_undiscounted[0, j]),
                "costs_by_category": {c: float(o.costs_by_category_undiscounted[0, j, k])
                                      for k, c in enumerate(o.cost_categories)},
                "lys_by_state": {s: float(o.lys_by_state_undiscounted[0, j, k]) for k, s in enumerate(STATE_LABELS[:2])},
                "qalys_by_state": {s: float(o.qalys_by_state_undiscounted[0, j, k])
                                   for k, s in enumerate(QALY_COMPONENTS)},
            },
            # undiscounted means over the horizon (months): PF, alive, and on each drug the arm receives
            "mean_months": o.mean_months()[arm],
        }

    def incremental(self) -> dict[str, Any]:
        s = self.settings
        a, b = self.arm_summary(s.intervention), self.arm_summary(s.comparator)
        d_cost, d_qaly, d_ly = a["costs"] - b["costs"], a["qalys"] - b["qalys"], a["lys"] - b["lys"]
        icer, status = icer_status(d_cost, d_qaly)
        return {
            "intervention": s.intervention,
            "comparator": s.comparator,
            "costs": d_cost,
            "qalys": d_qaly,
            "lys": d_ly,
            "icer": icer,
            "status": status,
            "nmb": {f"{w:g}": float(net_monetary_benefit(d_cost, d_qaly, w)) for w in s.wtp_thresholds},
            "costs_by_category": {c: a["costs_by_category"][c] - b["costs_by_category"][c]
                                  for c in self.outcomes.cost_categories},
        }

    def incremental_analysis(self, thresholds=None) -> list[dict[str, Any]]:
        """Fully incremental analysis of every arm (cea.analyses.strategies.incremental_entries), sorted by
        cost; NMB at ``thresholds`` (default: the settings' wtp_thresholds)."""
        from cea.analyses.strategies import result_entries

        return result_entries(self, thresholds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "evidence": {"status": self.settings.evidence_status, "note": self.settings.evidence_note},
            "arms": {arm: self.arm_summary(arm) for arm in self.outcomes.arms},
            "incremental": self.incremental(),
            "incremental_analysis": self.incremental_analysis(),
            "manifest": self.manifest.to_dict(),
        }


def run_base_case(inputs: ModelInputs, overrides: dict[str, str] | None = None) -> BaseCaseResult:
    """Evaluate the model once at the point estimates (``overrides`` already applied to ``inputs``
    are recorded in the manifest).  The result keeps the undiscounted costs of every cycle by category, from which
    the budget impact is computed (cea.analyses.budget_impact): one engine result for both."""
    outcomes = evaluate(inputs.structure, point_estimates(inputs).values, inputs.settings, keep_trace=True,
                        keep_cycle_costs=True)
    return BaseCaseResult(inputs, outcomes, build_manifest(inputs, overrides=overrides))


def trace_rows(result: BaseCaseResult, arm: str) -> dict[str, np.ndarray]:
    """Columns of one arm's Markov trace (cycle, time, occupancy, flows)."""
    j = result.arm_index(arm)
    tr, t = result.outcomes.trace, result.outcomes.times_years
    flows = lambda x: np.concatenate([[0.0], x[0, j]])  # noqa: E731  flows into each trace point
    return {
        "cycle": np.arange(len(t)),
        "time_years": t,
        "time_months": t * 12.0,
        "PF": tr.pf[0, j],
        "PD": tr.pd[0, j],
        "Dead": tr.dead[0, j],
        "new_progressions": flows(tr.new_progressions),
        "new_deaths": flows(tr.new_deaths),
        "p_pd_death": flows(tr.p_pd_death),
        **{f"on_{drug}": result.outcomes.on_treatment[0, j, k] for k, drug in enumerate(result.outcomes.drugs)
           if not np.isnan(result.outcomes.on_treatment[0, j, k, 0])},
    }
