"""Submission language (issue 21, item 2): the body of the appendix holds labels and publications, never the
model's identifiers (parameter, curve, scenario and setting ids), file names, commands or wording about how the
work was done.

* ``curve_label``, ``scenario_title``, ``describe_change`` turn ids into words;
* ``submission_text`` filters a text that comes from the inputs (a source or notes column): every clause that names
  an id, a file, a command or the modeller's process is dropped, ids that have a label become the label;
* ``forbidden`` lists what may not appear in the body (the body-scan test and :func:`submission_text` use it).

The reproducibility annex (run manifest, settings, file hashes) is the one place where ids and files appear.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from cea.appendix.document import percent, significant
from cea.analyses.survival_fits import FAMILY_LABELS as FAMILY_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from cea.appendix.document import AppendixContext


# wording about how the inputs were gathered, not about the evidence
PROCESS = re.compile(
    r"not read\b|in this session|could not be read|seen only in|was not readable|no \w+ price was readable|"
    r"\bwere not readable|in the text read|not found in any source|citation not found|our choice|as recalled|"
    r"\bthis session\b|not digitised|no longer a\b|not found in a verifiable source|\bREADME\b|not retrieved\b",
    re.IGNORECASE)
COMMAND = re.compile(r"`[^`]*`|\bcea (run|threshold|structures|validate|dsa|scenarios|fit|params|appendix|all)\b|"
                     r"--set\b|--json\b")
FILE = re.compile(r"\b[\w/.-]+\.(csv|json|py|toml|xlsx|docx|md|R)\b|\bgithub\b|\brecalled\b|\brecollection\b|"
                  r"\bcea\.[a-z_]+")


def _identifier_words(ctx: AppendixContext) -> set[str]:
    """Every id of the run that a reader should never see: parameters, curves, scenarios, settings, arm ids,
    drug and cost-item ids, survival coefficient names (only those with an underscore: plain words such as
    'exe' stay readable as part of prose only when they are words)."""
    inputs = ctx.bundle.inputs
    ids = set(inputs.parameters) | set(inputs.curves)
    ids |= {row.scenario for row in inputs.scenarios}
    ids |= set(ctx.s.to_dict())
    ids |= {a.id for a in inputs.structure.arms}
    ids |= {i.id for i in inputs.structure.cost_items}
    for curve in inputs.curves.values():
        ids |= set(curve.coefficients)
    ids |= {"os_tracking", "on_treatment", "half_cycle", "eve_exe"}
    return {i for i in ids if "_" in i or i in {a.id for a in inputs.structure.arms}}


def forbidden(ctx: AppendixContext) -> re.Pattern:
    """One pattern matching any id (case-sensitive: 'PBO+EXE' is prose, 'exe' an id), file name, command or process
    wording (any case)."""
    words = sorted(_identifier_words(ctx), key=len, reverse=True)
    ids = r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])"
    return re.compile("|".join((ids, f"(?i:{COMMAND.pattern})", f"(?i:{FILE.pattern})", f"(?i:{PROCESS.pattern})")))


COEFFICIENT_NAMES = {"log_scale": "ln(scale)", "log_shape": "ln(shape)", "mu": "μ", "log_sigma": "ln(σ)",
                     "log_rate": "ln(rate)", "shape": "shape", "q": "Q", "rate": "rate", "scale": "scale"}


def coefficient_name(name: str) -> str:
    return COEFFICIENT_NAMES.get(name, name.replace("_", " "))


def short_label(description: str) -> str:
    """A parameter's description without its parenthesised detail: 'Monthly post-progression death rate'."""
    return re.split(r"\s+\(", str(description))[0].strip()


def labelled(ctx: AppendixContext, text: str) -> str:
    """``text`` with the ids that have a label replaced by it: arms by their labels, parameters by their short
    description, curves by their label."""
    inputs = ctx.bundle.inputs
    names = {a.id: a.label for a in inputs.structure.arms}
    names.update({pid: lower_first_word(short_label(p.description)) for pid, p in inputs.parameters.items()})
    names.update({cid: curve_label(ctx, cid) for cid in inputs.curves})
    names.update({c: COEFFICIENT_NAMES[c] for curve in inputs.curves.values() for c in curve.coefficients
                  if "_" in c and c in COEFFICIENT_NAMES})
    for key in sorted(names, key=len, reverse=True):
        if key in text:
            text = re.sub(rf"(?<![\w.]){re.escape(key)}(?![\w-])(?!\.\w)", lambda m, v=names[key]: v, text)
    return text


def lower_first_word(text: str) -> str:
    from cea.appendix.document import lower_first

    return lower_first(text)


def _matcher(ctx: AppendixContext) -> re.Pattern:
    cached = getattr(ctx, "_forbidden", None)
    if cached is None:
        cached = forbidden(ctx)
        ctx._forbidden = cached
    return cached


def submission_text(ctx: AppendixContext, text: str) -> str:
    """``text`` (from an input's source or notes column) without the clauses that name an id, a file, a command or
    the modeller's process: parenthesised clauses first, then sentences and semicolon-separated parts."""
    text = " ".join(str(text or "").split())
    bad = _matcher(ctx)
    if not bad.search(text):
        return text
    text = labelled(ctx, text)
    if not bad.search(text):
        return text
    text = re.sub(r"\s*\([^()]*\)", lambda m: "" if bad.search(m.group(0)) else m.group(0), text)
    text = re.sub(r"\s*\[[^\[\]]*\]", lambda m: "" if bad.search(m.group(0)) else m.group(0), text)
    for abbreviation in ("e.g.", "i.e.", "et al.", "vs."):
        text = text.replace(abbreviation + " ", abbreviation + "\u00a0")
    sentences = []
    for sentence in re.split(r"(?<=\.) +(?=[A-Z0-9])", text):
        parts = [p for p in re.split(r";\s+", sentence) if not bad.search(p)]
        if parts:
            kept = "; ".join(parts).strip()
            if sentence.rstrip().endswith(".") and not kept.endswith("."):
                kept = kept.rstrip(" ;,:") + "."
            sentences.append(kept)
    out = " ".join(sentences).strip(" ;,:").replace("\u00a0", " ")
    return out[:1].upper() + out[1:] if text[:1].isupper() else out


# --------------------------------------------------------------------------- ids in words
def curve_usage(ctx: AppendixContext, curve_id: str) -> tuple[set[str], str | None]:
    """(labels of the arms that use the curve in the base case or a scenario; 'proportional hazards' or
    'accelerated failure time' when both arms share it with a treatment effect, 'no treatment effect' when they share
    it without one, None when only one arm uses it).  Worked out once per curve and appendix (asked some 3,000
    times)."""
    cache = getattr(ctx, "_curve_usage", None)
    if cache is None:
        cache = ctx._curve_usage = {}
    if curve_id not in cache:
        cache[curve_id] = _curve_usage(ctx, curve_id)
    arms, kind = cache[curve_id]
    return set(arms), kind


def _curve_usage(ctx: AppendixContext, curve_id: str) -> tuple[set[str], str | None]:
    inputs = ctx.bundle.inputs
    endpoint = inputs.curves[curve_id].endpoint
    fields = (f"{endpoint}_curve", f"{endpoint}_hazard_ratio", f"{endpoint}_acceleration_factor")
    base = {a.id: {f: getattr(a, f) or "" for f in fields} for a in inputs.structure.arms}
    configs = {"": base}
    for row in inputs.scenarios:
        if row.target.startswith("arm.") and row.target.count(".") == 2 and row.target.split(".")[2] in fields:
            _, arm, field = row.target.split(".")
            config = configs.setdefault(row.scenario, {a: dict(v) for a, v in base.items()})
            config[arm][field] = "" if row.value.lower() == "none" else row.value
    arms: set[str] = set()
    kind = None
    for config in configs.values():
        users = [a for a, v in config.items() if v[fields[0]] == curve_id]
        arms |= set(users)
        if len(users) > 1:
            if any(config[a][fields[2]] for a in users):
                kind = "accelerated failure time"
            elif any(config[a][fields[1]] for a in users):
                kind = kind or "proportional hazards"
            else:
                kind = kind or "no treatment effect"
    return {ctx.labels.get(a, a) for a in arms}, kind


def curve_label(ctx: AppendixContext, curve_id: str) -> str:
    """'Weibull OS, both arms (proportional hazards)' or 'Log-logistic OS, Everolimus + exemestane'."""
    curve = ctx.bundle.inputs.curves[curve_id]
    name = f"{FAMILY_NAMES.get(curve.family, curve.family)} {curve.endpoint.upper()}"
    arms, kind = curve_usage(ctx, curve_id)
    if kind:
        return f"{name}, {'both' if len(ctx.labels) == 2 else 'all'} arms ({kind})"
    if len(arms) == 1:
        return f"{name}, {next(iter(arms))}"
    return name


def scenario_title(ctx: AppendixContext, name: str, rationale: str) -> str:
    """A short title for a scenario, from what it changes when that is simple (discounting) and otherwise from the
    first clause of its rationale."""
    changes = {t: v for t, v in ((r.target, r.value) for r in ctx.bundle.inputs.scenarios if r.scenario == name)}
    if changes and set(changes) <= {"discount_rate_costs", "discount_rate_outcomes"}:
        from cea.appendix.statements import discount_change

        return discount_change(float(changes.get("discount_rate_costs", ctx.s.discount_rate_costs)),
                               float(changes.get("discount_rate_outcomes", ctx.s.discount_rate_outcomes)))
    text = submission_text(ctx, rationale)
    text = re.split(r"(?<=[a-z0-9)])\.(?:\s|$)", text)[0]
    if len(text) > 110:  # a title, not the rationale: without its parenthesised detail
        while re.search(r"\s+\([^()]*\)", text):
            text = re.sub(r"\s+\([^()]*\)", "", text)
    for stop in (";", ":"):
        head = text.split(stop)[0]
        if len(text) > 150 and stop in text and len(head) > 40:
            text = head
    return text.strip() or "Scenario"


SETTING_WORDS = {
    "discount_rate_costs": ("Discount rate, costs", "rate"),
    "discount_rate_outcomes": ("Discount rate, outcomes", "rate"),
    "horizon_years": ("Time horizon", "years"),
    "cycle_length_days": ("Cycle length", "days"),
    "within_cycle_correction": ("Within-cycle correction", "text"),
    "model_structure": ("Model structure", "text"),
    "pd_mortality": ("Post-progression mortality", "text"),
    "adverse_event_timing": ("Adverse-event timing", "text"),
    "utility_age_adjustment": ("Utilities adjusted for age", "bool"),
    "waning_start_months": ("Treatment-effect waning starts", "months"),
    "waning_end_months": ("Treatment-effect waning ends", "months"),
    "pas_discount": ("Confidential discount", "rate"),
    "start_age": ("Starting age", "years"),
}
VALUE_WORDS = {"psm": "partitioned survival", "markov": "state transition (Markov)",
               "constant": "constant monthly rate", "os_tracking": "follows the OS curves",
               "at_start": "once at the start of the model", "on_treatment": "over the time on treatment",
               "half_cycle": "half-cycle", "simpson": "Simpson's 1/3 rule", "none": "none",
               "true": "yes", "false": "no"}


def value_text(value: float | str, unit: str, currency: str) -> str:
    """A value at the precision a reader expects: money to the penny, others to 3 significant figures."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return VALUE_WORDS.get(str(value).lower(), str(value).replace("_", " "))
    if not math.isfinite(x):
        return "never"
    if unit == currency or unit.startswith(currency + " "):
        from cea.appendix.document import money

        return money(x, currency, 2)
    return significant(x, 3)


def describe_change(ctx: AppendixContext, target: str, value: str) -> str:
    """One override of a scenario in words, at a sensible precision."""
    inputs = ctx.bundle.inputs
    if target in inputs.parameters:
        p = inputs.parameters[target]
        return f"{parameter_label(ctx, target)}: {value_text(value, p.unit, ctx.currency)}"
    if target.startswith("arm.") and target.count(".") == 2:
        _, arm, column = target.split(".")
        label = ctx.labels.get(arm, arm)
        if column.endswith("_curve") and value in inputs.curves:
            curve = inputs.curves[value]
            name = f"{FAMILY_NAMES.get(curve.family, curve.family).lower()} {curve.endpoint.upper()}"
            _, kind = curve_usage(ctx, value)
            every = "both" if len(ctx.labels) == 2 else "all"
            return f"{label}: {name}, " + (f"one curve for {every} arms ({kind})" if kind else "fitted to this arm")
        if value in inputs.parameters:
            what = {"pd_death_rate": "post-progression death rate", "os_hazard_ratio": "OS hazard ratio",
                    "os_acceleration_factor": "OS acceleration factor", "pfs_hazard_ratio": "PFS hazard ratio",
                    }.get(column, column.replace("_", " "))
            return (f"{label}: {what} {value_text(inputs.parameter_value(value), inputs.parameters[value].unit, ctx.currency)}"
                    f" ({lower_first_word(parameter_label(ctx, value))})")
        if value.lower() in {"", "none"}:
            what = column.replace("os_", "OS ").replace("pfs_", "PFS ").replace("_", " ")
            return f"{label}: no {what}"
        return f"{label}: {column.replace('_', ' ')} {value_text(value, '', ctx.currency)}"
    if "." in target and target.split(".")[0] in inputs.curves:
        return f"{curve_label(ctx, target.split('.')[0])}: coefficients recalibrated"
    words, unit = SETTING_WORDS.get(target, (target.replace("_", " ").capitalize(), "text"))
    if target in ("intervention", "comparator") and value in ctx.labels:  # a strategy: its label, not its id
        return f"{words}: {ctx.labels[value]}"
    if unit == "rate":
        return f"{words}: {percent(float(value))}"
    if unit in ("years", "days", "months"):
        return f"{words}: {value_text(value, '', ctx.currency)} {unit}"
    return f"{words}: {value_text(value, '', ctx.currency)}"


def describe_changes(ctx: AppendixContext, changes: list[tuple[str, str]]) -> str:
    """Every override of a scenario, with the coefficient overrides of one curve said once."""
    return "; ".join(dict.fromkeys(describe_change(ctx, t, v) for t, v in changes))


def parameter_label(ctx: AppendixContext, pid: str) -> str:
    """A parameter's description without its parenthesised detail, unless that detail is what tells it apart from
    another parameter ('Hazard of stopping exemestane (with placebo)')."""
    inputs = ctx.bundle.inputs
    description = inputs.parameters[pid].description.split(":")[0].strip()
    short = short_label(description)
    clashes = [q for q, p in inputs.parameters.items() if q != pid and short_label(p.description.split(":")[0]) == short]
    return description if clashes else short


def in_sentence(label: str) -> str:
    """A strategy label as it reads inside a sentence: a name that starts with a capital followed by a lower-case
    letter is a common noun there ('Elacestrant' -> 'elacestrant', 'Everolimus + exemestane' -> 'everolimus +
    exemestane'); acronyms and codes keep their capitals ('CDK4/6 inhibitor', 'AKT', 'PIK3CA-mutated'). Table cells
    and sentence starts keep the label as given."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
