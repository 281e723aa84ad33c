"""Facts about the run that several narrative sections share (key drivers, the OS evidence, assumptions), each
computed from the bundle so that every sentence built on them is generated."""

from __future__ import annotations

import math

import numpy as np

from cea.appendix.document import AppendixContext


def top_dsa(ctx: AppendixContext, n: int = 3) -> list[tuple[str, float, float]]:
    """(description, ICER at low, ICER at high) of the ``n`` parameters with the largest INMB swing."""
    from cea.appendix.dsa import dsa_label, submission_dsa

    table = submission_dsa(ctx.bundle).table  # uncertain parameters: prices are analysed as prices
    if not len(table):
        return []
    top = table.sort_values("swing", ascending=False).head(n)
    return [(dsa_label(ctx, r["parameter"], {}), float(r["icer_low"]), float(r["icer_high"]))
            for _, r in top.iterrows()]


def os_hazard_ratio(ctx: AppendixContext):
    """(HR, lower, upper, PH-test p) of the OS fits, or None when the run has no OS fits."""
    fits = ctx.bundle.fits
    endpoint = (getattr(fits, "endpoints", {}) or {}).get("os") if fits is not None else None
    cox = getattr(endpoint, "cox", None)
    if cox is None:
        return None
    return cox.hazard_ratio, cox.lower, cox.upper, getattr(endpoint, "ph_p_value", None)


def share_fewer_life_years(ctx: AppendixContext) -> float:
    psa = ctx.bundle.psa
    i, c = psa.arm_index(ctx.s.intervention), psa.arm_index(ctx.s.comparator)
    return float(np.mean(psa.lys[:, i] - psa.lys[:, c] < 0))


def scenario_icer_range(ctx: AppendixContext, names: list[str]) -> tuple[float, float] | None:
    table = ctx.bundle.scenarios.table.set_index("scenario")
    values = [float(table.loc[n, "icer"]) for n in names if n in table.index]
    values = [v for v in values if math.isfinite(v)]
    return (min(values), max(values)) if values else None


def assumption_parameters(ctx: AppendixContext):
    return [p for p in ctx.bundle.inputs.parameters.values() if p.is_assumption]


# how far a published input was checked, as the parameter tables mark it (statuses short of 'read in the source')
SOURCE_CHECK = {"secondary": "secondary source only", "unverified": "not verified against the source"}


def source_check_clause(parameters) -> str:
    """'3 published inputs are taken from a secondary source only and 1 was not verified against its source', read
    off the parameters' statuses; '' when every published input was read in its source."""
    secondary = sum(p.status == "secondary" for p in parameters)
    unverified = sum(p.status == "unverified" for p in parameters)
    parts = []
    if secondary:
        parts.append(f"{secondary} published input{'s are' if secondary != 1 else ' is'} taken from a secondary "
                     "source only")
    if unverified:
        noun = "" if parts else ("published input " if unverified == 1 else "published inputs ")
        parts.append(f"{unverified} {noun}" + ("was not verified against its source" if unverified == 1
                                               else "were not verified against their source"))
    return " and ".join(parts)


def drug_cost_share(ctx: AppendixContext) -> float | None:
    """Incremental drug acquisition cost as a share of the incremental cost."""
    inc = ctx.bundle.base_case.to_dict()["incremental"]
    by = inc.get("costs_by_category") or {}
    drug = by.get("drug_acquisition")
    return drug / inc["costs"] if drug is not None and inc["costs"] else None
