"""Budget impact: yearly arithmetic by hand, the split of cycles into years, the price cut, the inputs and
the `cea bia` contract."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from cea.analyses.budget_impact import (costs_per_patient_by_year, run_budget_impact, world_costs, year_overlap)
from cea.cli import app
from cea.errors import InputError
from cea.inputs.budget_impact import BudgetImpactInputs, load_budget_impact
from cea.inputs.overrides import apply_overrides

runner = CliRunner()


# --------------------------------------------------------------------------- arithmetic by hand
def test_two_cohorts_two_years_by_hand():
    """Two arms, one category, two years.  Per patient: intervention 100 in its first year and 40 in its
    second; comparator 10 then 5.  Cohorts of 1,000 (year 1) and 1,200 (year 2); uptake 30% then 50%
    with the intervention, none without.

    With:    year 1 = 1000·(0.3·100 + 0.7·10) = 37,000
             year 2 = 1000·(0.3·40 + 0.7·5) + 1200·(0.5·100 + 0.5·10) = 15,500 + 66,000 = 81,500
    Without: year 1 = 1000·10 = 10,000;  year 2 = 1000·5 + 1200·10 = 17,000
    Net:     27,000 and 64,500."""
    per_patient = np.array([[[[100.0, 40.0]]], [[[10.0, 5.0]]]]).reshape(1, 2, 1, 2)
    eligible = np.array([[1000.0, 1200.0]])
    with_shares = np.array([[[0.3, 0.5], [0.7, 0.5]]])
    without_shares = np.array([[[0.0, 0.0], [1.0, 1.0]]])
    with_ = world_costs(per_patient, eligible, with_shares)[0, 0]
    without = world_costs(per_patient, eligible, without_shares)[0, 0]
    assert_allclose(with_, [37_000.0, 81_500.0], rtol=0, atol=1e-9)
    assert_allclose(without, [10_000.0, 17_000.0], rtol=0, atol=1e-9)
    assert_allclose(with_ - without, [27_000.0, 64_500.0], rtol=0, atol=1e-9)


def _loop_world(per_patient, eligible, shares):
    """Independent re-implementation: every cohort, every arm, every year, one at a time."""
    n_arms, n_cat, horizon = per_patient.shape
    out = np.zeros((n_cat, horizon))
    for y in range(horizon):
        for t in range(y, horizon):
            for a in range(n_arms):
                out[:, t] += eligible[y] * shares[a, y] * per_patient[a, :, t - y]
    return out


def test_world_costs_equal_a_plain_loop_for_random_cases():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n_arms, n_cat, horizon = rng.integers(2, 4), rng.integers(1, 5), rng.integers(1, 8)
        per_patient = rng.random((n_arms, n_cat, horizon)) * 1000
        eligible = rng.random(horizon) * 2000
        shares = rng.dirichlet(np.ones(n_arms), size=horizon).T
        got = world_costs(per_patient[None], eligible[None], shares[None])[0]
        assert_allclose(got, _loop_world(per_patient, eligible, shares), rtol=1e-12)


def test_cycles_are_split_between_years_by_time():
    """Weekly cycles: cycle 52 runs from day 364 to 371 and year 1 ends at day 365.25, so 1.25 of its
    7 days are in year 1 and 5.75 in year 2; every cycle is shared out whole."""
    times = np.arange(0, 160) * 7 / 365.25
    overlap = year_overlap(times, 3)
    assert_allclose(overlap[52], [1.25 / 7, 5.75 / 7, 0.0], rtol=1e-12)
    assert_allclose(overlap[:52], np.tile([1.0, 0.0, 0.0], (52, 1)))
    inside = times[1:] <= 3.0
    assert_allclose(overlap[inside].sum(axis=1), 1.0, rtol=1e-12)
    costs = np.ones(159)  # one unit per cycle: a year holds 365.25 / 7 cycles' worth
    assert_allclose(costs_per_patient_by_year(costs, times, 3), [365.25 / 7] * 3, rtol=1e-12)


# --------------------------------------------------------------------------- the model's costs
def _two_year_bia(uptake=(0.3, 0.5), eligible=(1000.0, 1200.0)):
    return BudgetImpactInputs(eligible_given={1: eligible[0], 2: eligible[1]}, incidence_growth=0.0,
                              prevalent_patients=0.0, uptake_with=uptake, uptake_without=(0.0, 0.0))


def test_yearly_costs_from_the_engine_traces_by_hand(shipped_inputs):
    """Two cohorts over two years on the real model: per-patient yearly costs summed from the engine's
    per-cycle costs with a day-by-day split written here, then the cohorts added by hand."""
    from cea.engine.model import evaluate
    from cea.parameters.parameter_set import point_estimates

    result = run_budget_impact(shipped_inputs, bia=_two_year_bia(), sensitivity=False)
    out = evaluate(shipped_inputs.structure, point_estimates(shipped_inputs).values, shipped_inputs.settings,
                   keep_cycle_costs=True)
    cycles = out.costs_by_cycle_undiscounted[0].sum(axis=1)  # (A, T) all categories
    days = shipped_inputs.settings.cycle_length_days
    year_days = shipped_inputs.settings.days_per_year
    per_year = np.zeros((2, 2))
    for k in range(cycles.shape[1]):
        start, end = k * days, (k + 1) * days
        for j in range(2):
            inside = max(0.0, min(end, (j + 1) * year_days) - max(start, j * year_days))
            per_year[:, j] += cycles[:, k] * inside / days
    eve, exe = out.arms.index("eve_exe"), out.arms.index("exe")
    with_1 = 1000 * (0.3 * per_year[eve, 0] + 0.7 * per_year[exe, 0])
    with_2 = 1000 * (0.3 * per_year[eve, 1] + 0.7 * per_year[exe, 1]) + 1200 * (0.5 * per_year[eve, 0] + 0.5 * per_year[exe, 0])
    without_1, without_2 = 1000 * per_year[exe, 0], 1000 * per_year[exe, 1] + 1200 * per_year[exe, 0]
    assert_allclose(result.costs_with.sum(axis=0), [with_1, with_2], rtol=1e-12)
    assert_allclose(result.costs_without.sum(axis=0), [without_1, without_2], rtol=1e-12)
    assert_allclose(result.net, [with_1 - without_1, with_2 - without_2], rtol=1e-12)
    assert_allclose(result.treated, [300.0, 600.0])
    assert_allclose(result.eligible, [1000.0, 1200.0])


def test_costs_are_undiscounted(shipped_inputs):
    """Discounting is for the CEA; a budget is cash: the discount rate must not move the budget impact."""
    bia = _two_year_bia()
    base = run_budget_impact(shipped_inputs, bia=bia, sensitivity=False)
    other = run_budget_impact(apply_overrides(shipped_inputs, {"discount_rate_costs": 0.06}), bia=bia, sensitivity=False)
    assert_allclose(other.costs_with, base.costs_with, rtol=1e-13)


def test_a_price_cut_lowers_the_net_impact_by_the_everolimus_drug_cost(shipped_inputs):
    """Net(d) = Net(0) − d · (everolimus acquisition costs with − without).  The everolimus cost per
    patient-year is computed here from the trace: time on everolimus PF(t)·exp(−λ·t) × days × daily cost."""
    from cea.engine.model import evaluate
    from cea.parameters.parameter_set import point_estimates

    bia = _two_year_bia()
    list_price = run_budget_impact(shipped_inputs, bia=bia, sensitivity=False)
    half = run_budget_impact(shipped_inputs, 0.5, bia=bia, sensitivity=False)
    out = evaluate(shipped_inputs.structure, point_estimates(shipped_inputs).values, shipped_inputs.settings,
                   keep_trace=True)
    v = lambda pid: shipped_inputs.parameters[pid].value  # noqa: E731
    daily = v("eve_days_dosed") * (v("eve_pack_price_10mg") * v("eve_share_10mg")
                                   + v("eve_pack_price_5mg") * v("eve_share_5mg")) / v("eve_tablets_per_pack")
    pf = out.trace.pf[0, out.arms.index("eve_exe")] * np.exp(-v("tot_rate_everolimus") * out.times_years * 12)
    days, year_days = shipped_inputs.settings.cycle_length_days, shipped_inputs.settings.days_per_year
    eve_year = np.zeros(2)
    for k in range(len(pf) - 1):
        for j in range(2):
            inside = max(0.0, min((k + 1) * days, (j + 1) * year_days) - max(k * days, j * year_days))
            eve_year[j] += pf[k] * days * daily * inside / days
    eve_cost = np.array([1000 * 0.3 * eve_year[0], 1000 * 0.3 * eve_year[1] + 1200 * 0.5 * eve_year[0]])
    assert_allclose(list_price.net - half.net, 0.5 * eve_cost, rtol=1e-10)
    assert (half.net < list_price.net).all()
    assert_allclose(half.costs_without, list_price.costs_without, rtol=1e-13)  # nobody on everolimus without it
    deep = run_budget_impact(shipped_inputs, 0.9, bia=bia, sensitivity=False)
    assert_allclose(list_price.net - deep.net, 0.9 * eve_cost, rtol=1e-10)
    assert half.price_discount == 0.5 and list_price.price_discount == 0.0


def test_prevalent_patients_and_growth(shipped_inputs):
    bia = BudgetImpactInputs(eligible_given={1: 1000.0, 3: 500.0}, incidence_growth=0.1, prevalent_patients=200.0,
                             uptake_with=(0.5,) * 4, uptake_without=(0.0,) * 4)
    assert_allclose(bia.eligible(), [1200.0, 1100.0, 500.0, 550.0])


def test_shipped_five_year_table_and_one_way(shipped_inputs):
    result = run_budget_impact(shipped_inputs)
    table = result.table()
    assert list(table["year"]) == ["1", "2", "3", "4", "5", "Total"]
    bia = load_budget_impact(shipped_inputs.folder)
    assert_allclose(table["eligible"][:5], bia.eligible())
    assert_allclose(table["treated"][:5], np.asarray(bia.eligible()) * np.asarray(bia.uptake_with))
    assert_allclose(table["net"].iloc[-1], result.total_net)
    assert_allclose(table["costs_with"][:5] - table["costs_without"][:5], table["net"][:5], rtol=1e-12)
    ow = result.one_way
    assert_allclose(ow["base_net"], result.total_net, rtol=1e-12)
    eligible = ow.set_index("driver").loc["eligible_patients"]
    # the net impact is proportional to the eligible population (no growth, no prevalent patients)
    assert_allclose(eligible["net_low"], result.total_net * 750 / 1500, rtol=1e-12)
    assert_allclose(eligible["net_high"], result.total_net * 3000 / 1500, rtol=1e-12)
    # and linear in uptake: ×0.5 and ×1.5 of every year's uptake
    uptake = ow.set_index("driver").loc["uptake_with"]
    assert_allclose([uptake["net_low"], uptake["net_high"]], [result.total_net * 0.5, result.total_net * 1.5], rtol=1e-12)
    assert {"eve_pack_price_10mg", "hr_pfs"} <= set(ow["driver"])


def test_budget_horizon_beyond_the_model_horizon_is_an_input_error(shipped_inputs):
    short = apply_overrides(shipped_inputs, {"horizon_years": 3})
    with pytest.raises(InputError, match="budget impact covers 5 years but the model horizon is 3"):
        run_budget_impact(short, sensitivity=False)


# --------------------------------------------------------------------------- inputs and CLI
def test_json_contract(tmp_path):
    result = runner.invoke(app, ["bia", "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"years", "total_net", "shares", "manifest"}
    # each arm's share of each year's cohort in the two worlds: with two arms, the comparator has the rest
    assert set(document["shares"]) == {"eve_exe", "exe"}
    for world in ("with", "without"):
        assert [a + b for a, b in zip(document["shares"]["eve_exe"][world], document["shares"]["exe"][world])] \
            == pytest.approx([1.0] * 5, abs=1e-15)
    assert [set(y) for y in document["years"]] == [{"year", "eligible", "treated", "costs_with", "costs_without", "net"}] * 5
    assert [y["year"] for y in document["years"]] == [1, 2, 3, 4, 5]
    assert document["total_net"] == pytest.approx(sum(y["net"] for y in document["years"]), rel=1e-12)
    for y in document["years"]:
        assert y["net"] == pytest.approx(y["costs_with"] - y["costs_without"], rel=1e-12)
    assert document["manifest"]["inputs_sha256"]
    files = {p.name for p in (tmp_path / "out" / "budget_impact").iterdir()}
    assert {"budget_impact.csv", "budget_impact.json", "budget_impact.png", "budget_impact_one_way.csv",
            "budget_impact_tornado.png", "budget_impact_by_category.csv", "manifest.json"} <= files


def test_pas_discount_matches_the_library(tmp_path, shipped_inputs):
    result = runner.invoke(app, ["bia", "--out", str(tmp_path / "out"), "--json", "--set", "pas_discount=0.5"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    expected = run_budget_impact(shipped_inputs, 0.5, sensitivity=False)
    assert document["total_net"] == pytest.approx(expected.total_net, rel=1e-12)
    assert document["manifest"]["settings"]["pas_discount"] == 0.5
    list_price = (tmp_path / "out" / "budget_impact" / "budget_impact_list_price.csv").read_text()
    assert f"{run_budget_impact(shipped_inputs, sensitivity=False).total_net:.10g}" in list_price
    bad = runner.invoke(app, ["bia", "--out", str(tmp_path / "out"), "--set", "pas_discount=1.5"])
    assert bad.exit_code == 2 and "pas_discount" in bad.output


@pytest.mark.parametrize("line, column, value, message", [
    (5, "value", "1.5", "outside the allowed range"),
    (5, "value", "30%", "write proportions as decimals"),
    (2, "value", "-10", "outside the allowed range"),
    (6, "year", "two", "not a whole number"),
    (6, "year", "1", "duplicated row"),
    (3, "year", "2", "leave year blank"),
    (2, "source", "", "blank source"),
    (2, "quantity", "eligible", "unknown quantity"),
    (5, "low", "0.5", "low <= value <= high"),
], ids=lambda x: str(x))
def test_bad_rows_exit_2_naming_file_row_and_column(inputs_copy, tmp_path, line, column, value, message):
    import csv
    import io

    path = inputs_copy / "budget_impact.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[line - 1][rows[0].index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    out = tmp_path / "out"
    for command in (["bia"], ["run"]):  # a bad row fails every command, like every input
        result = runner.invoke(app, [*command, "--inputs", str(inputs_copy), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert f"budget_impact.csv:{line}" in result.output and f"column '{column}'" in result.output, result.output
        assert message in result.output
    assert not (out / "budget_impact").exists()


def test_missing_year_and_missing_rows(inputs_copy, tmp_path):
    path = inputs_copy / "budget_impact.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [x for x in lines if not x.startswith("uptake_without,3") and not x.startswith("incidence_growth")]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["bia", "--inputs", str(inputs_copy), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "'uptake_without' must have one row for each year 1..5" in result.output
    assert "missing the 'incidence_growth' row" in result.output


def test_input_sets_without_a_budget_impact(tmp_path):
    result = runner.invoke(app, ["bia", "--inputs", "inputs/us", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "budget_impact.csv" in result.output and "no budget" in result.output


def test_earlier_outputs_survive_a_bad_run(inputs_copy, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["bia", "--out", str(out)]).exit_code == 0
    before = (out / "budget_impact" / "budget_impact.csv").read_bytes()
    (inputs_copy / "budget_impact.csv").write_text("quantity,year,value,source\nuptake_with,1,2,x\n", encoding="utf-8")
    assert runner.invoke(app, ["bia", "--inputs", str(inputs_copy), "--out", str(out)]).exit_code == 2
    assert (out / "budget_impact" / "budget_impact.csv").read_bytes() == before
