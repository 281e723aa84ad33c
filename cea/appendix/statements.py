"""Every statement of a modelling choice, generated from the run's settings and inputs (issue 21, item 1).

A sentence that says how the model works — its structure, the survival curves and the base-case marker, the time
on treatment, adverse-event timing, post-progression mortality, waning, subsequent therapy, discounting, horizon,
cycle, within-cycle correction, prices, severity, population, the PFS data cut — is true of one configuration
only.  Typed as prose it goes stale the day a setting or a scenario changes it.  Every section of the appendix
therefore takes these phrases from here, and here they are read from ``ctx.s`` (the settings after overrides) and
``ctx.bundle.inputs`` (the arms, curves, treatments, cost items and parameters of the run).

Each function returns a phrase or a sentence in submission language (labels and publications, never ids).
"""

from __future__ import annotations

import csv
import math
from typing import TYPE_CHECKING

from cea.appendix.document import in_sentence, number, percent, significant

if TYPE_CHECKING:  # pragma: no cover
    from cea.appendix.document import AppendixContext

FAMILY_NAMES = {"exponential": "exponential", "weibull": "Weibull", "gompertz": "Gompertz",
                "loglogistic": "log-logistic", "lognormal": "log-normal", "gengamma": "generalised gamma"}

CORRECTION = {
    "half_cycle": "half-cycle (trapezoidal) correction of occupancy-based outcomes and costs",
    "simpson": "Simpson's 1/3 rule on occupancy-based outcomes and costs",
    "none": "no within-cycle correction (occupancy at the start of each cycle)",
}


def upper_first(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower-case QALYs and OS)."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    from cea.appendix.document import lower_first as lower

    return lower(text)


def _pv(ctx: AppendixContext, pid: str | None) -> float | None:
    return None if not pid else ctx.bundle.inputs.parameter_value(pid)


def family(name: str) -> str:
    return FAMILY_NAMES.get(name, name)


# --------------------------------------------------------------------------- structure
def is_psm(ctx: AppendixContext) -> bool:
    return ctx.s.model_structure == "psm"


def model_noun(ctx: AppendixContext) -> str:
    """'cohort state-transition (Markov) model' or 'partitioned-survival model'."""
    return "partitioned-survival model" if is_psm(ctx) else "cohort state-transition (Markov) model"


def model_short(ctx: AppendixContext) -> str:
    """'Markov model' / 'partitioned-survival model' (figure captions and short references)."""
    return "partitioned-survival model" if is_psm(ctx) else "Markov model"


def traces_title(ctx: AppendixContext) -> str:
    return "State occupancy (partitioned survival)" if is_psm(ctx) else "Markov traces"


def structure_sentence(ctx: AppendixContext) -> str:
    """How the health-state occupancy is computed."""
    if is_psm(ctx):
        return ("State membership is read directly from the survival curves (partitioned survival, NICE DSU TSD19): "
                "the proportion progression-free is the PFS curve, the proportion alive is the OS curve, and the "
                "proportion in progressed disease is their difference; no transition probabilities are estimated.")
    return ("Transition probabilities come from parametric survival curves: p(t) = 1 − S(t)/S(t − Δ) per cycle. "
            "Exits from progression-free disease are split into progression and death by the share of PFS events that "
            f"are deaths ({number(_pv(ctx, ctx.bundle.inputs.structure.pf_death_share), 2)}), with general-population "
            "mortality as a floor on every death hazard.")


# --------------------------------------------------------------------------- post-progression mortality
def pd_mortality(ctx: AppendixContext) -> str:
    """How patients die after progression."""
    if is_psm(ctx):
        return ("post-progression survival is the difference between the OS and PFS curves of each arm (partitioned "
                "survival), so no post-progression death rate is needed")
    if ctx.s.pd_mortality == "os_tracking":
        return ("each cycle's post-progression death probability is set so that modelled overall survival follows the "
                "arm's OS curve")
    arms = ctx.bundle.inputs.structure.arms
    rates = {a.label: _pv(ctx, a.pd_death_rate) for a in arms}
    values = set(rates.values())
    if len(values) == 1:
        return (f"post-progression death follows a constant rate of {significant(next(iter(values)), 3)} per month, "
                f"equal in {'both' if len(ctx.labels) == 2 else 'all'} arms, instead of following the OS curves")
    return ("post-progression death follows a constant monthly rate in each arm ("
            + "; ".join(f"{k} {significant(v, 3)}" for k, v in rates.items()) + "), instead of following the OS curves")


def pd_mortality_short(ctx: AppendixContext) -> str:
    if is_psm(ctx):
        return "Post-progression survival is OS minus PFS (partitioned survival)"
    if ctx.s.pd_mortality == "os_tracking":
        return "Post-progression mortality follows the OS curve of each arm"
    return "Post-progression mortality is a constant monthly rate"


# --------------------------------------------------------------------------- survival curves
def os_model(ctx: AppendixContext) -> str:
    """'joint_ph', 'joint_aft' or 'independent': how the base-case OS curves of the arms are related."""
    arms = ctx.bundle.inputs.structure.arms
    if any(a.os_hazard_ratio for a in arms) and len({a.os_curve for a in arms}) == 1:
        return "joint_ph"
    if any(a.os_acceleration_factor for a in arms) and len({a.os_curve for a in arms}) == 1:
        return "joint_aft"
    return "independent"


def curve_sentence(ctx: AppendixContext, endpoint: str) -> str:
    """The base-case curves of ``endpoint`` ('pfs' or 'os') in words."""
    inputs = ctx.bundle.inputs
    arms = inputs.structure.arms
    curves = {a.id: inputs.curves[getattr(a, f"{endpoint}_curve")] for a in arms}
    name = "overall survival" if endpoint == "os" else "progression-free survival"
    hr = next((a for a in arms if getattr(a, f"{endpoint}_hazard_ratio")), None)
    af = next((a for a in arms if getattr(a, f"{endpoint}_acceleration_factor")), None)
    families = {family(c.family) for c in curves.values()}
    with_hr = [a for a in arms if getattr(a, f"{endpoint}_hazard_ratio")]
    if len({c.id for c in curves.values()}) == 1 and len(with_hr) > 1:  # several strategies against one curve
        reference = [in_sentence(a.label) for a in arms if a not in with_hr]
        values = [significant(_pv(ctx, getattr(a, f"{endpoint}_hazard_ratio")), 3) for a in with_hr]
        return (f"{name.capitalize()} follows one {next(iter(families))} curve"
                + (f" ({' and '.join(reference)})" if reference else "") + " with proportional hazards: "
                + _listed([in_sentence(a.label) for a in with_hr]) + " have hazard ratios of " + _listed(values)
                + " against it, so the curves cannot cross")
    if len({c.id for c in curves.values()}) == 1 and hr is not None:
        value = _pv(ctx, getattr(hr, f"{endpoint}_hazard_ratio"))
        return (f"{name.capitalize()} follows one {next(iter(families))} curve with proportional hazards: "
                f"{in_sentence(hr.label)} has a hazard ratio of {significant(value, 3)} against it, so the curves cannot cross")
    if len({c.id for c in curves.values()}) == 1 and af is not None:
        value = _pv(ctx, getattr(af, f"{endpoint}_acceleration_factor"))
        return (f"{name.capitalize()} follows one {next(iter(families))} curve with an accelerated-failure-time "
                f"effect: {in_sentence(af.label)} has an acceleration factor of {significant(value, 3)}")
    if len({c.id for c in curves.values()}) == 1:
        every = "both" if len(ctx.labels) == 2 else "all"
        return (f"{name.capitalize()} follows the same {next(iter(families))} curve in {every} arms "
                "(no treatment effect)")
    return (f"{name.capitalize()} follows an independent " + " / ".join(sorted(families))
            + " fit to each arm, with no treatment-effect parameter linking them")


def _listed(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def effect_phrase(ctx: AppendixContext, endpoint: str) -> str | None:
    """'a hazard ratio of 0.901 for Everolimus + exemestane' (or an acceleration factor), None without one."""
    for arm in ctx.bundle.inputs.structure.arms:
        for field, name in (("hazard_ratio", "a hazard ratio"), ("acceleration_factor", "an acceleration factor")):
            pid = getattr(arm, f"{endpoint}_{field}")
            if pid:
                return f"{name} of {significant(_pv(ctx, pid), 3)} for {in_sentence(arm.label)}"
    return None


def os_base_label(ctx: AppendixContext) -> str:
    """'joint proportional-hazards Weibull' / 'independent log-logistic fits' etc. (for table notes)."""
    inputs = ctx.bundle.inputs
    fams = sorted({family(inputs.curves[a.os_curve].family) for a in inputs.structure.arms})
    kind = os_model(ctx)
    if kind == "joint_ph":
        return f"one joint proportional-hazards {fams[0]} fit to both arms"
    if kind == "joint_aft":
        return f"one joint accelerated-failure-time {fams[0]} fit to both arms"
    return "independent " + " / ".join(fams) + " fits to each arm"


# --------------------------------------------------------------------------- PFS data cut
def pfs_data_cut(ctx: AppendixContext) -> str | None:
    """The PFS data cut the run's PFS hazard ratio and control-arm median reproduce, in words ('final analysis,
    local assessment'), from the data cuts of the inputs; None when the inputs list none or none matches."""
    path = ctx.bundle.inputs.folder / "pfs_data_cuts.csv"
    if not path.is_file():
        return None
    arms = ctx.bundle.inputs.structure.arms
    hr_arm = next((a for a in arms if a.pfs_hazard_ratio), None)
    if hr_arm is None:
        return None
    hr = _pv(ctx, hr_arm.pfs_hazard_ratio)
    control = next(a for a in arms if not a.pfs_hazard_ratio)
    median = _median(ctx.bundle.inputs.curves[control.pfs_curve])
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                same_hr = abs(float(row["hazard_ratio"]) - hr) < 5e-3
                same_median = median is not None and abs(float(row["median_control"]) - median) < 0.05
            except (KeyError, ValueError):
                continue
            if same_hr and same_median:
                timing, _, assessor = row["cut"].partition("_")
                return (f"the {timing} analysis, {'investigator (local)' if assessor == 'local' else 'central'} "
                        f"assessment: medians {row['median_treatment']} and {row['median_control']} months, "
                        f"hazard ratio {row['hazard_ratio']}")
    return None


def _median(curve) -> float | None:
    """Median (months) of a Weibull or exponential-like curve on the (log_scale, log_shape) scale."""
    if curve.family != "weibull":
        return None
    coefficients = dict(zip(curve.coefficients, curve.estimates))
    scale, shape = math.exp(coefficients["log_scale"]), math.exp(coefficients["log_shape"])
    return scale * math.log(2.0) ** (1.0 / shape)


# --------------------------------------------------------------------------- time on treatment
def treatment_stops(ctx: AppendixContext) -> bool:
    """Whether any drug stops before progression (a non-zero discontinuation rate)."""
    return any((_pv(ctx, t.discontinuation_rate) or 0.0) > 0
               for t in getattr(ctx.bundle.inputs.structure, "treatments", ()))


def time_on_treatment(ctx: AppendixContext) -> str:
    if treatment_stops(ctx):
        return ("each drug is paid for while the patient takes it: time on treatment ToT(t) = PF(t)·exp(−λt), where λ "
                "is the hazard of stopping that drug for reasons other than progression or death, calibrated to "
                "published median treatment durations; each drug of an arm stops on its own")
    return ("every drug is taken until progression or death: time on treatment equals the time progression-free, "
            "with no discontinuation for other reasons")


def time_on_treatment_short(ctx: AppendixContext) -> str:
    if treatment_stops(ctx):
        return "Each drug is taken until progression or until stopped at a constant rate λ (ToT = PF·exp(−λt))"
    return "Every drug is taken until progression or death (time on treatment = PF)"


# --------------------------------------------------------------------------- adverse events
def adverse_event_timing(ctx: AppendixContext) -> str:
    """When grade 3/4 adverse events cost and lose QALYs."""
    if ctx.s.adverse_event_timing == "at_start":
        return ("applied once, at the start of the model and undiscounted, to the proportion of each arm that "
                "experiences them")
    return ("spread over the time on treatment: each arm's trial incidence is divided between the cycles in "
            "proportion to the share of patients on treatment, so the costs and QALY losses accrue, and are "
            "discounted, while patients are treated")


def adverse_event_when(ctx: AppendixContext) -> str:
    return "applied once, at the start of the model" if ctx.s.adverse_event_timing == "at_start" else \
        "spread over the time on treatment"


def adverse_event_timing_short(ctx: AppendixContext) -> str:
    if ctx.s.adverse_event_timing == "at_start":
        return "adverse events cost and lose QALYs once, at the start of the model"
    return "adverse events cost and lose QALYs over the time on treatment"


# --------------------------------------------------------------------------- waning
def waning(ctx: AppendixContext) -> str:
    s = ctx.s
    if math.isinf(s.waning_start_months):
        return "no waning of the treatment effect: the hazard ratios apply over the whole time horizon"
    if s.waning_end_months <= s.waning_start_months:
        return f"the treatment effect stops at {s.waning_start_months:g} months, after which the arms' hazards are equal"
    return (f"the treatment effect wanes linearly from {s.waning_start_months:g} to {s.waning_end_months:g} months, "
            "after which the arms' hazards are equal")


def waning_short(ctx: AppendixContext) -> str:
    s = ctx.s
    if math.isinf(s.waning_start_months):
        return "None"
    if s.waning_end_months <= s.waning_start_months:
        return f"Stops at {s.waning_start_months:g} months"
    return f"Linear from {s.waning_start_months:g} to {s.waning_end_months:g} months"


# --------------------------------------------------------------------------- costs
SUBSEQUENT_BASIS = {
    "per_progression": "a one-off cost at progression (the share of patients receiving each post-progression "
                       "therapy times the cost of a course)",
    "per_month_in_pd": "a monthly cost while in progressed disease",
    "per_death": "a one-off cost at death",
    "at_start": "a one-off cost at the start",
}


def subsequent_therapy(ctx: AppendixContext) -> str | None:
    """How subsequent-therapy costs accrue, from the cost items of that category; None when there are none."""
    bases = [i.basis for i in ctx.bundle.inputs.structure.cost_items if i.category == "subsequent_therapy"]
    if not bases:
        return None
    return " and ".join(SUBSEQUENT_BASIS.get(b, b.replace("_", " ")) for b in dict.fromkeys(bases))


def subsequent_shares_assumed(ctx: AppendixContext) -> bool:
    """Whether every share of patients behind the subsequent-therapy costs is an assumption (no trial data)."""
    params = ctx.bundle.inputs.parameters
    shares = [params[p] for i in ctx.bundle.inputs.structure.cost_items if i.category == "subsequent_therapy"
              for p in i.multiply if p in params and params[p].unit == "proportion"]
    return bool(shares) and all(p.status == "assumption" for p in shares)


def discounting(ctx: AppendixContext) -> str:
    s = ctx.s
    reference = s.discount_rate_costs == 0.035 and s.discount_rate_outcomes == 0.035
    if s.discount_rate_costs == s.discount_rate_outcomes:
        text = (f"costs and QALYs discounted at {percent(s.discount_rate_costs)} per year" if s.discount_rate_costs
                else "costs and QALYs undiscounted")
    else:
        text = (f"costs discounted at {percent(s.discount_rate_costs)} and QALYs at "
                f"{percent(s.discount_rate_outcomes)} per year")
    if ctx.nice:
        text += " (the NICE reference case)" if reference else " (the NICE reference case is 3.5% for both)"
    return text


def discount_change(costs: float, outcomes: float) -> str:
    """A discounting scenario named by what it sets."""
    if costs == outcomes:
        return "No discounting of costs or outcomes" if costs == 0 else \
            f"Costs and outcomes discounted at {percent(costs)}"
    return f"Costs discounted at {percent(costs)}, outcomes at {percent(outcomes)}"


def horizon(ctx: AppendixContext) -> str:
    return f"{ctx.s.horizon_years:g} years"


LIFETIME_ALIVE = 0.001  # a lifetime horizon leaves fewer than 0.1% of the cohort alive (NICE PMG36)


def alive_at_end(ctx: AppendixContext) -> dict[str, float]:
    """Arm id → the proportion of the cohort alive at the end of the time horizon (base case of the run)."""
    outcomes = ctx.bundle.base_case.outcomes
    return {arm: 1.0 - float(outcomes.trace.dead[0, j, -1]) for j, arm in enumerate(outcomes.arms)}


def is_lifetime(ctx: AppendixContext) -> bool:
    return max(alive_at_end(ctx).values()) < LIFETIME_ALIVE


def horizon_sentence(ctx: AppendixContext) -> str:
    return (f"a time horizon of {horizon(ctx)}, " + ("a lifetime: fewer than 0.1% of each arm is alive at its end"
                                                     if is_lifetime(ctx) else
                                                     "shorter than a lifetime: "
                                                     + ", ".join(f"{percent(v, 1)} of {in_sentence(ctx.labels.get(a, a))}"
                                                                 for a, v in alive_at_end(ctx).items())
                                                     + " are alive at its end"))


def cycle(ctx: AppendixContext) -> str:
    s = ctx.s
    return f"{s.cycle_length_days:g}-day cycles ({number(s.cycle_months, 2)} months)"


def correction(ctx: AppendixContext) -> str:
    return CORRECTION.get(ctx.s.within_cycle_correction, ctx.s.within_cycle_correction)


def prices(ctx: AppendixContext) -> str:
    if ctx.s.pas_discount > 0:
        return (f"net prices after a confidential discount of {percent(ctx.s.pas_discount, 1)} on the list price of "
                "the technology")
    return "list prices (no confidential discount)"


def reference_case_features(ctx: AppendixContext) -> tuple[list[str], list[str]]:
    """(features that follow the NICE reference case, features that depart from it) among perspective,
    discounting, time horizon and outcome measure."""
    s = ctx.s
    checks = [("perspective", "NHS" in s.perspective),
              ("discounting", s.discount_rate_costs == 0.035 and s.discount_rate_outcomes == 0.035),
              ("time horizon", is_lifetime(ctx)), ("outcome measure (QALYs)", True)]
    return [k for k, ok in checks if ok], [k for k, ok in checks if not ok]


# --------------------------------------------------------------------------- population
def population(ctx: AppendixContext) -> str:
    """The licensed and modelled population, from the share of women (the licence of a breast cancer technology
    restricted to postmenopausal women gives 100%)."""
    share = ctx.s.proportion_female
    if share >= 1.0:
        return "women"
    if share <= 0.0:
        return "men"
    return f"adults ({percent(share, 0)} women)"


def licensed_population(ctx: AppendixContext) -> str:
    """Who the licence covers: the trial's sex and menopausal status eligibility criterion (baseline
    characteristics), else the modelled population."""
    try:
        from cea.inputs.submission import load_baseline_characteristics

        rows = load_baseline_characteristics(ctx.bundle.inputs.folder) or []
    except (OSError, ValueError):
        rows = []
    for row in rows:
        if row.get("characteristic", "").lower().startswith("sex"):
            text = row.get("trial_value", "").split(" (")[0].strip()
            if text:
                return lower_first(text)
    return population(ctx)
