"""PSA draws: every stochastic parameter from its distribution, with one seeded Generator.

Scalars: each parameter drawn from its distribution by numpy's own sampler (beta, gamma, normal;
a log-normal as median·exp(σ·z)), each from its own child stream of the Generator, so that a
parameter's draws are fixed by the seed and the parameter order and the first m draws do not
depend on how many are drawn.  (Until issue 16 the draws were inverse CDFs of uniforms, heemod /
SALib style: the same distributions, but scipy's beta and gamma quantile functions cost more
than the engine.)  Dirichlet groups: independent gamma(α_i) draws normalised to sum to one (Briggs
et al. 2006, §4.3).  Survival coefficients: multivariate normal on the estimation scale,
x = μ + L·z with Σ = L·Lᵀ (Cholesky; HTA_METHODS F25).  Fixed parameters and curves
without a covariance keep their point estimates.  The same draw feeds every arm.

A log-normal parameter linked to a curve (survival_covariance.csv rows ``coefficient, log(<id>)``, e.g. the
OS hazard ratio of a joint proportional-hazards fit and the reference arm's coefficients) is drawn with the
curve from one multivariate normal of (coefficients, ln parameter), so that the fit's correlation is kept:
parameter = exp(ln value + draw).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cea.inputs.model_inputs import ModelInputs, joint_covariance
from cea.parameters.distributions import multivariate_normal_draws, random_draws
from cea.parameters.parameter_set import ParameterSet, dirichlet_totals, marginal_distribution, point_estimates


def stochastic_ids(inputs: ModelInputs) -> list[str]:
    """Ids that vary in the PSA, in a fixed order (scalars, then curve coefficients)."""
    ids = [pid for pid, row in inputs.parameters.items() if row.is_stochastic]
    used = {getattr(arm, f"{e}_curve") for arm in inputs.structure.arms for e in ("pfs", "os")}
    for curve in inputs.curves.values():
        # only curves the arms use: alternatives (scenario curves) would add noise columns to EVPPI
        if curve.id in used and curve.covariance is not None and np.any(np.diag(curve.covariance) > 0):
            ids += [f"{curve.id}.{c}" for c in curve.coefficients]
    return ids


@lru_cache(maxsize=4096)
def _frozen_marginal(row):
    """marginal_distribution(row), built once per row: freezing a scipy distribution takes a millisecond,
    and a streamed PSA draws every block from the same rows (only its family and parameters are read)."""
    return marginal_distribution(row)


def draw(inputs: ModelInputs, n_samples: int, rng: np.random.Generator, zero_variance: bool = False) -> ParameterSet:
    """A ParameterSet of ``n_samples`` PSA draws.  ``zero_variance`` returns the point estimates
    in every row through the same code path (a check that sampling is wired correctly)."""
    base = point_estimates(inputs)
    values = {k: np.repeat(v, n_samples) for k, v in base.values.items()}
    totals = dirichlet_totals(inputs)
    used = {getattr(arm, f"{e}_curve") for arm in inputs.structure.arms for e in ("pfs", "os")}
    linked = {pid: curve for curve in inputs.curves.values() if curve.id in used and curve.covariance is not None
              for pid, _ in curve.links if inputs.parameters[pid].is_stochastic}
    scalars = [row for row in inputs.parameters.values()
               if row.is_stochastic and row.distribution != "dirichlet" and row.id not in linked]
    # independent child streams (each scalar, each Dirichlet group, each curve) so that the first m draws
    # of any component do not depend on n_samples
    scalar_rng, group_rng, curve_rng = rng.spawn(3)
    for row, stream in zip(scalars, scalar_rng.spawn(len(scalars))):
        distribution = _frozen_marginal(row)
        if not zero_variance and distribution is not None:
            values[row.id] = random_draws(distribution, stream, n_samples)
    for group, stream in zip(sorted(totals), group_rng.spawn(len(totals))):
        members = [row for row in inputs.parameters.values() if row.distribution == "dirichlet" and row.dirichlet_group == group]
        # α_i = value_i·(Σα): equal to the counts in the file, and re-centred on any override of the values
        gammas = np.column_stack([g.gamma(max(row.value, 0.0) * totals[group], 1.0, n_samples)
                                  for row, g in zip(members, stream.spawn(len(members)))])
        if not zero_variance:
            shares = gammas / gammas.sum(axis=1, keepdims=True)
            for k, row in enumerate(members):
                values[row.id] = shares[:, k]
    for curve, stream in zip(inputs.curves.values(), curve_rng.spawn(len(inputs.curves))):
        if curve.covariance is None or curve.id not in used:
            continue
        partners = [pid for pid, c in linked.items() if c.id == curve.id][:1]  # at most one linked parameter
        k = len(curve.coefficients)
        z = stream.standard_normal((n_samples, k + len(partners)))
        mean = np.array(curve.estimates, dtype=float)
        covariance = curve.covariance
        if partners:
            row = inputs.parameters[partners[0]]
            covariance = joint_covariance(curve, row.id, row)
            mean = np.append(mean, np.log(row.value))
        if zero_variance:
            covariance = np.zeros_like(covariance)
        sample = multivariate_normal_draws(mean, covariance, z)
        for j, name in enumerate(curve.coefficients):
            values[f"{curve.id}.{name}"] = sample[:, j]
        if partners:
            values[partners[0]] = np.exp(sample[:, k])
    return ParameterSet(values, n_samples)
