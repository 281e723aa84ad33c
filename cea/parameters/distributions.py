"""Distribution constructors named after what a paper reports, returning frozen scipy
distributions (Briggs, Claxton & Sculpher 2006, ch. 4; NICE DSU TSD / HTA_METHODS F24), and
``random_draws``: PSA draws of such a distribution by numpy's own samplers.

Each raises ValueError with the reason when the reported numbers cannot define the
distribution (for example a beta whose se² ≥ mean(1 − mean)).  Every constructor passes its
parameters to scipy by name (``a``, ``b``, ``scale``, ``s``, ``loc``), which ``random_draws`` reads back.

scipy.stats is imported inside each constructor: it takes most of a second to load, and the
deterministic base case never builds a distribution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.stats._distn_infrastructure import rv_continuous_frozen as rv_frozen

# Φ⁻¹(0.975), the 95% two-sided normal quantile; equals scipy.stats.norm.ppf(0.975) to the last bit
# (tests/test_distributions.py checks), written out so that importing this module does not load scipy.stats.
Z95 = 1.959963984540054


def beta_from_mean_se(mean: float, se: float) -> rv_frozen:
    """Beta by method of moments: k = mean(1 − mean)/se² − 1, α = mean·k, β = (1 − mean)·k."""
    if not 0 < mean < 1:
        raise ValueError(f"beta needs 0 < mean < 1; got mean={mean}")
    if not 0 < se**2 < mean * (1 - mean):
        raise ValueError(f"beta needs 0 < se² < mean(1 − mean) = {mean * (1 - mean):.6g}; got se={se}")
    k = mean * (1 - mean) / se**2 - 1
    from scipy import stats

    return stats.beta(a=mean * k, b=(1 - mean) * k)


def beta_from_counts(events: float, n: float) -> rv_frozen:
    """Beta(events, n − events) for a proportion reported as events/N (Briggs et al. 2006, §4.3)."""
    if not (0 < events < n):
        raise ValueError(f"beta from counts needs 0 < events < n; got events={events}, n={n}")
    from scipy import stats

    return stats.beta(a=events, b=n - events)


def gamma_from_mean_se(mean: float, se: float) -> rv_frozen:
    """Gamma by method of moments: shape = mean²/se², scale = se²/mean."""
    if not mean > 0 or not se > 0:
        raise ValueError(f"gamma needs mean > 0 and se > 0; got mean={mean}, se={se}")
    from scipy import stats

    return stats.gamma(a=mean**2 / se**2, scale=se**2 / mean)


def lognormal_from_ci(point: float, low: float, high: float, level: float = 0.95) -> rv_frozen:
    """Log-normal for a ratio reported with a CI: σ = (ln high − ln low)/(2·z), median = point."""
    if not 0 < low <= point <= high:
        raise ValueError(f"log-normal needs 0 < low <= point <= high; got {low}, {point}, {high}")
    if high == low:
        raise ValueError("log-normal needs a CI of positive width")
    from scipy import stats

    z = stats.norm.ppf(0.5 + level / 2)
    return stats.lognorm(s=(np.log(high) - np.log(low)) / (2 * z), scale=point)


def lognormal_from_log_se(point: float, se_log: float) -> rv_frozen:
    """Log-normal with median ``point`` and standard error ``se_log`` on the log scale."""
    if not point > 0 or not se_log > 0:
        raise ValueError(f"log-normal needs point > 0 and se > 0; got point={point}, se={se_log}")
    from scipy import stats

    return stats.lognorm(s=se_log, scale=point)


def normal_from_mean_se(mean: float, se: float) -> rv_frozen:
    if not se > 0:
        raise ValueError(f"normal needs se > 0; got se={se}")
    from scipy import stats

    return stats.norm(loc=mean, scale=se)


def dirichlet_marginal(alpha: float, alpha_total: float) -> rv_frozen:
    """Marginal of one Dirichlet component: Beta(α_i, α_0 − α_i)."""
    if not 0 < alpha < alpha_total:
        raise ValueError(f"Dirichlet component needs 0 < alpha < total; got {alpha}, {alpha_total}")
    from scipy import stats

    return stats.beta(a=alpha, b=alpha_total - alpha)


# numpy's sampler for each family, called with the frozen distribution's named parameters
_SAMPLERS = {
    "beta": lambda rng, n, a, b: rng.beta(a, b, n),  # Jöhnk's method if a, b ≤ 1, else X/(X+Y) of two gammas
    "gamma": lambda rng, n, a, scale: rng.gamma(a, scale, n),  # Marsaglia & Tsang 2000
    "lognorm": lambda rng, n, s, scale: scale * np.exp(s * rng.standard_normal(n)),  # median·exp(σ·z)
    "norm": lambda rng, n, loc, scale: loc + scale * rng.standard_normal(n),
}


def random_draws(distribution: rv_frozen, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of a distribution made by a constructor above, by numpy's own sampler for its family.

    Direct sampling instead of the inverse CDF of uniforms: scipy's beta and gamma quantile functions
    (iterative inversions of the incomplete beta and gamma functions) took more time than the whole engine in
    a PSA, numpy's samplers a few percent of it.  The draws follow the same distribution (tests/
    test_distributions.py checks each family against scipy's CDF).  numpy draws one value after another from
    ``rng``, so the first m of ``n`` draws are the draws of ``random_draws(distribution, same rng state, m)``.
    """
    return _SAMPLERS[distribution.dist.name](rng, n, *distribution.args, **distribution.kwds)


def multivariate_normal_draws(mean: np.ndarray, covariance: np.ndarray, standard_normal: np.ndarray) -> np.ndarray:
    """x = μ + L·z with Σ = L·Lᵀ (Cholesky); z is (n_samples, k) standard normal → (n_samples, k).

    A positive semi-definite Σ with zero variances (a fixed coefficient) is handled by an
    eigen-decomposition instead of Cholesky.
    """
    return np.asarray(mean, dtype=float) + standard_normal @ covariance_factor(covariance).T


def covariance_factor(covariance: np.ndarray) -> np.ndarray:
    """L with Σ = L·Lᵀ: Cholesky, or for a positive semi-definite Σ with zero variances (a fixed
    coefficient) an eigen-decomposition.  The workbook's fresh draws use the same factor."""
    covariance = np.asarray(covariance, dtype=float)
    try:
        return np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(covariance)
        if values.min() < -1e-10 * max(1.0, values.max()):
            raise ValueError("covariance matrix is not positive semi-definite") from None
        return vectors * np.sqrt(np.clip(values, 0, None))
