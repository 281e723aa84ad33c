"""Time on treatment (ToT) per drug: ToT(t) = PF(t)·exp(−λt), drug costs paid on it, adverse events spread
over it, calibration of the shipped rates to published median treatment durations, and the JSON contract."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from numpy.testing import assert_allclose

from cea.engine.model import evaluate
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from tests.conftest import EngineSettings, exponential_model

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


def _settings(**kw):
    base = dict(horizon_years=5.0, cycle_length_days=7.0, discount_rate_costs=0.0, discount_rate_outcomes=0.0)
    base.update(kw)
    return EngineSettings(**base)


# ------------------------------------------------------------------ closed forms
@pytest.mark.parametrize("tot_rate", [0.0, 0.05, 0.2])
def test_exponential_tot_with_exponential_pfs_gives_the_geometric_closed_form(tot_rate):
    """PF_k = q_pfs^k exactly (no deaths in PF, no background), so ToT_k = exp(−(a + λ)·k·Δ) and the drug cost,
    paid at cycle starts k < n, is price × days × (1 − q^n)/(1 − q) with q = exp(−(a + λ)Δ)."""
    a, price = 0.1, 100.0
    structure, p = exponential_model(pfs_rate=a, hr=1.0, drug_price=price, tot_rate=tot_rate)
    s = _settings()
    out = evaluate(structure, p, s, keep_trace=True)
    dm, n = s.cycle_months, s.n_cycles
    q = math.exp(-(a + tot_rate) * dm)
    k = np.arange(n + 1)
    assert_allclose(out.on_treatment[0, 0, 0], q**k, rtol=1e-12)
    days = price * s.cycle_length_days * (1 - q**n) / (1 - q)
    drug = out.cost_categories.index("drug")
    assert_allclose(out.costs_by_category_undiscounted[0, 0, drug], days, rtol=1e-12)
    # mean months on treatment, trapezoid rule like the life-years: Δm·(Σ_{k=0}^{n} q^k − (1 + q^n)/2)
    mean = dm * ((1 - q ** (n + 1)) / (1 - q) - (1 + q**n) / 2)
    assert_allclose(out.months_on_treatment_undiscounted[0, 0, 0], mean, rtol=1e-12)
    # … which tends to the continuous mean 1/(a + λ) of min(progression, discontinuation) for a weekly cycle
    assert abs(mean - 1 / (a + tot_rate)) < 0.01 / (a + tot_rate) + dm
    # the control arm receives no drug: NaN months, and no key in the contract
    assert np.isnan(out.months_on_treatment_undiscounted[0, 1, 0])
    assert out.mean_months()["ctl"]["on_treatment"] == {}
    assert set(out.mean_months()["trt"]["on_treatment"]) == {"drug"}


def test_discounted_drug_cost_closed_form():
    a, lam, r = 0.1, 0.05, 0.035
    structure, p = exponential_model(pfs_rate=a, hr=1.0, drug_price=10.0, tot_rate=lam)
    s = _settings(discount_rate_costs=r)
    out = evaluate(structure, p, s)
    q = math.exp(-(a + lam) * s.cycle_months)
    d = (1 + r) ** -s.cycle_years  # discount factor per cycle, at cycle starts
    n = s.n_cycles
    expected = 10.0 * s.cycle_length_days * (1 - (q * d) ** n) / (1 - q * d)
    assert_allclose(out.costs_by_category[0, 0, out.cost_categories.index("drug")], expected, rtol=1e-12)


def test_adverse_events_are_spread_over_time_on_treatment():
    """Undiscounted: incidence × cost and incidence × disutility × years, whatever the ToT.  Discounted: the share
    ToT_k/Σ ToT of the events falls in cycle k, so the factor is Σ (q·d)^k / Σ q^k = [(1 − (qd)^n)/(1 − qd)]·
    [(1 − q)/(1 − q^n)]."""
    a, lam, r = 0.1, 0.05, 0.035
    incidence, cost, dis, days = 0.08, 150.0, 0.15, 30.0
    structure, p = exponential_model(pfs_rate=a, hr=1.0, tot_rate=lam, adverse_event=(incidence, cost, dis, days))
    s = _settings(discount_rate_costs=r, discount_rate_outcomes=r)
    out = evaluate(structure, p, s)
    ae = out.cost_categories.index("adverse_events")
    years = days * s.cycle_years / s.cycle_length_days
    assert_allclose(out.costs_by_category_undiscounted[0, 0, ae], incidence * cost, rtol=1e-12)
    assert_allclose(out.qalys_by_state_undiscounted[0, 0, 2], -incidence * dis * years, rtol=1e-12)
    q = math.exp(-(a + lam) * s.cycle_months)
    d = (1 + r) ** -s.cycle_years
    n = s.n_cycles
    factor = (1 - (q * d) ** n) / (1 - q * d) * (1 - q) / (1 - q**n)
    assert 0.9 < factor < 1.0
    assert_allclose(out.costs_by_category[0, 0, ae], incidence * cost * factor, rtol=1e-12)
    assert_allclose(out.qalys_by_state[0, 0, 2], -incidence * dis * years * factor, rtol=1e-12)
    # longer time on treatment pushes the events later: more discounting, same undiscounted total
    slower = evaluate(structure, {**p, "tot_rate": np.array([0.0])}, s)
    assert slower.costs_by_category[0, 0, ae] < out.costs_by_category[0, 0, ae]
    assert_allclose(slower.costs_by_category_undiscounted[0, 0, ae], incidence * cost, rtol=1e-12)


@hsettings(max_examples=40, deadline=None)
@given(pfs=st.floats(0.01, 1.0), os_rate=st.floats(0.005, 0.2), lam=st.floats(0.0, 2.0), share=st.floats(0.0, 0.5),
       structure_kind=st.sampled_from(["markov", "psm"]), tracking=st.booleans())
def test_time_on_treatment_never_exceeds_pf(pfs, os_rate, lam, share, structure_kind, tracking):
    structure, p = exponential_model(pfs_rate=pfs, os_rate=os_rate, death_share=share, tot_rate=lam, qx=0.01)
    s = _settings(model_structure=structure_kind, pd_mortality="os_tracking" if tracking else "constant")
    out = evaluate(structure, p, s, keep_trace=True)
    on, pf = out.on_treatment[0, 0, 0], out.trace.pf[0, 0]
    assert np.all(on <= pf + 1e-15) and np.all(on >= 0)
    assert out.months_on_treatment_undiscounted[0, 0, 0] <= out.lys_by_state_undiscounted[0, 0, 0] * 12 + 1e-9


# ------------------------------------------------------------------ the shipped inputs
@pytest.fixture(scope="module")
def shipped():
    return load_inputs(INPUTS)


def _lam(median: float, log_scale: float, log_shape: float, hr: float) -> float:
    """λ with PF_Weibull(m)·exp(−λm) = 1/2: λ = (ln 2 − HR·(m/scale)^shape)/m."""
    return (math.log(2) - hr * (median / math.exp(log_scale)) ** math.exp(log_shape)) / median


def test_shipped_rates_reproduce_the_published_median_treatment_durations(shipped):
    """BALLET (Jerusalem 2016): median 5.1 months on everolimus, 5.3 months on exemestane; the 95% interval is
    widened to the real-world medians 4.3–7.3 months (second-line time to next treatment, Breast Cancer Res 2021)."""
    pv = shipped.parameter_value
    c = {k: pv(f"pfs_exe.{k}") for k in ("log_scale", "log_shape")}
    hr = pv("hr_pfs")
    for pid, median in (("tot_rate_everolimus", 5.1), ("tot_rate_exemestane_with_everolimus", 5.3)):
        assert pv(pid) == pytest.approx(_lam(median, c["log_scale"], c["log_shape"], hr), abs=5e-7)
        row = shipped.parameters[pid]
        assert row.ci_low == pytest.approx(_lam(7.3, c["log_scale"], c["log_shape"], hr), abs=5e-7)
        assert row.ci_high == pytest.approx(_lam(4.3, c["log_scale"], c["log_shape"], hr), abs=5e-7)
    real_world = {k: v for k, v in shipped_scenario_values("tot_realworld_after_et").items()}
    assert float(real_world["tot_rate_everolimus"]) == pytest.approx(_lam(6.2, c["log_scale"], c["log_shape"], hr), abs=5e-7)


def test_model_median_time_on_everolimus_is_the_published_median(shipped):
    from cea.analyses.base_case import run_base_case
    base = run_base_case(shipped)
    o = base.outcomes
    months = o.times_years * 12
    drugs = o.drugs
    j = o.arms.index("eve_exe")
    for drug, median in (("everolimus", 5.1), ("exemestane", 5.3)):
        on = o.on_treatment[0, j, drugs.index(drug)]
        k = int(np.argmax(on < 0.5))
        # log-linear interpolation between the two cycle points around 1/2 (PF also carries the small
        # general-population death floor, so the model median sits a little below the calibration target)
        t = months[k - 1] + (math.log(on[k - 1]) - math.log(0.5)) / (math.log(on[k - 1]) - math.log(on[k])) * (
            months[k] - months[k - 1])
        assert t == pytest.approx(median, abs=0.05)
    # ToT ≤ PF per drug; exemestane goes on when everolimus stops, so it is never below everolimus
    pf = o.trace.pf[0, j]
    assert np.all(o.on_treatment[0, j, drugs.index("everolimus")] <= o.on_treatment[0, j, drugs.index("exemestane")])
    assert np.all(o.on_treatment[0, j, drugs.index("exemestane")] <= pf)


def shipped_scenario_values(name: str) -> dict[str, str]:
    from cea.inputs.overrides import scenario_overrides
    return scenario_overrides(load_inputs(INPUTS))[name]


def test_days_dosed_is_derived_over_a_published_exposure_not_the_models_own_output(shipped):
    """eve_days_dosed = 1 − (705 interruptions × 7 days / 482 patients) / (BALLET median 5.1 months in days)
    = 0.934 (Rugo 2014, Jerusalem 2016): a published denominator, so it does not move with the model's ToT.
    The scenario with BOLERO-2's median PFS (7.8 months) as the exposure gives 0.957."""
    derived = 1 - (705 * 7 / 482) / (5.1 * 30.4375)
    assert derived == pytest.approx(0.93404, abs=1e-5)
    assert shipped.parameter_value("eve_days_dosed") == pytest.approx(derived, abs=5e-4)
    assert float(shipped_scenario_values("days_dosed_pfs_exposure")["eve_days_dosed"]) == pytest.approx(
        1 - (705 * 7 / 482) / (7.8 * 30.4375), abs=5e-4)
    # not the model's output: a shorter time on everolimus leaves it unchanged
    moved = apply_overrides(shipped, {"tot_rate_everolimus": "0.06"})
    assert moved.parameter_value("eve_days_dosed") == shipped.parameter_value("eve_days_dosed")


def test_treat_to_progression_scenario_pays_drugs_on_pf(shipped):
    rows = [r for r in shipped.scenarios if r.scenario == "tot_to_progression"]
    assert {r.target for r in rows} == {"tot_rate_everolimus", "tot_rate_exemestane_with_everolimus",
                                        "tot_rate_exemestane_with_placebo"}
    inputs = apply_overrides(shipped, {r.target: r.value for r in rows})
    from cea.analyses.base_case import run_base_case
    o = run_base_case(inputs).outcomes
    for j in range(len(o.arms)):
        for k in range(len(o.drugs)):
            if not np.isnan(o.on_treatment[0, j, k, 0]):
                assert_allclose(o.on_treatment[0, j, k], o.trace.pf[0, j], rtol=0, atol=0)


def test_every_drug_cost_must_be_paid_on_a_drug(tmp_path):
    folder = tmp_path / "inputs"
    shutil.copytree(INPUTS, folder, ignore=shutil.ignore_patterns("us", "tamrad"))
    text = (folder / "time_on_treatment.csv").read_text(encoding="utf-8")
    (folder / "time_on_treatment.csv").write_text(text.replace("everolimus_10mg everolimus_5mg", "everolimus_10mg"),
                                                  encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_inputs(folder)
    message = str(caught.value)
    assert "cost_items.csv" in message and "everolimus_5mg" in message and "paid on no drug" in message


def test_run_json_reports_mean_months_per_arm(tmp_path):
    from typer.testing import CliRunner
    from cea.cli import app
    result = CliRunner().invoke(app, ["run", "--json", "--inputs", str(INPUTS), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    eve, exe = data["arms"]["eve_exe"]["mean_months"], data["arms"]["exe"]["mean_months"]
    assert set(eve["on_treatment"]) == {"everolimus", "exemestane"}
    assert set(exe["on_treatment"]) == {"exemestane"}
    for arm, m in (("eve_exe", eve), ("exe", exe)):
        und = data["arms"][arm]["undiscounted"]
        assert m["pf"] == pytest.approx(und["lys_by_state"]["PF"] * 12, rel=1e-12)
        assert m["alive"] == pytest.approx(und["lys"] * 12, rel=1e-12)
        assert all(0 < v <= m["pf"] for v in m["on_treatment"].values())
    assert eve["on_treatment"]["everolimus"] < eve["on_treatment"]["exemestane"]


def test_adverse_events_at_start_setting_restores_the_one_off_convention():
    structure, p = exponential_model(pfs_rate=0.1, hr=1.0, tot_rate=0.05, adverse_event=(0.08, 150.0, 0.15, 30.0))
    s = _settings(discount_rate_costs=0.035, discount_rate_outcomes=0.035, adverse_event_timing="at_start")
    out = evaluate(structure, p, s)
    ae = out.cost_categories.index("adverse_events")
    assert out.costs_by_category[0, 0, ae] == pytest.approx(0.08 * 150.0, rel=1e-15)
    assert out.qalys_by_state[0, 0, 2] == out.qalys_by_state_undiscounted[0, 0, 2]
