"""Appendix section B.3.3: clinical parameters and survival extrapolation (TSD14): the AIC/BIC
table of the six standard families per arm, KM with fitted curves, hazard and
log-cumulative-hazard diagnostics, the chosen curves and why, and every clinical
parameter with its source."""

from __future__ import annotations

import csv
import math

import numpy as np

from cea.appendix.prose import evidence_status_sentence, prose
from cea.appendix import statements
from cea.appendix.language import coefficient_name, curve_label, scenario_title, submission_text
from cea.appendix.document import AppendixContext, in_sentence, number, significant
from cea.appendix.citations import clean  # noqa: F401
from cea.appendix.parameters import _pv, parameter_groups, parameter_table
from cea.appendix.validation import long_term_survival_sentence
from cea.analyses.survival_fits import FAMILY_LABELS
from cea.inputs.survival_data import has_survival_data

ENDPOINT_NAMES = {"pfs": "progression-free survival", "os": "overall survival"}
ORDINAL = {1: "1st", 2: "2nd", 3: "3rd"}


def _ordinal(k: int) -> str:
    return ORDINAL.get(k, f"{k}th")


def curve_notes(ctx: AppendixContext) -> dict[str, str]:
    """First non-empty note of each curve in survival_models.csv (the reason for the choice)."""
    notes: dict[str, str] = {}
    try:
        with open(ctx.bundle.inputs.folder / "survival_models.csv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("notes") and row.get("curve") not in notes:
                    notes[row["curve"]] = row["notes"]
    except OSError:
        pass
    return notes


def curve_roles(ctx: AppendixContext) -> dict[str, str]:
    """Curve id → how it is used: the base-case arms, or the scenarios that switch to it."""
    inputs = ctx.bundle.inputs
    roles: dict[str, list[str]] = {c: [] for c in inputs.curves}
    for arm in inputs.structure.arms:
        roles[arm.pfs_curve].append(f"base case, {in_sentence(arm.label)} PFS")
        roles[arm.os_curve].append(f"base case, {in_sentence(arm.label)} OS")
    rationale = {}
    for row in inputs.scenarios:
        rationale.setdefault(row.scenario, row.rationale)
    for row in inputs.scenarios:
        target = row.target
        if target.startswith("arm.") and row.value in roles:
            roles[row.value].append(f"scenario: {scenario_title(ctx, row.scenario, rationale[row.scenario])}")
    return {c: "; ".join(dict.fromkeys(r)) if r else "not used" for c, r in roles.items()}


def _base_families(ctx: AppendixContext, endpoint: str) -> dict[str, str]:
    inputs = ctx.bundle.inputs
    out = {}
    for arm in inputs.structure.arms:
        curve = arm.pfs_curve if endpoint == "pfs" else arm.os_curve
        out[arm.id] = inputs.curves[curve].family
    return out


def _fit_table(ctx: AppendixContext, endpoint: str, endpoint_fits) -> None:
    """One row per arm and family (independent fits): AIC, BIC, ΔAIC, median, mean, 5-year survival, plausibility."""
    table = endpoint_fits.fit_table.table
    independent = table[table["model"] == "independent"]
    arms = [a for a in ctx.bundle.base_case.outcomes.arms if a in set(independent["arm"])]
    # the base-case marker goes on an independent fit only when the base case uses independent fits of that family
    independent_base = endpoint != "os" or statements.os_model(ctx) == "independent"
    chosen = _base_families(ctx, endpoint) if independent_base else {}
    fits = ctx.bundle.fits
    rows, bold = [], []
    for arm in arms:
        part = independent[independent["arm"] == arm]
        best = float(part["aic"].min())
        for family in FAMILY_LABELS:
            r = part[part["family"] == family]
            if r.empty:
                continue
            r = r.iloc[0]
            plausible = "—"
            if fits is not None and hasattr(fits, "plausibility"):
                above, _ = fits.plausibility(family, np.asarray(r["coefficients"], dtype=float))
                plausible = "Yes" if math.isnan(above) else f"No (from {number(above, 1)} mo)"
            label = FAMILY_LABELS[family] + (" *" if chosen.get(arm) == family else "")
            if chosen.get(arm) == family:
                bold.append(len(rows))
            rows.append([label, ctx.labels[arm], number(r["aic"], 1), number(r["bic"], 1), number(r["aic"] - best, 1),
                         number(r["median"], 1), number(r.get("mean_horizon", float("nan")), 1),
                         number(r.get("s_60", float("nan")), 3), plausible])
    ctx.w.table(f"Goodness of fit of the six standard distributions, {ENDPOINT_NAMES.get(endpoint, endpoint)} "
                "(independent fits per arm)", ("Distribution", "Arm", "AIC", "BIC", "ΔAIC", "Median", "Mean",
                                               "S(5 years)", "Plausible"), rows,
                (2.3, 3.0, 1.6, 1.6, 1.1, 1.5, 1.3, 1.5, 2.1), align="llrrrrrrl", font_size=7.5, bold_rows=bold,
                notes=["AIC = 2k − 2ℓ, BIC = k·ln(n) − 2ℓ with n the number of patients (lower is better); ΔAIC from "
                       "the best fit in the arm. Median and mean (restricted to the model horizon) in months. "
                       + ("* base-case distribution. " if chosen else
                          f"No row is the base case, which uses {statements.os_base_label(ctx)}. ")
                       + "Plausible: the fitted curve never lies above general-population survival before the "
                       "horizon."])


def _choice_text(ctx: AppendixContext, endpoint: str, endpoint_fits) -> str:
    table = endpoint_fits.fit_table.table
    independent = table[table["model"] == "independent"]
    chosen = _base_families(ctx, endpoint)
    parts = []
    for arm, family in chosen.items():
        part = independent[independent["arm"] == arm].sort_values("aic").reset_index(drop=True)
        if part.empty or family not in set(part["family"]):
            continue
        rank = int(np.flatnonzero(part["family"].to_numpy() == family)[0]) + 1
        best = FAMILY_LABELS.get(part.iloc[0]["family"], part.iloc[0]["family"])
        delta = float(part.iloc[rank - 1]["aic"] - part.iloc[0]["aic"])
        parts.append(f"for {in_sentence(ctx.labels[arm])} the {FAMILY_LABELS.get(family, family)} ranks {_ordinal(rank)} of "
                     f"{len(part)} by AIC" + (f" (ΔAIC {number(delta, 1)} from the best, {best})" if rank > 1 else ""))
    text = "; ".join(parts)
    cox = getattr(endpoint_fits, "cox", None)
    p = getattr(endpoint_fits, "ph_p_value", None)
    extra = ""
    if cox is not None:
        extra = (f" The Cox hazard ratio is {number(cox.hazard_ratio, 2)} (95% CI {number(cox.lower, 2)}–"
                 f"{number(cox.upper, 2)})" + (f" and the Grambsch–Therneau test of proportional hazards gives "
                                                f"p = {number(p, 2)}" if p is not None else "") + ".")
    joint = ""
    arms = ctx.bundle.inputs.structure.arms
    hr_ids = {getattr(a, f"{endpoint}_hazard_ratio") for a in arms} - {None}
    same_curve = len({getattr(a, f"{endpoint}_curve") for a in arms}) == 1
    landmarks = "the landmark table (section B.3.3) gives every extrapolation's survival at 1, 2, 3, 5 and 10 years"
    kind = statements.os_model(ctx)
    if endpoint == "os" and same_curve and hr_ids:
        ph = table[(table["model"] == "ph") & (table["family"] == next(iter(chosen.values())))]
        aic = f" (total AIC {number(float(ph['aic'].iloc[0]), 1)})" if not ph.empty else ""
        joint = (f" The base case uses {statements.os_base_label(ctx)}{aic}, with "
                 f"{statements.effect_phrase(ctx, 'os')}, so the curves cannot cross; "
                 f"{landmarks}, and the independent fits are scenarios.")
    elif endpoint == "os" and kind == "joint_aft":
        joint = (f" The base case uses {statements.os_base_label(ctx)}, with "
                 f"{statements.effect_phrase(ctx, 'os')}; {landmarks}.")
    elif endpoint == "os":
        joint = (f" The base case uses {statements.os_base_label(ctx)}, so the curves may cross; {landmarks}.")
    return (f"For {ENDPOINT_NAMES.get(endpoint, endpoint)}, the same family is used in both arms (TSD14): "
            f"{text}.{extra}{joint}")


def clinical_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    inputs = b.inputs
    ctx.section("clinical", "Clinical parameters and survival extrapolation")
    survival_data = has_survival_data(inputs.folder)
    w.paragraph(
        f"Survival extrapolation follows NICE DSU TSD14 {ctx.cite('TSD14')}: the six standard parametric families "
        "(exponential, Weibull, Gompertz, log-logistic, log-normal, generalised gamma) are fitted to each arm by "
        "maximum likelihood, compared by AIC and BIC, by visual fit to the Kaplan–Meier estimate, by the shape of the "
        "hazard and by the plausibility of the extrapolation against general-population survival."
        + (" Where only "
           f"published Kaplan–Meier curves were available, patient-level data were reconstructed with the algorithm of "
           f"Guyot et al. {ctx.cite('Guyot 2012')}." if survival_data else
           " No patient-level or reconstructed survival data are available to this analysis, so no distribution "
           "was fitted: every curve is calibrated to published medians and hazard ratios."))
    status = evidence_status_sentence(ctx)
    if status:
        w.paragraph(status, bold_lead="Evidence status. ")
    for key, lead in (("trials", "Clinical evidence. "), ("relative_effects", "Relative effects. ")):
        text = prose(ctx, "clinical_evidence", key)
        if text:
            w.paragraph(text, bold_lead=lead)
    fits = b.fits
    endpoints = list(getattr(fits, "endpoints", {}) or {}) if fits is not None else []
    if fits is None and survival_data:
        w.paragraph("The survival fits were not part of this run, so no goodness-of-fit tables or diagnostic plots "
                    "are shown. The curves used by the model are listed in the table of chosen curves below.",
                    italic=True)
    for endpoint in ("pfs", "os"):
        name = ENDPOINT_NAMES[endpoint]
        w.heading(name.capitalize(), level=2)
        if endpoint in endpoints:
            _fit_table(ctx, endpoint, fits.endpoints[endpoint])
            w.paragraph(_choice_text(ctx, endpoint, fits.endpoints[endpoint]))
        else:
            curves = {inputs.curves[c].id: inputs.curves[c] for c in
                      {(a.pfs_curve if endpoint == "pfs" else a.os_curve) for a in inputs.structure.arms}}
            cut = statements.pfs_data_cut(ctx) if endpoint == "pfs" else None
            w.paragraph(f"No patient-level {name} data were available to the model, so no distributions were fitted "
                        f"for this endpoint. {statements.curve_sentence(ctx, endpoint)}"
                        + (f". The curves are calibrated to {cut}" if cut else "") + " (source: "
                        + "; ".join(dict.fromkeys(ctx.source(c.source) for c in curves.values())) + ").")
        caption = (f"{name.capitalize()}: Kaplan–Meier estimate, fitted distributions and the "
                   f"{statements.model_short(ctx)}, extrapolated to the time horizon" if endpoint in endpoints else
                   f"{name.capitalize()}: the {statements.model_short(ctx)} against the published medians")
        ctx.figure(f"survival_{endpoint}", caption,
                   intro=f"Figure {{n}} shows the modelled {name} of each arm"
                   + (" with the Kaplan–Meier estimate and the fitted distributions." if endpoint in endpoints else
                      " with the published medians the curve was calibrated to; no Kaplan–Meier data were available "
                      "to the model for this endpoint."))
        if f"hazard_{endpoint}" in ctx.figures:
            ctx.figure(f"hazard_{endpoint}", f"{name.capitalize()}: empirical and fitted hazards",
                       intro="The empirical hazard and the hazards of the fitted distributions are compared in "
                             "Figure {n}.")
        if f"lch_{endpoint}" in ctx.figures:
            ctx.figure(f"lch_{endpoint}", f"{name.capitalize()}: log-cumulative hazard plot (proportional-hazards "
                       "diagnostic)", width_cm=12.0,
                       intro="Figure {n} plots the log-cumulative hazards against log time: parallel lines support "
                             "proportional hazards.")
    landmark_section(ctx)
    time_on_treatment(ctx)
    w.heading("Chosen curves and clinical parameters", level=2)
    notes, roles = curve_notes(ctx), curve_roles(ctx)
    rows = []
    for curve in inputs.curves.values():
        coefficients = "\n".join(f"{coefficient_name(n)} = {significant(v, 5)}"
                                 for n, v in zip(curve.coefficients, curve.estimates))
        rationale = submission_text(ctx, notes.get(curve.id, ""))
        rows.append([curve_label(ctx, curve.id),
                     coefficients, roles[curve.id], (rationale + " Source: " + ctx.source(curve.source)).strip(),
                     "MVN" if curve.covariance is not None else "Fixed"])
    w.paragraph(f"Table {ctx.next_table()} lists every survival curve available to the model, its coefficients, "
                "where it is used and its source.")
    w.table("Survival curves available to the model: coefficients, use and source", ("Curve", "Coefficients", "Use",
            "Rationale and source", "PSA"), rows, (3.3, 2.6, 2.6, 6.4, 1.1), align="lllll", font_size=7,
            notes=["Coefficients on the estimation scale (times in months): Weibull log-scale and log-shape, "
                   "log-logistic log-scale and log-shape, log-normal mean and log-SD of log time, Gompertz log-rate and "
                   "shape, generalised gamma (mu, log-sigma, Q). MVN: sampled jointly from a multivariate normal with "
                   "the covariance of the fit: the inverse Hessian for curves fitted to patient-level data; for the PFS curve, "
                   "calibrated to published medians and a hazard ratio (not fitted to a Kaplan-Meier curve), the "
                   "delta-method covariance implied by the published confidence intervals (see the source). Survival coefficients are varied in the PSA and in scenarios, not one at a time."])
    groups = parameter_groups(ctx)
    parameter_table(ctx, "Clinical parameters: treatment effect, PF death share and post-progression mortality",
                    groups["clinical"])
    if len(groups["other"]):
        parameter_table(ctx, "Other model parameters", groups["other"])
    share = number(inputs.parameter_value(inputs.structure.pf_death_share), 2)
    w.paragraph(f"The share of PFS events that are deaths before progression ({share}) splits PF exits into "
                "progression and death; its source and range are in the table above.")


LANDMARK_LABELS = {1: "1 year", 2: "2 years", 3: "3 years", 5: "5 years", 10: "10 years"}


def landmark_section(ctx: AppendixContext) -> None:
    """Landmark survival of the model and of every extrapolation in the inputs (TSD14 section 3.5)."""
    table = ctx.bundle.landmarks
    if table is None or len(table) == 0:
        return
    w = ctx.w
    w.heading("Landmark survival", level=2)
    years = [int(c[2:-1]) for c in table.columns if c.startswith("s_")]
    model = table[table["kind"] == "model"]
    os_curves = table[(table["kind"] == "curve") & (table["endpoint"] == "os")]
    w.paragraph(
        f"Table {ctx.next_table()} gives the proportion of each arm alive and alive without progression at "
        + ", ".join(LANDMARK_LABELS.get(y, f"{y} years") for y in years) + " in the base case, and the overall survival "
        "of every extrapolation available to the model, the figures a committee compares with clinical expectation. "
        + long_term_survival_sentence(ctx))
    rows, bold = [], []
    for _, r in model.iterrows():
        bold.append(len(rows))
        rows.append([f"Model: {r['name']}", r["endpoint"].upper()] + [number(r[f"s_{y}y"], 3) for y in years])
    for _, r in os_curves.iterrows():
        rows.append([curve_label(ctx, r["name"]) if r["name"] in ctx.bundle.inputs.curves else
                     FAMILY_LABELS.get(r["family"], r["family"]), "OS"]
                    + [number(r[f"s_{y}y"], 3) for y in years])
    w.table("Landmark survival: the base-case model and every OS extrapolation", ["Curve", "End point"]
            + [LANDMARK_LABELS.get(y, f"{y} y") for y in years], rows, [5.4, 1.6] + [9.0 / len(years)] * len(years),
            font_size=7.5, bold_rows=bold,
            notes=[f"Model rows (bold) are read from the {statements.model_short(ctx)}'s state occupancy, so they include the hazard ratios, background "
                   "mortality and the time horizon (— beyond it); curve rows are the fitted or calibrated distributions "
                   "alone."])


def time_on_treatment(ctx: AppendixContext) -> None:
    """How long each drug is taken and paid for: each drug's time on treatment, ToT(t) = PF(t)·exp(−λt), with the
    modelled mean months on treatment beside the mean time progression-free."""
    b, w = ctx.bundle, ctx.w
    st = b.inputs.structure
    w.heading("Time on treatment", level=2)
    treatments = getattr(st, "treatments", ())
    if not treatments:
        w.paragraph("Every drug is given until progression: drug acquisition costs accrue for all time in the "
                    "progression-free state.")
        return
    rows = []
    for t in treatments:
        means = b.base_case.arm_summary(t.arm)["mean_months"]
        rate = _pv(ctx, t.discontinuation_rate) if t.discontinuation_rate else None
        source = ctx.source(b.inputs.parameters[t.discontinuation_rate].source) if t.discontinuation_rate else \
            "Assumption"
        rows.append([t.label, ctx.labels.get(t.arm, t.arm),
                     "To progression" if not rate else f"{significant(rate, 3)} per month",
                     number(means["on_treatment"].get(t.drug), 1), number(means["pf"], 1), source])
    w.paragraph(
        f"{statements.time_on_treatment(ctx)[0].upper() + statements.time_on_treatment(ctx)[1:]}; grade 3/4 "
        f"adverse events are {statements.adverse_event_timing(ctx)}. Table {ctx.next_table()} gives λ and the "
        "modelled mean months on each drug beside "
        "the mean months progression-free (undiscounted, over the horizon).")
    w.table("Time on treatment by drug", ("Drug", "Arm", "Stopping rate λ", "Mean months on treatment",
            "Mean months progression-free", "Source"), rows, (3.3, 2.8, 2.2, 2.0, 2.0, 3.7), align="llrrrl",
            font_size=7.5)

