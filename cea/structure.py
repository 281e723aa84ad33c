"""The model's structure: which curves, costs and events each arm has, as plain frozen
dataclasses that name parameters by id and hold no uncertain numbers.

Built from the input tables by ``cea.inputs`` and read by ``cea.engine``; it sits
beside ``cea.errors`` as the shared vocabulary of every layer (no imports, no I/O).
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATES = ("PF", "PD", "Dead")
# Survival families and their coefficients on the estimation scale (see cea.engine.survival).
COEFFICIENTS: dict[str, tuple[str, ...]] = {
    "exponential": ("log_rate",),
    "weibull": ("log_scale", "log_shape"),
    "gompertz": ("log_rate", "shape"),
    "loglogistic": ("log_scale", "log_shape"),
    "lognormal": ("mu", "log_sigma"),
    "gengamma": ("mu", "log_sigma", "q"),
}
PROPORTIONAL_HAZARDS = frozenset({"exponential", "weibull", "gompertz"})
ACCELERATED_FAILURE_TIME = frozenset({"exponential", "weibull", "loglogistic", "lognormal", "gengamma"})
COST_BASES = (
    "per_day_on_treatment",  # drug acquisition: paid at cycle start while on treatment, no within-cycle correction
    "per_month_in_pf",  # state costs: occupancy x cost, within-cycle corrected
    "per_month_in_pd",
    "per_progression",  # one-off on each new PF->PD transition
    "per_death",  # one-off on each new death (terminal care)
    "at_start",  # one-off at time 0 for the whole cohort
)


@dataclass(frozen=True)
class CurveSpec:
    """One parametric survival curve; its coefficients are parameters named '<curve>.<coefficient>'."""

    id: str
    endpoint: str
    family: str
    coefficients: tuple[str, ...]

    def parameter_names(self) -> tuple[str, ...]:
        return tuple(f"{self.id}.{c}" for c in self.coefficients)


@dataclass(frozen=True)
class ArmSpec:
    """An arm's PFS and OS: its own curve, or another arm's curve with a hazard ratio (PH families)
    or an acceleration factor (AFT families) taken from a parameter."""

    id: str
    label: str
    pfs_curve: str
    os_curve: str
    pfs_hazard_ratio: str | None = None
    pfs_acceleration_factor: str | None = None
    os_hazard_ratio: str | None = None
    os_acceleration_factor: str | None = None
    pd_death_rate: str | None = None  # monthly PD->death rate parameter, used when pd_mortality = "constant"
    waning_reference: str | None = None  # arm whose hazards this arm's converge to under treatment-effect waning
    n_randomised: float | None = None  # patients randomised to this arm (weights of pooled calibrations; None: equal)


@dataclass(frozen=True)
class TreatmentSpec:
    """One drug of an arm and its time on treatment (ToT).

    On treatment at time t (months): ToT(t) = PF(t) · exp(−λ·t), λ = ``discontinuation_rate`` (per month, the
    hazard of stopping this drug for reasons other than progression or death; blank = 0: treat to progression).
    ToT ≤ PF by construction; each drug of an arm stops on its own (exemestane goes on when everolimus stops for
    toxicity).  The ``cost_items`` (basis per_day_on_treatment) are paid on this drug's ToT; the arm's adverse
    events are spread over the ToT of the drug that ``times_adverse_events``.
    """

    arm: str
    drug: str
    label: str
    discontinuation_rate: str | None
    cost_items: tuple[str, ...]
    times_adverse_events: bool = False


@dataclass(frozen=True)
class CostItem:
    """Unit cost = product(multiply) / product(divide) of parameters, accrued on ``basis``."""

    id: str
    arm: str  # an arm id or "all"
    category: str
    basis: str
    multiply: tuple[str, ...]
    divide: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class AdverseEventSpec:
    """A grade 3/4 adverse event: ``rate`` is the trial's per-patient incidence over its exposure; the events are
    spread over the arm's time on treatment (see cea.engine.model), so the undiscounted total is rate x cost and
    rate x disutility x duration, whatever the time on treatment."""

    id: str
    arm: str
    rate: str
    cost: str
    disutility: str
    duration_days: str
    label: str = ""


@dataclass(frozen=True)
class ModelStructure:
    arms: tuple[ArmSpec, ...]
    curves: dict[str, CurveSpec]
    cost_items: tuple[CostItem, ...]
    adverse_events: tuple[AdverseEventSpec, ...]
    utility_pf: str
    utility_pd: str
    pf_death_share: str
    gp_utility_terms: tuple[str, str, str]  # intercept, age, age^2 coefficients (Ara & Brazier 2010 form)
    life_table_ages: tuple[int, ...] = field(default=())
    life_table_qx: tuple[float, ...] = field(default=())
    treatments: tuple[TreatmentSpec, ...] = field(default=())

    @property
    def drugs(self) -> tuple[str, ...]:
        """Every drug of every arm, in table order (the per-drug axis of the engine's outputs)."""
        seen: dict[str, None] = {}
        for t in self.treatments:
            seen.setdefault(t.drug, None)
        return tuple(seen)

    def arm_treatments(self, arm_id: str) -> tuple[TreatmentSpec, ...]:
        return tuple(t for t in self.treatments if t.arm == arm_id)

    @property
    def arm_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.arms)

    @property
    def cost_categories(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.cost_items:
            seen.setdefault(item.category, None)
        if self.adverse_events:
            seen.setdefault("adverse_events", None)
        return tuple(seen)

    def arm(self, arm_id: str) -> ArmSpec:
        return next(a for a in self.arms if a.id == arm_id)


CATEGORY_LABELS = {
    "drug_acquisition": "Drug acquisition",
    "monitoring": "Monitoring (PF)",
    "progressed_disease_care": "Progressed-disease care",
    "subsequent_therapy": "Subsequent therapy",
    "terminal_care": "Terminal care",
    "adverse_events": "Adverse events",
}


def category_label(category: str) -> str:
    """Label of a cost category in tables and the workbook."""
    return CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())
