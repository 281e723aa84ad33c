"""Typed rows of the input tables, each remembering its file and line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


DISTRIBUTIONS = ("fixed", "beta", "gamma", "lognormal", "normal", "dirichlet")
# How far each parameter's value was checked (the `status` column of parameters.csv):
#   verified   the number was read in the cited publication's own text (table/page named in `source`)
#   secondary  the number was read only in a secondary source that cites the publication named in `source`
#   derived    arithmetic on verified or secondary numbers; `source` or `notes` gives the formula
#   assumption not found in any source that could be read; `source` starts with 'Assumption:' and gives the reason
#   unverified cited, but not yet checked in the source text (to be verified or turned into an assumption)
STATUSES = ("verified", "secondary", "derived", "assumption", "unverified")
# Allowed ranges.  The lower bounds are what the quantity means (a probability is in [0, 1]);
# the finite upper bounds on open-ended units are far beyond any plausible value but keep every
# product the engine forms (up to four parameters × a 100-year horizon) well inside float range,
# so that a typo such as 1e300 is reported here, naming the parameter, instead of overflowing.
MAX_COST = 1e12  # per unit, in the model currency
UNIT_RULES = {  # unit -> (lowest, highest) allowed value
    "probability": (0.0, 1.0),
    "proportion": (0.0, 1.0),
    "utility": (-0.594, 1.0),  # worst EQ-5D-3L UK tariff state (Dolan 1997) to full health
    "disutility": (0.0, 1.0),
    "ratio": (1e-12, 1e6),
    "rate per month": (0.0, 1e6),
    "months": (0.0, 1e6),
    "days": (0.0, 1e6),
    "years": (0.0, 1e6),
    "tablets": (1e-12, 1e6),
    "coefficient": (-1e6, 1e6),
}
# Survival coefficients (estimation scale, months).  Within these bounds every family's cumulative
# hazard stays finite over a 100-year horizon even with a hazard ratio of 1e6, e.g. Weibull
# (1200·e^20)^(e^3) ≈ 1e234; a fitted curve outside them is a unit error (days or years, not months).
COEFFICIENT_BOUNDS = {
    "log_rate": (-20.0, 20.0), "log_scale": (-20.0, 20.0), "mu": (-20.0, 20.0),
    "log_shape": (-5.0, 3.0), "log_sigma": (-5.0, 3.0),
    "shape": (-1.0, 0.5),  # Gompertz, per month: e^(0.5·1200) is still finite
    "q": (-10.0, 10.0),
}
MAX_COEFFICIENT_VARIANCE = 1.0  # SD of 1 on the log scale: a 95% interval spanning a factor of 50
MAX_LOG_SE = 5.0  # log-normal SE of the log (or the SD implied by its CI): beyond this exp() of a draw overflows
MAX_TIME_MONTHS = 1200.0  # survival data and validation times: 100 years of follow-up, in months
MAX_GAMMA_CV = 10.0  # se / mean: beyond this the gamma's shape (mean/se)² < 0.01 and its quantiles collapse to 0


@dataclass(frozen=True)
class ParameterRow:
    id: str
    group: str
    description: str
    value: float
    unit: str
    low: float | None
    high: float | None
    distribution: str
    se: float | None
    ci_low: float | None
    ci_high: float | None
    events: float | None
    n: float | None
    dirichlet_group: str
    source: str
    notes: str
    file: str
    line: int
    status: str = "unverified"

    @property
    def is_stochastic(self) -> bool:
        return self.distribution != "fixed"

    @property
    def is_assumption(self) -> bool:
        return self.status == "assumption"

    def distribution_text(self) -> str:
        """Human-readable distribution and its arguments (for tables and the appendix)."""
        d = self.distribution
        if d == "fixed":
            return "Fixed"
        if d == "beta" and self.events is not None:
            return f"Beta({self.events:g}, {self.n - self.events:g})"
        if d == "beta":
            return f"Beta (mean {self.value:g}, SE {self.se:g})"
        if d == "gamma":
            return f"Gamma (mean {self.value:g}, SE {self.se:g})"
        if d == "lognormal" and self.ci_low is not None:
            return f"Log-normal (95% CI {self.ci_low:g}–{self.ci_high:g})"
        if d == "lognormal":
            return f"Log-normal (SE of log {self.se:g})"
        if d == "normal":
            return f"Normal (SE {self.se:g})"
        return f"Dirichlet (group {self.dirichlet_group}, α = {self.events:g})"


@dataclass(frozen=True)
class CurveRows:
    """A survival curve's point estimates and covariance on the estimation scale."""

    id: str
    endpoint: str
    family: str
    coefficients: tuple[str, ...]
    estimates: tuple[float, ...]
    covariance: np.ndarray | None  # (k, k) or None (fixed in the PSA)
    source: str
    file: str
    line: int
    # log-normal parameters drawn jointly with the coefficients: (parameter id, cov(coefficient_i, ln parameter))
    links: tuple[tuple[str, tuple[float, ...]], ...] = ()


@dataclass(frozen=True)
class ScenarioRow:
    scenario: str
    target: str
    value: str
    rationale: str
    file: str
    line: int
