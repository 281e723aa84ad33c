"""Typed rows of the input tables, each remembering its file and line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


DISTRIBUTIONS = ("fixed", "beta", "gamma", "lognormal", "normal", "dirichlet")
UNIT_RULES = {  # unit -> (lowest, highest) allowed value
    "probability": (0.0, 1.0),
    "proportion": (0.0, 1.0),
    "utility": (-0.594, 1.0),  # worst EQ-5D-3L UK tariff state (Dolan 1997) to full health
    "disutility": (0.0, 1.0),
    "ratio": (1e-12, np.inf),
    "rate per month": (0.0, np.inf),
    "months": (0.0, np.inf),
    "days": (0.0, np.inf),
    "years": (0.0, np.inf),
    "tablets": (1e-12, np.inf),
    "coefficient": (-np.inf, np.inf),
}


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

    @property
    def is_stochastic(self) -> bool:
        return self.distribution != "fixed"

    @property
    def is_assumption(self) -> bool:
        return "assumption" in self.source.lower()

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


@dataclass(frozen=True)
class ScenarioRow:
    scenario: str
    target: str
    value: str
    rationale: str
    file: str
    line: int
