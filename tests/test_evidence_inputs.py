"""Issue 12 (findings 4, 5, 8): the evidence behind the UK and US input values.

Each derivation added to the inputs is recomputed here from the published figures it cites:
NHS cost inflation to 2023/24, the £69-a-week progressed-disease cost per month, the subsequent-therapy
shares of Piccart 2014 and the cost they imply per progression, and the PFS covariance derived from
the published confidence intervals (delta method, checked against an independent finite-difference
Jacobian and a Monte Carlo simulation).  The verification status of every parameter is validated.
"""

from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case
from cea.cli import app
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.inputs.tables import STATUSES
from cea.survival.calibration import log_se_from_ci, weibull_ph_control_covariance, weibull_ph_from_medians
from tests.conftest import INPUTS

runner = CliRunner()
US = INPUTS / "us"

# NHS Cost Inflation Index, pay and prices, annual % change into each financial year (PSSRU Unit Costs of
# Health and Social Care 2025 Manual, Jones KC et al. 2026).
# NHS Cost Inflation Index, pay and prices (NHS providers): Jones KC et al. Unit Costs of Health and Social Care 2024
# Manual (PSSRU/CHE 2025), Table 12.1.1, p. 109; 2023/24 is provisional there
NHSCII_PAY_AND_PRICES = {"2016/17": 2.09, "2017/18": 1.24, "2018/19": 1.60, "2019/20": 2.14, "2020/21": 2.49,
                         "2021/22": 2.58, "2022/23": 7.32, "2023/24": 4.31}


def nhscii_factor(from_year: str, to_year: str) -> float:
    """Product of (1 + rate) over the years after ``from_year`` up to and including ``to_year``."""
    years = list(NHSCII_PAY_AND_PRICES)
    start = years.index(from_year) + 1 if from_year in years else 0
    factor = 1.0
    for year in years[start:years.index(to_year) + 1]:
        factor *= 1 + NHSCII_PAY_AND_PRICES[year] / 100
    return factor


@pytest.fixture(scope="module")
def uk():
    return load_inputs(INPUTS)


@pytest.fixture(scope="module")
def us():
    return load_inputs(US)


# --------------------------------------------------------------------------- status column
@pytest.mark.parametrize("folder", [INPUTS, US], ids=["uk", "us"])
def test_every_uk_and_us_value_has_a_checked_status_and_a_publication_not_an_internal_file(folder):
    inputs = load_inputs(folder)
    internal = re.compile(r"EVIDENCE_REVIEW|EVIDENCE_FOLLOW_UP|PARAMETER_EVIDENCE|docs/|HTA_METHODS|Bram-R|PRE-ACT|f_input\.R|\(U\)|\bV2\b")
    for p in inputs.parameters.values():
        assert p.status in STATUSES and p.status != "unverified", p.id
        assert not internal.search(p.source), (p.id, p.source)
        assert (p.status == "assumption") == p.source.startswith("Assumption"), p.id
    covariance = (folder / "survival_covariance.csv").read_text(encoding="utf-8")
    assert not internal.search(covariance)


@pytest.mark.parametrize("folder", [INPUTS, US], ids=["uk", "us"])
def test_every_assumption_is_varied_in_the_dsa_and_the_psa(folder):
    """An assumption is sampled in the PSA; the exceptions are varied in the DSA (a low/high range): list
    prices (solved for by the threshold analysis, never sampled), pack sizes, and values fixed at zero."""
    inputs = load_inputs(folder)
    prices = {inputs.settings.price_parameter, *inputs.settings.price_linked}
    for p in inputs.parameters.values():
        if p.status != "assumption":
            continue
        if p.distribution == "fixed":
            assert p.id in prices or p.unit == "tablets" or (p.low is not None and p.high > p.low), p.id
        else:
            assert p.distribution in ("beta", "gamma", "lognormal", "normal", "dirichlet"), p.id


def test_an_unknown_status_is_an_input_error_naming_file_row_and_column(inputs_copy):
    path = inputs_copy / "parameters.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    line = next(i for i, r in enumerate(rows) if r["id"] == "u_pd") + 2
    rows[line - 2]["status"] = "checked"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = runner.invoke(app, ["params", "--inputs", str(inputs_copy)])
    assert result.exit_code == 2
    assert f"parameters.csv:{line}" in result.stderr and "u_pd" in result.stderr and "status" in result.stderr
    assert "unknown status 'checked'" in result.stderr


def test_an_assumption_status_needs_an_assumption_source_and_vice_versa(inputs_copy):
    path = inputs_copy / "parameters.csv"
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        if r["id"] == "hr_pfs":
            r["status"] = "assumption"  # cited source, but labelled assumption
        if r["id"] == "pf_death_share":
            r["status"] = "verified"  # 'Assumption: ...' source, but labelled verified
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_inputs(inputs_copy)
    message = str(caught.value)
    assert "hr_pfs" in message and "pf_death_share" in message and message.count("status") >= 2


def test_cea_params_shows_the_status_and_the_markdown_table_has_a_status_column(tmp_path):
    result = runner.invoke(app, ["params", "--json"])
    assert result.exit_code == 0
    import json

    records = {r["id"]: r for r in json.loads(result.stdout)}
    assert records["hr_pfs"]["status"] == "verified"
    assert records["u_pd"]["status"] == "derived"
    assert records["pf_death_share"]["status"] == "assumption"
    text = runner.invoke(app, ["params"]).stdout
    assert "status" in text.splitlines()[0] and "verified" in text
    markdown = tmp_path / "params.md"
    assert runner.invoke(app, ["params", "--markdown", str(markdown)]).exit_code == 0
    doc = markdown.read_text(encoding="utf-8")
    assert "| Source | Status |" in doc and "| verified |" in doc and "| assumption |" in doc


# --------------------------------------------------------------------------- price year and inflation
def test_progressed_disease_care_is_69_a_week_per_month_inflated_to_2023_24(uk):
    per_month_2019_20 = 69 * 365.25 / 7 / 12
    assert round(per_month_2019_20, 2) == 300.03  # not 300.27
    factor = nhscii_factor("2019/20", "2023/24")
    assert factor == pytest.approx(1.0249 * 1.0258 * 1.0732 * 1.0431, rel=1e-15)
    assert uk.parameters["pd_care_cost_month"].value == pytest.approx(round(per_month_2019_20 * factor, 2), abs=1e-9)
    assert uk.parameters["pd_care_cost_month"].value == pytest.approx(353.11, abs=1e-9)
    assert "Table 12.1.1" in uk.parameters["pd_care_cost_month"].source


@pytest.mark.parametrize("pid, original, price_year", [
    ("progression_cost", 474.76, "2019/20"),        # NICE TA851 company submission
    ("terminal_care_cost", 8347.03, "2019/20"),     # Georghiou & Bardsley 2014 as inflated in TA851
])
def test_published_nhs_costs_are_inflated_to_2023_24_with_the_nhs_cost_inflation_index(uk, pid, original, price_year):
    expected = round(original * nhscii_factor(price_year, "2023/24"), 2)
    assert uk.parameters[pid].value == pytest.approx(expected, abs=1e-9)
    assert "2023/24" in uk.parameters[pid].source and "NHS Cost Inflation Index" in uk.parameters[pid].source


def test_fatigue_is_one_outpatient_review_and_the_ta612_cost_is_a_scenario(uk):
    """Grade 3/4 fatigue: one consultant-led follow-up attendance (NCC 2023/24 WF01A GBP 192.28); the TA612 figure
    (GBP 3,000.39 in 2017/18) inflated with the same index is the scenario ae_cost_fatigue_ta612."""
    assert uk.parameters["ae_cost_fatigue"].value == pytest.approx(192.28, abs=1e-9)
    assert "WF01A" in uk.parameters["ae_cost_fatigue"].source
    rows = [r for r in csv.DictReader(io.StringIO((INPUTS / "scenarios.csv").read_text(encoding="utf-8")))
            if r["scenario"] == "ae_cost_fatigue_ta612"]
    assert float(rows[0]["value"]) == pytest.approx(round(3000.39 * nhscii_factor("2017/18", "2023/24"), 2), abs=1e-9)


def test_monitoring_and_adverse_event_costs_are_resource_use_times_national_cost_collection_units(uk):
    wf01a, path04, path05, path08, rd26z = 192.2812, 1.5251, 3.0956, 6.6972, 123.3396  # NCC 2023/24
    p = uk.parameters
    assert p["pf_monitoring_cost_month"].value == pytest.approx(round(wf01a + path05 + 2 * path04 + path08 + rd26z / 3, 2))
    assert p["ae_cost_lab_abnormality"].value == pytest.approx(round(wf01a + path04 + path05 + path08, 2))
    assert p["ae_cost_anaemia"].value == pytest.approx(705.05)  # SA44A day-case transfusion
    assert p["ae_cost_diarrhoea"].value == pytest.approx(508.69)  # FD10M short stay
    for pid in ("pf_monitoring_cost_month", "ae_cost_stomatitis", "ae_cost_hyperglycaemia", "ae_cost_fatigue"):
        assert "WF01A" in p[pid].source and p[pid].status == "assumption"


def test_one_price_year_and_the_tA421_eligible_population(uk):
    assert uk.settings.price_year == 2024  # financial year 2023/24 (settings.toml says so)
    assert "2023/24" in (INPUTS / "settings.toml").read_text(encoding="utf-8")
    assert uk.settings.annual_incidence == 1500  # NICE TA421 committee: around 1,500 eligible a year


# --------------------------------------------------------------------------- subsequent therapy
def test_subsequent_therapy_shares_reproduce_piccart_2014_percentages(uk):
    p = uk.parameters
    eve_any, exe_any = 407, 215  # 84% of 485 and 90% of 239 randomised
    assert round(100 * eve_any / 485) == 84 and round(100 * exe_any / 239) == 90
    assert (p["subsequent_chemo_share_eve_exe"].events, p["subsequent_chemo_share_eve_exe"].n) == (257, 485)
    assert (p["subsequent_chemo_share_exe"].events, p["subsequent_chemo_share_exe"].n) == (151, 239)
    assert round(100 * p["subsequent_chemo_share_eve_exe"].value) == 53
    assert round(100 * p["subsequent_chemo_share_exe"].value) == 63
    assert p["subsequent_other_share_eve_exe"].events == eve_any - 257
    assert p["subsequent_other_share_exe"].events == exe_any - 151
    for arm in ("eve_exe", "exe"):
        chemo, other = p[f"subsequent_chemo_share_{arm}"], p[f"subsequent_other_share_{arm}"]
        assert chemo.value == pytest.approx(chemo.events / chemo.n, abs=1e-6)
        assert other.value == pytest.approx(other.events / other.n, abs=1e-6)


def test_subsequent_therapy_cost_is_share_weighted_course_cost_per_progression(uk):
    """With health-state PD care set to 0, the progressed-disease category holds only the one-off work-up,
    which shares the per-progression basis: so subsequent therapy / work-up = expected course cost / work-up cost."""
    p = uk.parameters
    result = run_base_case(apply_overrides(uk, {"pd_care_cost_month": 0.0}))
    chemo, other = p["subsequent_chemo_course_cost"].value, p["subsequent_other_course_cost"].value
    for arm in ("eve_exe", "exe"):
        per_progression = p[f"subsequent_chemo_share_{arm}"].value * chemo + p[f"subsequent_other_share_{arm}"].value * other
        costs = result.arm_summary(arm)["costs_by_category"]
        assert costs["subsequent_therapy"] / costs["progressed_disease_care"] == pytest.approx(
            per_progression / p["progression_cost"].value, rel=1e-12)


def test_equal_post_progression_costs_scenario_uses_the_pooled_piccart_shares():
    rows = [r for r in csv.DictReader(io.StringIO((INPUTS / "scenarios.csv").read_text(encoding="utf-8")))
            if r["scenario"] == "equal_post_progression_costs"]
    values = {r["target"]: float(r["value"]) for r in rows}
    assert values["subsequent_chemo_share_eve_exe"] == values["subsequent_chemo_share_exe"] == pytest.approx(
        (257 + 151) / 724, abs=1e-6)
    assert values["subsequent_other_share_eve_exe"] == values["subsequent_other_share_exe"] == pytest.approx(
        (150 + 64) / 724, abs=1e-6)


# --------------------------------------------------------------------------- adverse events
def test_adverse_events_come_from_one_data_cut_and_include_the_required_events(uk):
    events = {(row.split(",")[0]) for row in (INPUTS / "adverse_events.csv").read_text(encoding="utf-8").splitlines()[1:]}
    for key in ("ggt_increased", "neutropenia", "infections", "pneumonitis", "stomatitis"):
        assert f"{key}_eve_exe" in events and f"{key}_exe" in events
    rates = [p for p in uk.parameters.values() if p.id.startswith("ae_rate_")]
    assert len(rates) == len(events)
    for p in rates:
        n = 482 if p.id.endswith("_eve_exe") else 238  # safety set of the final (18-month) analysis, Rugo 2014
        if p.distribution == "beta":
            assert p.n == n and p.value == pytest.approx(p.events / n, abs=1e-6), p.id
        else:
            assert p.value == 0 and p.high == pytest.approx(round(3 / n, 6)), p.id  # rule of three
    eve = {p.id[len("ae_rate_"):-len("_eve_exe")]: p.value for p in rates if p.id.endswith("_eve_exe")}
    exe = {p.id[len("ae_rate_"):-len("_exe")]: p.value for p in rates if p.id.endswith("_exe") and not p.id.endswith("_eve_exe")}
    assert all(max(eve[k], exe[k]) >= 0.02 - 1e-9 for k in eve)  # grade 3/4 events at >= 2% in either arm


# --------------------------------------------------------------------------- PFS uncertainty from the CIs
def _finite_difference_covariance(m0, m1, hr, se0, se1, seh, step=1e-6):
    def coefficients(x):
        return weibull_ph_from_medians(math.exp(x[0]), math.exp(x[1]), math.exp(x[2])).control
    x0 = np.log([m0, m1, hr])
    jac = np.column_stack([(coefficients(x0 + step * e) - coefficients(x0 - step * e)) / (2 * step) for e in np.eye(3)])
    return jac @ np.diag([se0**2, se1**2, seh**2]) @ jac.T


def test_log_se_from_a_95_percent_ci():
    assert log_se_from_ci(0.38, 0.54) == pytest.approx((math.log(0.54) - math.log(0.38)) / (2 * 1.959963984540054), rel=1e-12)


def test_pfs_covariance_is_the_delta_method_on_the_published_cis_and_matches_the_input_file():
    se0, se1, seh = log_se_from_ci(2.8, 4.1), log_se_from_ci(6.9, 8.5), log_se_from_ci(0.38, 0.54)
    for hr_se in (0.0, seh):
        analytic = weibull_ph_control_covariance(3.2, 7.8, 0.45, se0, se1, hr_se)
        np.testing.assert_allclose(analytic, _finite_difference_covariance(3.2, 7.8, 0.45, se0, se1, hr_se), rtol=1e-7)
    shipped = {(r["coefficient_1"], r["coefficient_2"]): float(r["covariance"]) for r in csv.DictReader(
        io.StringIO((INPUTS / "survival_covariance.csv").read_text(encoding="utf-8"))) if r["curve"] == "pfs_exe"}
    analytic = weibull_ph_control_covariance(3.2, 7.8, 0.45, se0, se1)
    assert shipped[("log_scale", "log_scale")] == pytest.approx(analytic[0, 0], rel=1e-9)
    assert shipped[("log_shape", "log_shape")] == pytest.approx(analytic[1, 1], rel=1e-9)
    assert shipped[("log_scale", "log_shape")] == pytest.approx(analytic[0, 1], rel=1e-9)
    assert math.sqrt(analytic[1, 1]) == pytest.approx(0.1244544, abs=1e-6)  # SE of log shape, was an assumed 0.05


def test_pfs_covariance_agrees_with_simulation_from_the_cis():
    """Draw ln medians (and ln HR) normally with the SEs implied by the 95% CIs, recalibrate each draw and take
    the sample covariance.  The delta method is first order, so agreement is within Monte Carlo error plus a
    small curvature term: 5% relative on the variances here (n = 200,000, MC error of a variance about 0.3%)."""
    rng = np.random.default_rng(20121)
    se0, se1, seh = log_se_from_ci(2.8, 4.1), log_se_from_ci(6.9, 8.5), log_se_from_ci(0.38, 0.54)
    n = 200_000
    a = np.log(3.2) + se0 * rng.standard_normal(n)
    b = np.log(7.8) + se1 * rng.standard_normal(n)
    h = np.log(0.45) + seh * rng.standard_normal(n)
    log_shape = np.log(-h) - np.log(b - a)
    log_scale = a - np.log(np.log(2.0)) / np.exp(log_shape)
    simulated = np.cov(np.vstack([log_scale, log_shape]))
    analytic = weibull_ph_control_covariance(3.2, 7.8, 0.45, se0, se1, seh)
    np.testing.assert_allclose(np.diag(simulated), np.diag(analytic), rtol=0.05)
    assert simulated[0, 1] / np.sqrt(simulated[0, 0] * simulated[1, 1]) == pytest.approx(
        analytic[0, 1] / np.sqrt(analytic[0, 0] * analytic[1, 1]), abs=0.03)
