"""One-way (DSA) ranges: the bounds given in the inputs, else the 2.5th and 97.5th
percentiles of the parameter's own distribution (HTA_METHODS UN-10)."""

from __future__ import annotations

from cea.inputs.model_inputs import ModelInputs
from cea.parameters.parameter_set import dirichlet_totals, marginal_distribution


def dsa_range(inputs: ModelInputs, pid: str) -> tuple[float | None, float | None]:
    """(low, high) for a scalar parameter, or (None, None) if it is not varied one-way."""
    row = inputs.parameters[pid]
    if row.low is not None and row.high is not None:
        return row.low, row.high
    if row.distribution == "fixed":
        return None, None
    distribution = marginal_distribution(row, dirichlet_totals(inputs).get(row.dirichlet_group))
    if distribution is None:
        return None, None
    return float(distribution.ppf(0.025)), float(distribution.ppf(0.975))
