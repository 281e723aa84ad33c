"""ParameterSet: every model parameter as an array over a leading sample axis.

Scalars are (n_samples,); survival-curve coefficients are stored per coefficient as
'<curve>.<coefficient>' so that one-way variation, --set and the PSA all address them
the same way.  The base case is the one-sample ParameterSet at the point estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cea.inputs.model_inputs import ModelInputs
from cea.inputs.tables import ParameterRow
from cea.parameters import distributions as dist


@dataclass(frozen=True)
class ParameterSet:
    values: dict[str, np.ndarray]
    n_samples: int

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def coefficients(self, curve_id: str, names: tuple[str, ...]) -> np.ndarray:
        """(n_samples, k) coefficient matrix of one curve."""
        return np.column_stack([self.values[f"{curve_id}.{n}"] for n in names])

    def with_values(self, overrides: dict[str, float]) -> "ParameterSet":
        unknown = set(overrides) - set(self.values)
        if unknown:
            raise KeyError(f"unknown parameter(s) {sorted(unknown)}")
        new = dict(self.values)
        for k, v in overrides.items():
            new[k] = np.broadcast_to(np.asarray(v, dtype=float), (self.n_samples,)).copy()
        return ParameterSet(new, self.n_samples)

    def take(self, index: slice | np.ndarray) -> "ParameterSet":
        sub = {k: v[index] for k, v in self.values.items()}
        return ParameterSet(sub, len(next(iter(sub.values()))))

    @staticmethod
    def stack(sets: list["ParameterSet"]) -> "ParameterSet":
        keys = sets[0].values.keys()
        return ParameterSet({k: np.concatenate([s.values[k] for s in sets]) for k in keys},
                            sum(s.n_samples for s in sets))


def point_estimates(inputs: ModelInputs) -> ParameterSet:
    """Every parameter at its point estimate: the deterministic base case."""
    values = {pid: np.array([row.value]) for pid, row in inputs.parameters.items()}
    for curve in inputs.curves.values():
        for name, estimate in zip(curve.coefficients, curve.estimates):
            values[f"{curve.id}.{name}"] = np.array([estimate])
    return ParameterSet(values, 1)


def dirichlet_totals(inputs: ModelInputs) -> dict[str, float]:
    """Sum of alphas (counts) per Dirichlet group."""
    totals: dict[str, float] = {}
    for p in inputs.parameters.values():
        if p.distribution == "dirichlet":
            totals[p.dirichlet_group] = totals.get(p.dirichlet_group, 0.0) + p.events
    return totals


def marginal_distribution(row: ParameterRow, dirichlet_total: float | None = None):
    """The frozen scipy distribution of a parameter row (a Dirichlet member's beta marginal); None if fixed.

    The distribution is centred on the row's *value*, so that an override (``--set``, a scenario)
    moves the PSA distribution with it while keeping its spread: a beta from counts keeps its
    effective sample size n (α = value·n), a log-normal from a CI keeps σ = (ln high − ln low)/(2·1.96).
    A value on the boundary of a proportion (0 or 1) has no spread and is treated as fixed.
    """
    d = row.distribution
    if d == "fixed":
        return None
    if d in ("beta", "dirichlet") and not 0 < row.value < 1:
        return None
    if d == "beta":
        if row.events is not None and row.n is not None:
            return dist.beta_from_counts(row.value * row.n, row.n)
        return dist.beta_from_mean_se(row.value, row.se)
    if d == "gamma":
        return dist.gamma_from_mean_se(row.value, row.se)
    if d == "lognormal":
        if row.ci_low is not None and row.ci_high is not None:
            return dist.lognormal_from_log_se(row.value, (np.log(row.ci_high) - np.log(row.ci_low)) / (2 * dist.Z95))
        return dist.lognormal_from_log_se(row.value, row.se)
    if d == "normal":
        return dist.normal_from_mean_se(row.value, row.se)
    if d == "dirichlet":
        return dist.dirichlet_marginal(row.value * dirichlet_total, dirichlet_total)
    raise ValueError(f"unknown distribution {d!r}")
