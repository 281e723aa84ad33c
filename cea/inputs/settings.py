"""Model settings (methodological choices), read from settings.toml.

Defaults are the NICE reference case (PMG36: 3.5% discounting of costs and outcomes,
lifetime horizon, NHS/PSS perspective) but every value the model uses must be written
in settings.toml: a missing key is an error, so that no numeric assumption hides here.
Settings are never sampled in the PSA; scenarios and ``--set`` override them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from cea.errors import InputError, Problem

CORRECTIONS = ("none", "half_cycle", "simpson")
PD_MORTALITY = ("os_tracking", "constant")
# adverse events: spread over the time on treatment (base case) or all at model start (the earlier convention)
ADVERSE_EVENT_TIMINGS = ("on_treatment", "at_start")
STRUCTURES = ("markov", "psm")
EVIDENCE_STATUSES = ("reference", "exploratory")  # exploratory: results not for decisions (see evidence_note)


@dataclass(frozen=True)
class Settings:
    title: str
    evidence_status: str
    evidence_note: str
    currency: str
    price_year: int
    perspective: str
    country: str
    cycle_length_days: float
    horizon_years: float
    days_per_year: float
    discount_rate_costs: float
    discount_rate_outcomes: float
    within_cycle_correction: str
    start_age: float
    utility_age_adjustment: bool
    pd_mortality: str
    model_structure: str
    adverse_event_timing: str
    waning_start_months: float
    waning_end_months: float
    intervention: str
    comparator: str
    wtp_thresholds: tuple[float, ...]
    primary_wtp: float
    wtp_grid_max: float
    wtp_grid_step: float
    psa_iterations: int
    price_parameter: str
    price_linked: tuple[str, ...]
    pas_discount: float
    seed: int
    annual_incidence: float
    decision_horizon_years: float
    proportion_female: float
    # drug whose time on treatment carries the on-treatment disutility (parameter disutility_on_treatment); "" = none
    on_treatment_disutility: str = ""

    # --- derived -------------------------------------------------------------
    @property
    def cycle_years(self) -> float:
        return self.cycle_length_days / self.days_per_year

    @property
    def cycle_months(self) -> float:
        return self.cycle_years * 12.0

    @property
    def n_cycles(self) -> int:
        """Whole cycles covering the horizon: round(horizon / cycle length), at least 1."""
        return max(1, int(round(self.horizon_years / self.cycle_years)))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["wtp_thresholds"] = list(self.wtp_thresholds)
        d["price_linked"] = list(self.price_linked)
        return d

    def with_overrides(self, overrides: dict[str, Any], file: str = "--set") -> "Settings":
        return from_mapping({**self.to_dict(), **overrides}, file)


SECTIONS = {
    "model": ("title", "evidence_status", "evidence_note", "currency", "price_year", "perspective", "country", "cycle_length_days", "horizon_years",
              "days_per_year", "discount_rate_costs", "discount_rate_outcomes", "within_cycle_correction",
              "start_age", "utility_age_adjustment", "pd_mortality", "model_structure", "adverse_event_timing",
              "waning_start_months", "waning_end_months", "on_treatment_disutility"),
    "arms": ("intervention", "comparator"),
    "analysis": ("wtp_thresholds", "primary_wtp", "wtp_grid_max", "wtp_grid_step", "psa_iterations", "seed",
                 "price_parameter", "price_linked", "pas_discount"),
    "population": ("annual_incidence", "decision_horizon_years", "proportion_female"),
}
SETTING_NAMES = frozenset(f.name for f in fields(Settings))


def flatten(document: dict, file: str) -> dict[str, Any]:
    """settings.toml sections -> one flat mapping; unknown sections or keys are problems."""
    problems: list[Problem] = []
    flat: dict[str, Any] = {}
    home = {key: section for section, keys in SECTIONS.items() for key in keys}
    for section, body in document.items():
        if not isinstance(body, dict):
            where = f"inside [{home[section]}]" if section in home else f"inside one of the sections {sorted(SECTIONS)}"
            problems.append(Problem(file, f"'{section}' is outside any section; it belongs {where}",
                                    column=section, parameter=section))
            continue
        if section not in SECTIONS:
            problems.append(Problem(file, f"unknown section [{section}]; expected {sorted(SECTIONS)}", column=section))
            continue
        for key, value in body.items():
            if key not in SECTIONS[section]:
                where = (f"; it belongs in [{home[key]}]" if key in home
                         else f"; expected one of {list(SECTIONS[section])}")
                problems.append(Problem(file, f"unknown setting '{key}' in [{section}]{where}", column=key, parameter=key))
                continue
            flat[key] = value
    if problems:
        raise InputError(problems)
    return flat


def _number(value: Any, key: str, file: str, problems: list[Problem], integer: bool = False,
            low: float | None = None, high: float | None = None, allow_inf: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # TOML is typed: "15" (quoted) is text, not a number; --set values arrive already parsed
        quotes = " (remove the quotes)" if file.endswith(".toml") else ""
        got = f"text {value!r}{quotes}" if isinstance(value, str) else (
            "true/false" if isinstance(value, bool) else f"a {type(value).__name__}")
        problems.append(Problem(file, f"expected a number, got {got}", parameter=key))
        return None
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        problems.append(Problem(file, f"{value} is not a finite number", parameter=key))
        return None
    if integer:
        if math.isinf(value) or value != int(value):
            problems.append(Problem(file, f"{value} is not a whole number", parameter=key))
            return None
        value = int(value)
    if low is not None and value < low or high is not None and value > high:
        problems.append(Problem(file, f"{value} is outside the allowed range [{low}, {high}]", parameter=key))
        return None
    return value


# (lowest, highest, integer?) of every numeric setting: checked here and by the payer workbook's validation
SETTING_RANGES: dict[str, tuple[float, float, bool]] = {
    "price_year": (1900, 2100, True), "cycle_length_days": (1e-3, 366, False), "horizon_years": (1e-3, 100, False),
    "days_per_year": (360, 366, False), "discount_rate_costs": (0, 1e6, False),
    "discount_rate_outcomes": (0, 1e6, False), "start_age": (0, 110, False),
    "waning_start_months": (0, math.inf, False), "waning_end_months": (0, math.inf, False),
    "primary_wtp": (0, 1e9, False), "wtp_grid_max": (0, 1e9, False), "wtp_grid_step": (1e-6, 1e9, False),
    "psa_iterations": (2, 10_000_000, True), "seed": (0, 2**63 - 1, True), "annual_incidence": (0, 1e9, False),
    "decision_horizon_years": (0, 200, False), "pas_discount": (0, 0.99, False),
    "proportion_female": (0, 1, False),
}
WTP_RANGE = (0.0, 1e9)


def from_mapping(flat: dict[str, Any], file: str = "settings.toml") -> Settings:
    """Validate a flat mapping of every setting into Settings; all problems reported at once."""
    problems: list[Problem] = []
    flat = {"on_treatment_disutility": "", **flat}  # added after the other settings: absent means none
    missing = sorted(SETTING_NAMES - flat.keys())
    problems += [Problem(file, "missing setting; every setting must be stated", parameter=k) for k in missing]
    unknown = sorted(flat.keys() - SETTING_NAMES)
    problems += [Problem(file, f"unknown setting; expected one of {sorted(SETTING_NAMES)}", parameter=k) for k in unknown]
    if problems:
        raise InputError(problems)
    v = dict(flat)
    inf_ok = {"waning_start_months", "waning_end_months"}
    for key, (low, high, integer) in SETTING_RANGES.items():
        v[key] = _number(v[key], key, file, problems, integer=integer, low=low, high=high, allow_inf=key in inf_ok)
    linked = v["price_linked"]
    if isinstance(linked, str):
        linked = [t for t in linked.replace(";", ",").split(",") if t.strip()]
    if not isinstance(linked, (list, tuple)) or not all(isinstance(t, str) for t in linked):
        problems.append(Problem(file, "expected a list of parameter ids", parameter="price_linked"))
    else:
        v["price_linked"] = tuple(t.strip() for t in linked)
    for key in ("title", "currency", "perspective", "country", "intervention", "comparator", "within_cycle_correction",
                "pd_mortality", "model_structure", "adverse_event_timing", "price_parameter", "evidence_status",
                "evidence_note"):
        if not isinstance(v[key], str) or not v[key].strip():
            problems.append(Problem(file, f"expected non-empty text, got {v[key]!r}", parameter=key))
    if not isinstance(v["on_treatment_disutility"], str):
        problems.append(Problem(file, f"expected a drug id or \"\" (none), got {v['on_treatment_disutility']!r}",
                                parameter="on_treatment_disutility"))
    else:
        v["on_treatment_disutility"] = v["on_treatment_disutility"].strip()
    if v["evidence_status"] not in EVIDENCE_STATUSES:
        problems.append(Problem(file, f"'{v['evidence_status']}' is not an evidence status; expected one of "
                                f"{EVIDENCE_STATUSES} (exploratory: the results are not a base case for decisions)",
                                parameter="evidence_status"))
    if v["within_cycle_correction"] not in CORRECTIONS:
        problems.append(Problem(file, f"'{v['within_cycle_correction']}' is not a correction; expected one of {CORRECTIONS}",
                                parameter="within_cycle_correction"))
    if v["model_structure"] not in STRUCTURES:
        problems.append(Problem(file, f"'{v['model_structure']}' is not a model structure; expected one of {STRUCTURES}",
                                parameter="model_structure"))
    if v["adverse_event_timing"] not in ADVERSE_EVENT_TIMINGS:
        problems.append(Problem(file, f"'{v['adverse_event_timing']}' is not known; expected one of "
                                f"{ADVERSE_EVENT_TIMINGS}", parameter="adverse_event_timing"))
    if v["pd_mortality"] not in PD_MORTALITY:
        problems.append(Problem(file, f"'{v['pd_mortality']}' is not known; expected one of {PD_MORTALITY}",
                                parameter="pd_mortality"))
    if not isinstance(v["utility_age_adjustment"], bool):
        text = str(v["utility_age_adjustment"]).strip().lower()
        if text in ("true", "1", "yes"):
            v["utility_age_adjustment"] = True
        elif text in ("false", "0", "no"):
            v["utility_age_adjustment"] = False
        else:
            problems.append(Problem(file, "expected true or false", parameter="utility_age_adjustment"))
    wtps = v["wtp_thresholds"]
    if isinstance(wtps, (int, float)) and not isinstance(wtps, bool):
        wtps = [wtps]
    if not isinstance(wtps, (list, tuple)) or not wtps:
        problems.append(Problem(file, "expected a list of thresholds, e.g. [20000, 30000]", parameter="wtp_thresholds"))
    else:
        v["wtp_thresholds"] = tuple(_number(w, "wtp_thresholds", file, problems, low=WTP_RANGE[0], high=WTP_RANGE[1])
                                    for w in wtps)
    if v["intervention"] == v["comparator"]:
        problems.append(Problem(file, "intervention and comparator must be different arms", parameter="comparator"))
    if (v["waning_start_months"] is not None and v["waning_end_months"] is not None
            and v["waning_end_months"] < v["waning_start_months"]):
        problems.append(Problem(file, "waning must end after it starts", parameter="waning_end_months"))
    if (v["waning_start_months"] is not None and v["waning_end_months"] is not None
            and math.isfinite(v["waning_start_months"]) and not math.isfinite(v["waning_end_months"])):
        problems.append(Problem(file, f"waning starts at {v['waning_start_months']:g} months but has no end; give "
                                "waning_end_months (equal to the start for an immediate loss of effect)",
                                parameter="waning_end_months"))
    problems += _check_sizes(v, file)
    if problems:
        raise InputError(problems)
    return Settings(**v)


MAX_CYCLES = 20_000  # e.g. weekly cycles for 100 years (5,218) or daily for 50 (18,263); memory is samples × cycles
MAX_WTP_POINTS = 100_000


def _check_sizes(v: dict[str, Any], file: str) -> list[Problem]:
    """Combinations that are each in range but would make the model impractically large."""
    problems = []
    if v["horizon_years"] is not None and v["cycle_length_days"] is not None and v["days_per_year"] is not None:
        cycles = v["horizon_years"] * v["days_per_year"] / v["cycle_length_days"]
        if cycles > MAX_CYCLES:
            problems.append(Problem(file, f"horizon_years / cycle length gives {cycles:,.0f} cycles; at most "
                                    f"{MAX_CYCLES:,} (use longer cycles or a shorter horizon)", parameter="cycle_length_days"))
    if v["wtp_grid_max"] is not None and v["wtp_grid_step"] is not None:
        points = v["wtp_grid_max"] / v["wtp_grid_step"]
        if points > MAX_WTP_POINTS:
            problems.append(Problem(file, f"wtp_grid_max / wtp_grid_step gives {points:,.0f} grid points; at most "
                                    f"{MAX_WTP_POINTS:,}", parameter="wtp_grid_step"))
    return problems


def override_value(key: str, text: str) -> Any:
    """Parse a --set value for a setting: numbers stay numbers, lists split on commas."""
    if key == "price_linked":
        return [t for t in text.split(",") if t.strip()]
    if key == "wtp_thresholds":
        return [override_value("primary_wtp", t.strip()) for t in text.split(",") if t.strip()]
    if key == "utility_age_adjustment":
        return text
    try:
        if key in ("price_parameter", "title", "evidence_status", "evidence_note", "currency", "perspective", "country",
                   "intervention", "comparator", "within_cycle_correction", "pd_mortality", "model_structure",
                   "adverse_event_timing", "on_treatment_disutility"):
            return text
        value = float(text)
        if key in ("psa_iterations", "seed", "price_year") and math.isfinite(value) and value == int(value):
            return int(value)
        return value
    except (ValueError, OverflowError):
        return text


__all__ = ["Settings", "from_mapping", "flatten", "override_value", "CORRECTIONS", "SETTING_NAMES", "replace"]
