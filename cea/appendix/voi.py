"""B.3.11 Value of information (EVPI, EVPPI)."""

from __future__ import annotations

import numpy as np

from cea.appendix.base_case import wtp_text
from cea.appendix.document import (
    AppendixContext,
    number,
)


def _peak_text(ctx: AppendixContext, evpi) -> str:
    if not len(evpi) or float(evpi["evpi"].max()) <= 0:
        return ""
    k = int(np.argmax(evpi["evpi"].to_numpy()))
    return (f" Over the range of thresholds the per-patient EVPI is highest, {ctx.money(evpi['evpi'].iloc[k])}, at "
            f"{wtp_text(ctx, evpi['wtp'].iloc[k])}, where the decision is most uncertain.")


def voi_section(ctx: AppendixContext) -> None:
    b, w, s = ctx.bundle, ctx.w, ctx.s
    ctx.section("voi", "Value of information")
    voi = b.voi
    evpi = voi.evpi
    at = {f"{x:g}": evpi[np.isclose(evpi["wtp"], x)].iloc[0] for x in s.wtp_thresholds
          if np.isclose(evpi["wtp"], x).any()}
    w.paragraph(
        "The expected value of perfect information (EVPI) is the expected gain from resolving all decision "
        "uncertainty: E[max NB] − max E[NB] over the PSA. The expected value of partial perfect information (EVPPI) "
        "for groups of parameters is estimated by non-parametric regression of net benefit on the parameters "
        f"(generalised additive models; Strong et al. {ctx.cite('Strong 2014')}). Population values multiply the per-patient value by "
        f"{number(voi.effective_population, 0)}, the discounted number of patients treated over "
        f"{s.decision_horizon_years:g} years at {number(s.annual_incidence, 0)} patients a year. "
        + " ".join(f"At {wtp_text(ctx, k)} the EVPI is {ctx.money(r['evpi'], 2)} per patient "
                   f"({ctx.money(r['population_evpi'])} for the population)." for k, r in at.items())
        + _peak_text(ctx, evpi))
    ctx.figure("evpi", "Expected value of perfect information per patient by willingness to pay", width_cm=14.0)
    groups = voi.evppi[voi.evppi["kind"] == "group"]
    wtps = sorted(groups["wtp"].unique())
    rows = []
    for label in dict.fromkeys(groups["label"]):
        part = groups[groups["label"] == label].set_index("wtp")
        row = [label]
        for x in wtps:
            row += [ctx.money(part.loc[x, "evppi"], 2), ctx.money(part.loc[x, "population_evppi"])]
        rows.append(row)
    if rows:
        header = ["Parameter group"] + [t for _ in wtps for t in ("Per patient", "Population")]
        evpi_row = ["All parameters (EVPI)"]
        for x in wtps:
            r = evpi[np.isclose(evpi["wtp"], x)]
            evpi_row += [ctx.money(float(r["evpi"].iloc[0]), 2), ctx.money(float(r["population_evpi"].iloc[0]))] \
                if len(r) else ["—", "—"]
        rows.append(evpi_row)
        w.table("Expected value of partial perfect information by parameter group", header, rows,
                [4.4] + [11.6 / (2 * len(wtps))] * (2 * len(wtps)), bold_rows=(len(rows) - 1,),
                groups=[("", 1)] + [(f"EVPPI at {wtp_text(ctx, x)}", 2) for x in wtps])
        if "evppi" not in ctx.figures:
            w.paragraph("At these thresholds every PSA iteration favours the same strategy, so the EVPI and every "
                        "EVPPI are zero (to the nearest penny); the EVPPI chart is omitted.")
        else:
            ctx.figure("evppi", "EVPPI per patient by parameter group", width_cm=14.0)
    else:
        w.paragraph("No parameter varied in the PSA, so no EVPPI was estimated.", italic=True)
