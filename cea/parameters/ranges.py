"""One-way (DSA) ranges: the bounds given in the inputs, else the 2.5th and 97.5th
percentiles of the parameter's own distribution (HTA_METHODS UN-10)."""

from __future__ import annotations

from functools import lru_cache

from cea.inputs.model_inputs import ModelInputs
from cea.inputs.tables import ParameterRow
from cea.parameters.parameter_set import dirichlet_totals, marginal_distribution


def dsa_range(inputs: ModelInputs, pid: str) -> tuple[float | None, float | None]:
    """(low, high) for a scalar parameter, or (None, None) if it is not varied one-way."""
    row = inputs.parameters[pid]
    if row.low is not None and row.high is not None:
        return row.low, row.high
    if row.distribution == "fixed":
        return None, None
    # only a Dirichlet member's marginal reads its group's total
    total = dirichlet_totals(inputs).get(row.dirichlet_group) if row.distribution == "dirichlet" else None
    return _percentile_range(row, total)


@lru_cache(maxsize=4096)
def _percentile_range(row: ParameterRow, dirichlet_total: float | None) -> tuple[float | None, float | None]:
    """The 2.5th and 97.5th percentiles of a row's distribution, once per distinct row (a run asks about each
    parameter a dozen times: tables, workbook, one-way analyses)."""
    distribution = marginal_distribution(row, dirichlet_total)
    if distribution is None:
        return None, None
    return float(distribution.ppf(0.025)), float(distribution.ppf(0.975))
