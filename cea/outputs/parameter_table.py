"""Every parameter with value, uncertainty, distribution, DSA range and citation (for `cea params`)."""

from __future__ import annotations

import pandas as pd

from cea.inputs.model_inputs import ModelInputs
from cea.parameters.ranges import dsa_range


def parameter_frame(inputs: ModelInputs) -> pd.DataFrame:
    rows = []
    for p in inputs.parameters.values():
        low, high = dsa_range(inputs, p.id)
        rows.append({"id": p.id, "group": p.group, "description": p.description, "value": p.value, "unit": p.unit,
                     "distribution": p.distribution_text(), "dsa_low": low, "dsa_high": high,
                     "assumption": p.is_assumption, "status": p.status, "source": p.source, "notes": p.notes})
    for c in inputs.curves.values():
        psa = "Multivariate normal (covariance in survival_covariance.csv)" if c.covariance is not None else "Fixed"
        for name, value in zip(c.coefficients, c.estimates):
            rows.append({"id": f"{c.id}.{name}", "group": f"{c.endpoint}_curve", "description":
                         f"{c.family} {name} of curve {c.id} ({c.endpoint.upper()})", "value": value,
                         "unit": "coefficient", "distribution": psa, "dsa_low": None, "dsa_high": None,
                         "assumption": "assumption" in c.source.lower(),
                         "status": _curve_status(c.source), "source": c.source, "notes":
                         "Jointly uncertain: varied in the PSA and in scenarios, not one-way"})
    return pd.DataFrame(rows)


def _curve_status(source: str) -> str:
    """Survival coefficients: 'assumption' when their source says so, 'derived' otherwise (every curve is fitted
    to reconstructed data or calibrated to published medians and hazard ratios: arithmetic on published numbers)."""
    return "assumption" if source.lower().startswith("assumption") else "derived"
