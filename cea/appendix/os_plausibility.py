"""B.3.3 / B.3.11.4 Plausibility of the OS extrapolation and of the time on treatment: joint fits with AIC/BIC and
landmarks beside the external benchmarks, the post-progression death rates each arm's trace implies (table, figure
and a paragraph written from the numbers), the AIC-weighted model average, and the proportion on treatment."""

from __future__ import annotations

import numpy as np

from cea.appendix.prose import prose, technology_name
from cea.appendix.document import AppendixContext, in_sentence, qalys
from cea.outputs.plausibility_files import plausibility_results, pd_rate_figure
from cea.outputs.style import save
from cea.analyses.survival_fits import FAMILY_LABELS as FAMILY

MODEL = {"ph": "PH", "aft": "AFT"}


def _pct(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def pair_hazard_ratio(ctx: AppendixContext, endpoint: str) -> float | None:
    """The hazard ratio of the intervention against the comparator on ``endpoint`` when both arms share one curve
    (the ratio of the arms' hazard ratios against that curve's reference arm: an anchored comparison); None when an
    arm uses its own curve or an acceleration factor."""
    inputs = ctx.bundle.inputs
    arms = {a.id: a for a in inputs.structure.arms}
    i, c = arms.get(ctx.s.intervention), arms.get(ctx.s.comparator)
    if i is None or c is None or getattr(i, f"{endpoint}_curve") != getattr(c, f"{endpoint}_curve"):
        return None
    if getattr(i, f"{endpoint}_acceleration_factor", None) or getattr(c, f"{endpoint}_acceleration_factor", None):
        return None

    def hr(arm) -> float:
        pid = getattr(arm, f"{endpoint}_hazard_ratio")
        return float(inputs.parameter_value(pid)) if pid else 1.0

    return hr(i) / hr(c)


def os_plausibility_section(ctx: AppendixContext) -> None:
    w, s = ctx.w, ctx.s
    r = plausibility_results(ctx.bundle)
    ctx.section("os_plausibility", "Plausibility of survival extrapolation and time on treatment")
    lab = {a: in_sentence(label) for a, label in ctx.labels.items()}  # inside sentences
    i, c = s.intervention, s.comparator
    if "joint" in r:
        joint, landmarks, avg = r["joint"], r["landmarks"], r["average"]
        counted = joint[joint["duplicate_of"] == ""]
        best = counted.iloc[0]
        close = counted[counted["delta_aic"] < 2]
        five = counted[[f"{i}_s_5y", f"{c}_s_5y"]]
        w.paragraph(
            f"Table {ctx.next_table()} lists every model fitted jointly to both arms' overall survival (one likelihood, "
            "treatment as a covariate), ranked by AIC. "
            f"{len(close)} of them lie within 2 AIC points of the best ({MODEL[best['model']]} "
            f"{FAMILY[best['family']]}), which the data cannot tell apart, yet five-year survival on "
            f"{lab[c]} ranges from {_pct(five[f'{c}_s_5y'].min())} to {_pct(five[f'{c}_s_5y'].max())} across all the joint "
            "fits. The accelerated-failure-time Weibull is the proportional-hazards Weibull written differently (same "
            "likelihood) and carries no weight of its own. Akaike weights are exp(−ΔAIC/2), normalised.")
        rows = []
        for _, x in joint.iterrows():
            rows.append([f"{MODEL[x['model']]} {FAMILY[x['family']]}", f"{x['aic']:,.1f}", f"{x['bic']:,.1f}",
                         f"{abs(x['delta_aic']) if abs(x['delta_aic']) < 0.05 else x['delta_aic']:.1f}", "same as PH Weibull" if x["duplicate_of"] else f"{x['akaike_weight']:.3f}",
                         f"{x['effect']} {x['effect_estimate']:.2f}",
                         *[f"{_pct(x[f'{i}_s_{y}y'])} / {_pct(x[f'{c}_s_{y}y'])}" for y in (1, 2, 3, 5, 10)]])
        w.table(f"Joint OS fits: fit statistics and landmark survival ({lab[i]} / {lab[c]})",
                ("Model", "AIC", "BIC", "ΔAIC", "Weight", "Effect", "1 year", "2 years", "3 years", "5 years",
                 "10 years"), rows)
        w.paragraph(
            f"Table {ctx.next_table()} sets the landmarks of the base case, of the AIC-weighted mixture of the joint "
            "fits and of the trial's Kaplan–Meier estimate beside the external benchmarks of five-year survival in "
            f"metastatic breast cancer from population data{ctx.cite_if('Sundquist 2017', 'Lord 2022')}. The benchmarks "
            "cover all subtypes and lines from the diagnosis of metastasis, so they are upper bounds for patients starting "
            "second-line endocrine therapy.")
        rows = []
        for _, x in landmarks[landmarks["row"] != "joint fit"].iterrows():
            arm = ctx.labels.get(x["arm"], "") if isinstance(x["arm"], str) else ""
            name = str(x["name"]) + (ctx.cite_if(str(x["name"])) if x["row"] == "external benchmark" else "")
            rows.append([name, arm, *[_pct(x[f"s_{y}y"]) for y in (1, 2, 3, 5, 10)]])
        w.table("OS landmarks: model, trial data and external benchmarks", ("Source", "Arm", "1 year", "2 years",
                "3 years", "5 years", "10 years"), rows)
        bench = landmarks.loc[landmarks["row"] == "external benchmark", "s_5y"]
        base5 = landmarks[(landmarks["row"] == "base case")].set_index("arm")["s_5y"]
        if len(bench):
            lowest = float(bench.min())
            above = [f"{MODEL[x['model']]} {FAMILY[x['family']]}" for _, x in counted.iterrows()
                     if x[f"{i}_s_5y"] > lowest]
            below_all = base5.get(i, np.nan) <= lowest
            w.paragraph(
                f"The base case's five-year survival ({_pct(base5.get(i))} and {_pct(base5.get(c))}) is "
                f"{'below' if below_all else 'not below'} every benchmark ({', '.join(_pct(b) for b in bench)}). "
                + (f"On {lab[i]}, the joint fits above the lowest benchmark at five years are: {', '.join(above)}." if above
                   else "No joint fit exceeds the lowest benchmark at five years."))
        t = avg.table
        members = t[t["model"] != "average"]
        mp = r.get("average_psa")
        mp_n = sum(mp.counts.values()) if mp is not None else 0
        mp_p = (", ".join(f"{mp.prob_cost_effective(x):.3f} at {ctx.money(x)}" for x in s.wtp_thresholds)
                if mp is not None else "")
        w.paragraph(
            "Model averaging: the model is run once with each joint fit, and each arm's discounted costs, QALYs and "
            "life-years are averaged with the Akaike weights; the ICER is the ratio of the averaged increments. In a "
            "cohort model in which the alive total follows the OS curve, this equals running the model on the "
            "weight-averaged (mixture) survival curve, because state membership, costs and QALYs are linear in that "
            "curve. The deterministic model-averaged ICER is "
            f"{ctx.money(avg.icer)} per QALY gained (incremental costs {ctx.money(avg.inc_costs)}, QALYs "
            f"{qalys(avg.inc_qalys)}, life-years {qalys(avg.inc_lys)}), against {ctx.money(members.iloc[0]['icer'])} "
            "with the single best-fitting model. "
            + (f"A model-averaged probabilistic analysis gives each of {mp_n:,} iterations to one fit in proportion "
               "to the Akaike weights, with that fit's own parameter uncertainty (its coefficients and treatment "
               f"effect drawn jointly): probabilistic ICER {ctx.money(mp.icer)} per QALY gained; probability of "
               f"cost-effectiveness {mp_p}. The main probabilistic analysis keeps the base case's fit."
               if mp is not None else ""))
        rows = [[("AIC-weighted average" if x["model"] == "average" else f"{MODEL[x['model']]} {FAMILY[x['family']]}"),
                 f"{x['akaike_weight']:.3f}", ctx.money(x["inc_costs"]), qalys(x["inc_qalys"]), qalys(x["inc_lys"]),
                 ctx.money(x["icer"]) if np.isfinite(x["icer"]) else "–"] for _, x in t.iterrows()]
        w.table("Model averaging over the joint OS fits", ("Model", "Weight", "Incremental costs", "Incremental QALYs",
                "Incremental LYs", "ICER"), rows)
    if "pd_rates" in r:
        p = r["pd_rates"]
        at = p.set_index("month")
        w.paragraph(
            f"Table {ctx.next_table()} gives the death rate among progressed patients that each arm's trace implies "
            "(post-progression deaths are set so that the alive total follows each arm's OS curve).")
        rows = [[f"{int(m)}", f"{100 * x[f'{i}_rate']:.2f}", f"{100 * x[f'{c}_rate']:.2f}", f"{x['ratio']:.2f}",
                 _pct(x[f"{i}_pd"]), _pct(x[f"{c}_pd"])] for m, x in at.iterrows()]
        w.table("Implied post-progression death rate by arm (deaths per 100 progressed patients per month)",
                ("Month", ctx.labels[i], ctx.labels[c], "Ratio", f"In PD, {lab[i]}", f"In PD, {lab[c]}"), rows)
        folder = next(iter(ctx.figures.values())).parent if ctx.figures else None
        if folder is not None:
            path = folder / "pd_death_rates.png"
            save(pd_rate_figure(ctx.bundle.base_case, ctx.labels), path)
            n = w.figures + 1
            w.paragraph(f"Figure {n} plots the same rates over time.")
            w.figure(path, "Implied post-progression death rate by arm")
        r3, r12 = at.loc[3, "ratio"], at.loc[12, "ratio"]
        lo = float(min(at[f"{i}_rate"].min(), at[f"{c}_rate"].min()))
        hi = float(max(at[f"{i}_rate"].max(), at[f"{c}_rate"].max()))
        cross = p[p["ratio"] < 1.0]
        hr_pfs = pair_hazard_ratio(ctx, "pfs")
        drug = technology_name(ctx)
        w.paragraph(
            f"Clinical plausibility. Early after the start of treatment, progressed patients on {lab[i]} die "
            f"{r3:.1f} times as fast as progressed patients on {lab[c]} (month 3), {r12:.1f} times at 12 months, and the "
            "ratio falls towards 1 "
            + (f"and below it from about month {int(cross['month'].iloc[0])}. " if len(cross) else "over time. ")
            + f"Part of this is selection, which is plausible: {drug} delays progression, so those who progress "
            "early on it are the patients whose disease is resistant to it, while on the comparator most patients "
            f"progress early, including those with indolent disease. A ratio of about {r3:.0f} at three months is, however, "
            "larger than selection alone would suggest and is a consequence of holding the OS hazard ratio (close to "
            + (f"1) while the PFS hazard ratio is {hr_pfs:.2f}: " if hr_pfs is not None else
               "1) while the PFS hazard ratio is well below it: ")
            + "the extra time "
            "progression-free is paid for by shorter post-progression survival. The rates themselves range from "
            f"{100 * lo:.1f} to {100 * hi:.1f} deaths per 100 per month, which at a constant rate would mean a median "
            f"post-progression survival of {np.log(2) / hi:.0f} to {np.log(2) / lo:.0f} months. The scenarios with equal "
            f"post-progression mortality show what the ICER would be if progression on {drug} carried no worse "
            "prognosis.")
    tot, pub = r["tot"], r["tot_published"]
    counts = pub[pub["count"].notna()] if "count" in pub else pub.iloc[0:0]
    still = counts.iloc[0] if len(counts) else None
    pub = pub[pub["median_months"].notna()]
    eve = tot[(tot["arm"] == i) & (tot["drug"] == "everolimus")]
    if len(eve):
        e = eve.iloc[0]
        w.paragraph(
            f"Time on treatment. Table {ctx.next_table()} gives the proportion of each arm on each drug at 6, 12 and "
            "24 months, its share of those still progression-free, and the median and mean. Time on everolimus is "
            + prose(ctx, "clinical_evidence", "time_on_treatment",
                    "calibrated to published exposure (sources in the table of model inputs)")
            + (f" (Table {ctx.next_table() + 1})" if len(pub) else "") + f". The model has {_pct(e['on_6m'])}, {_pct(e['on_12m'])} and {_pct(e['on_24m'])} of "
            f"the {lab[i]} arm on everolimus at 6, 12 and 24 months ({_pct(e['share_of_pf_12m'])} of those "
            f"progression-free at 12 months); the mean time on everolimus is {e['mean_months']:.1f} months."
            + (f" At the final OS cut-off, {int(still['count'])} of {int(still['total'])} randomised patients "
               f"({_pct(still['count'] / still['total'])}) were still on treatment{ctx.cite_if('Piccart 2014')}; the "
               f"model has {_pct(e['on_48m'])} of the {lab[i]} arm on everolimus at 48 months." if still is not None
               else ""))
        rows = [[ctx.labels.get(x["arm"], x["arm"]), str(x["drug"]).capitalize(), *[_pct(x[f"on_{m}m"]) for m in (6, 12, 24)],
                 *[_pct(x[f"share_of_pf_{m}m"]) for m in (6, 12, 24)], f"{x['median_months']:.1f}",
                 f"{x['mean_months']:.1f}"] for _, x in tot.iterrows()]
        w.table("Modelled time on treatment", ("Arm", "Drug", "On at 6 m", "12 m", "24 m", "Share of PF 6 m", "12 m",
                "24 m", "Median (months)", "Mean (months)"), rows)
        rows = [[str(x["study"]), str(x["drug"]), f"{x['median_months']:.1f} ({x['ci_low']:.1f}–{x['ci_high']:.1f})",
                 str(x["measure"])] for _, x in pub.iterrows()]
        if rows:
            w.table("Published exposure of everolimus plus exemestane", ("Study", "Drug", "Median, months (95% CI)",
                    "Measure"), rows)
        if {"eve_days_dosed", "eve_share_10mg", "eve_share_5mg"} <= set(ctx.bundle.inputs.parameters):
            dose_intensity(ctx)


def dose_intensity(ctx: AppendixContext) -> None:
    """How the everolimus dose intensity is derived (only with the everolimus dosing parameters in the run)."""
    w = ctx.w
    w.paragraph(
        "Dose intensity. The share of days on everolimus on which it is taken is derived from the number and "
        "median length of the dose interruptions in the BOLERO-2 safety analysis"
        f"{ctx.cite_if('Rugo 2014')} over the published median time on everolimus (the derivation is given with "
        "the parameter in the table of model inputs): it counts interruptions only. "
        "Dose reductions enter separately through the share of days at 5 mg, so the implied intensity in milligrams "
        f"is {ctx.bundle.inputs.parameter_value('eve_days_dosed'):.3f} × (share at 10 mg + half the share at 5 mg) = "
        f"{ctx.bundle.inputs.parameter_value('eve_days_dosed') * (ctx.bundle.inputs.parameter_value('eve_share_10mg') + 0.5 * ctx.bundle.inputs.parameter_value('eve_share_5mg')):.3f}. "
        "BOLERO-2's relative dose intensity is not given in its published abstracts.")
