"""Shared fixtures: the shipped inputs and small synthetic models built directly in code."""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: small matrices, threads only compete

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from cea.inputs.model_inputs import load_inputs
from cea.structure import AdverseEventSpec, ArmSpec, CostItem, CurveSpec, ModelStructure, TreatmentSpec

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Tests marked ``libreoffice`` recalculate files in LibreOffice.  CI (.ci/run installs it) must run
    them: a missing soffice there is an error, never a silent skip.  Elsewhere `make test` installs
    nothing system-wide, so without soffice they are reported as skipped with the apt-get line."""
    marked = [item for item in items if item.get_closest_marker("libreoffice")]
    if not marked or shutil.which("soffice") is not None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must have LibreOffice (soffice) for the recalculation tests; see .ci/run")
    reason = ("LibreOffice not installed: apt-get install -y --no-install-recommends libreoffice-calc "
              "libreoffice-writer poppler-utils")
    for item in marked:
        item.add_marker(pytest.mark.skip(reason=reason))
INPUTS = ROOT / "inputs"


@pytest.fixture(scope="session")
def shipped_inputs():
    return load_inputs(INPUTS)


@pytest.fixture
def inputs_copy(tmp_path):
    """A writable copy of the shipped inputs folder."""
    target = tmp_path / "inputs"
    shutil.copytree(INPUTS, target, ignore=shutil.ignore_patterns("us", "tamrad"))
    return target


@dataclass
class EngineSettings:
    """Minimal settings object for direct engine calls."""

    cycle_length_days: float = 7.0
    days_per_year: float = 365.25
    horizon_years: float = 5.0
    discount_rate_costs: float = 0.0
    discount_rate_outcomes: float = 0.0
    within_cycle_correction: str = "half_cycle"
    start_age: float = 60.0
    utility_age_adjustment: bool = False
    pd_mortality: str = "constant"
    model_structure: str = "markov"
    adverse_event_timing: str = "on_treatment"
    waning_start_months: float = float("inf")
    waning_end_months: float = float("inf")

    @property
    def cycle_years(self):
        return self.cycle_length_days / self.days_per_year

    @property
    def cycle_months(self):
        return self.cycle_years * 12

    @property
    def n_cycles(self):
        return max(1, int(round(self.horizon_years / self.cycle_years)))


def exponential_model(pfs_rate=0.1, os_rate=0.03, pd_rate=0.05, hr=0.5, death_share=0.0, qx=0.0,
                      u_pf=0.8, u_pd=0.6, drug_price=100.0, n_samples=1, tot_rate=None, adverse_event=None):
    """Two arms with exponential PFS (monthly rate) and a PD→death rate; returns (structure, parameters).

    ``tot_rate``: the treated arm's drug is stopped at this monthly rate while PF (None: to progression).
    ``adverse_event``: (incidence, cost, disutility, days) of one event in the treated arm, timed by its drug."""
    structure = ModelStructure(
        arms=(ArmSpec("trt", "Treatment", "pfs", "os", pfs_hazard_ratio="hr", pd_death_rate="pd_rate"),
              ArmSpec("ctl", "Control", "pfs", "os", pd_death_rate="pd_rate")),
        curves={"pfs": CurveSpec("pfs", "pfs", "exponential", ("log_rate",)),
                "os": CurveSpec("os", "os", "exponential", ("log_rate",))},
        cost_items=(CostItem("drug", "trt", "drug", "per_day_on_treatment", ("price",)),
                    CostItem("pf_care", "all", "care", "per_month_in_pf", ("pf_cost",)),
                    CostItem("pd_care", "all", "care", "per_month_in_pd", ("pd_cost",)),
                    CostItem("death", "all", "terminal", "per_death", ("death_cost",))),
        adverse_events=(AdverseEventSpec("ae", "trt", "ae_rate", "ae_cost", "ae_dis", "ae_days"),) if adverse_event else (),
        utility_pf="u_pf", utility_pd="u_pd", pf_death_share="share",
        gp_utility_terms=("g0", "g1", "g2"), life_table_ages=tuple(range(0, 121)), life_table_qx=tuple([qx] * 121),
        treatments=(TreatmentSpec("trt", "drug", "Drug", "tot_rate" if tot_rate is not None else None, ("drug",),
                                  True),))
    values = {"pfs.log_rate": np.log(pfs_rate), "os.log_rate": np.log(os_rate), "pd_rate": pd_rate, "hr": hr,
              "share": death_share, "u_pf": u_pf, "u_pd": u_pd, "g0": 1.0, "g1": 0.0, "g2": 0.0,
              "price": drug_price, "pf_cost": 10.0, "pd_cost": 20.0, "death_cost": 1000.0}
    if tot_rate is not None:
        values["tot_rate"] = tot_rate
    if adverse_event:
        values.update(zip(("ae_rate", "ae_cost", "ae_dis", "ae_days"), adverse_event))
    return structure, {k: np.full(n_samples, float(v)) for k, v in values.items()}
