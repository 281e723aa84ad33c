"""``plausibility/``: OS joint fits with landmarks and benchmarks, the implied post-progression death rates (table
and figure), the AIC-weighted model average, and the time-on-treatment check (cea.analyses.os_plausibility)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cea.analyses import os_plausibility as op
from cea.outputs.files import to_json
from cea.outputs.style import ARM_COLOURS, figure, save

FILES = ("os_joint_fits.csv", "os_landmarks_with_benchmarks.csv", "pd_death_rates.csv", "pd_death_rates.png",
         "os_model_average.csv", "time_on_treatment.csv", "time_on_treatment_published.csv", "plausibility.json")


def pd_rate_figure(base_case, labels: dict[str, str]):
    months, rates = op.pd_death_rate_curves(base_case)
    fig, ax = figure(3.4)
    keep = (months >= 2.0) & (months <= 120.0)
    for colour, (arm, h) in zip(ARM_COLOURS, rates.items()):
        ax.plot(months[keep], 100.0 * h[keep], color=colour, label=labels.get(arm, arm))
    ax.set_xlabel("Months since the start of treatment")
    ax.set_ylabel("Deaths per 100 progressed patients per month")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    return fig


def plausibility_results(bundle) -> dict:
    """Everything the files and the appendix show, computed once per bundle."""
    cached = getattr(bundle, "_plausibility", None)
    if cached is not None:
        return cached
    inputs, base = bundle.inputs, bundle.base_case
    out: dict = {"tot": op.time_on_treatment_table(base), "tot_published": op.published_tot(inputs.folder)}
    if bundle.fits is not None and "os" in bundle.fits.endpoints:
        joint = op.joint_fit_table(bundle.fits, inputs)
        out |= {"joint": joint, "landmarks": op.landmark_rows(bundle.fits, base, joint),
                "average": op.model_average(inputs, joint, base),
                "average_psa": op.model_average_psa(inputs, joint, min(op.MODEL_AVERAGE_PSA_ITERATIONS,
                                                                       bundle.psa.iterations), bundle.psa.seed)}
    if base.outcomes.trace.p_pd_death is not None:
        out["pd_rates"] = op.pd_death_rates(base)
    object.__setattr__(bundle, "_plausibility", out)
    return out


def write_plausibility(folder: Path, bundle) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    r = plausibility_results(bundle)
    kw = dict(index=False, float_format="%.10g", lineterminator="\n")
    r["tot"].to_csv(folder / "time_on_treatment.csv", **kw)
    r["tot_published"].to_csv(folder / "time_on_treatment_published.csv", **kw)
    document = {"time_on_treatment": r["tot"].to_dict(orient="records"), "manifest": bundle.manifest.to_dict()}
    if "joint" in r:
        r["joint"].to_csv(folder / "os_joint_fits.csv", **kw)
        r["landmarks"].to_csv(folder / "os_landmarks_with_benchmarks.csv", **kw)
        r["average"].table.to_csv(folder / "os_model_average.csv", **kw)
        mp = r["average_psa"]
        document |= {"os_joint_fits": r["joint"].to_dict(orient="records"),
                     "os_model_average": {"inc_costs": r["average"].inc_costs, "inc_qalys": r["average"].inc_qalys,
                                          "inc_lys": r["average"].inc_lys, "icer": r["average"].icer},
                     "os_model_average_psa": {
                         "iterations_by_fit": mp.counts, "mean_inc_costs": float(np.mean(mp.inc_costs)),
                         "mean_inc_qalys": float(np.mean(mp.inc_qalys)), "icer": mp.icer,
                         "prob_cost_effective": {str(w): mp.prob_cost_effective(w)
                                                 for w in bundle.inputs.settings.wtp_thresholds}}}
    if "pd_rates" in r:
        r["pd_rates"].to_csv(folder / "pd_death_rates.csv", **kw)
        labels = {a.id: a.label for a in bundle.inputs.structure.arms}
        save(pd_rate_figure(bundle.base_case, labels), folder / "pd_death_rates.png")
        document["pd_death_rates"] = r["pd_rates"].replace({np.nan: None}).to_dict(orient="records")
    (folder / "plausibility.json").write_text(to_json(document), encoding="utf-8")


__all__ = ["FILES", "pd_rate_figure", "plausibility_results", "write_plausibility"]
