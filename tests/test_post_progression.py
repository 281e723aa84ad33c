"""Post-progression mortality: the implied PD death hazard and hazard ratio recomputed from the trace occupancy
alone, the pooled calibration, and the structural-alternatives table (NICE DSU TSD19)."""

from __future__ import annotations

import csv
import io
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.post_progression import (calibrate_pooled_pd_rate, implied_pd_hazard, implied_post_progression_hr,
                                           pooled_mean_survival, pooling_weights)
from cea.analyses.structures import compare_structures
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def shipped():
    return load_inputs(INPUTS)


@pytest.fixture(scope="module")
def base(shipped):
    return run_base_case(shipped)


def _hazard_from_occupancy(result, arm: str) -> float:
    """Independent re-computation: PD deaths D_k = PD_{k−1} + new progressions_k − PD_k from the occupancy,
    h_k = −ln(1 − D_k/PD_{k−1})/Δ, weighted by PD_{k−1}."""
    j = result.outcomes.arms.index(arm)
    tr = result.outcomes.trace
    pd_ = tr.pd[0, j]
    pf = tr.pf[0, j]
    dead = tr.dead[0, j]
    deaths_pd = pd_[:-1] + tr.new_progressions[0, j] - pd_[1:]  # PD balance; p_pd_death is not used
    assert np.allclose(pf[:-1] - pf[1:] + pd_[:-1] - pd_[1:], dead[1:] - dead[:-1], atol=1e-15)
    occupied = pd_[:-1] > 0
    ratio = np.where(occupied, deaths_pd / np.where(occupied, pd_[:-1], 1.0), 0.0)
    h = -np.log1p(-np.clip(ratio, 0, 1 - 1e-15)) / result.settings.cycle_months
    return float(np.sum(h * pd_[:-1]) / np.sum(pd_[:-1]))


def test_implied_post_progression_hazard_ratio_matches_an_independent_computation(base):
    h_eve, h_exe = _hazard_from_occupancy(base, "eve_exe"), _hazard_from_occupancy(base, "exe")
    assert implied_pd_hazard(base, "eve_exe") == pytest.approx(h_eve, rel=1e-9)
    assert implied_pd_hazard(base, "exe") == pytest.approx(h_exe, rel=1e-9)
    hr = implied_post_progression_hr(base)
    assert hr["overall"] == pytest.approx(h_eve / h_exe, rel=1e-9)
    # tracking OS with HR 0.90 while PFS has HR 0.45 makes post-progression mortality higher on everolimus
    assert 1.05 < hr["overall"] < 1.5
    assert all(np.isfinite(hr[k]) for k in ("years_0_1", "years_1_2", "years_2_3", "years_3_5"))


def test_constant_pd_mortality_implies_its_own_rate_and_a_unit_ratio(shipped):
    rate = shipped.parameter_value("pd_death_rate")
    result = run_base_case(apply_overrides(shipped, {"pd_mortality": "constant"}))
    for arm in ("eve_exe", "exe"):
        # p = 1 − exp(−r·Δ) each cycle, so h = r exactly wherever the general-population floor does not bind
        assert implied_pd_hazard(result, arm, (0.0, 60.0)) == pytest.approx(rate, rel=1e-12)
    assert implied_post_progression_hr(result)["years_0_1"] == pytest.approx(1.0, rel=1e-12)


def test_pooled_calibration_reproduces_the_pooled_survival(shipped, base):
    weights, _ = pooling_weights(shipped)
    rate = calibrate_pooled_pd_rate(shipped, weights)
    assert shipped.parameter_value("pd_death_rate_pooled") == pytest.approx(rate, rel=1e-3), (
        "re-run `cea structures` and update pd_death_rate_pooled in parameters.csv")
    equal = apply_overrides(shipped, {"pd_mortality": "constant", "pd_death_rate": rate})
    assert pooled_mean_survival(run_base_case(equal), weights) == pytest.approx(pooled_mean_survival(base, weights),
                                                                               rel=1e-9)
    # the scenario uses the shipped value for both arms
    rows = {r.target: r.value for r in shipped.scenarios if r.scenario == "pd_mortality_equal_pooled"}
    assert rows == {"pd_mortality": "constant", "arm.eve_exe.pd_death_rate": "pd_death_rate_pooled",
                    "arm.exe.pd_death_rate": "pd_death_rate_pooled"}


def test_structures_table_puts_the_alternatives_side_by_side(shipped, base):
    table = compare_structures(shipped).set_index("key")
    assert list(table.index) == ["markov_os_tracking", "psm", "markov_pd_equal_pooled", "markov_pd_constant",
                                 "psm_minus_markov"]
    assert table.loc["markov_os_tracking", "role"] == "base case"
    assert table.loc["markov_os_tracking", "icer"] == pytest.approx(base.incremental()["icer"], rel=1e-12)
    assert table.loc["markov_os_tracking", "implied_pp_hr"] == pytest.approx(
        implied_post_progression_hr(base)["overall"], rel=1e-12)
    assert table.loc["markov_pd_equal_pooled", "implied_pp_hr"] == pytest.approx(1.0, abs=1e-3)
    assert ("weighted by the patients randomised: Everolimus + exemestane 485, Placebo + exemestane 239"
            in table.loc["markov_pd_equal_pooled", "structure"])
    # the partitioned-survival model follows the same OS curves: nearly the same result
    assert abs(table.loc["psm_minus_markov", "inc_lys"]) < 1e-3
    # equal PD mortality turns the whole PFS gain into an OS gain far above the trial's
    assert table.loc["markov_pd_equal_pooled", "inc_lys"] > 2 * table.loc["markov_os_tracking", "inc_lys"]
    assert not math.isnan(table.loc["markov_pd_equal_pooled", "icer"])


# the calibrated pooled rate with the shipped inputs before the weights moved from the code into arms.csv
POOLED_RATE_BEFORE = 0.03598076111566301


def test_the_weights_are_the_patients_randomised_in_arms_csv(shipped):
    weights, weighting = pooling_weights(shipped)
    assert weights == {"eve_exe": 485.0, "exe": 239.0}  # BOLERO-2 (Baselga 2012)
    assert weighting == "weighted by the patients randomised: Everolimus + exemestane 485, Placebo + exemestane 239"
    assert calibrate_pooled_pd_rate(shipped, weights) == pytest.approx(POOLED_RATE_BEFORE, rel=1e-12)


def _copy_with_arm_column(tmp_path, edit) -> Path:
    """A copy of the shipped inputs whose arms.csv rows (dicts) are changed by ``edit``."""
    target = tmp_path / "inputs"
    shutil.copytree(INPUTS, target, ignore=shutil.ignore_patterns("us", "tamrad", "post_cdk46"))
    path = target / "arms.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        edit(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return target


def test_a_blank_n_randomised_weights_the_arms_equally(tmp_path, base):
    folder = _copy_with_arm_column(tmp_path, lambda row: row.update(n_randomised="", n_randomised_source=""))
    inputs = load_inputs(folder)
    weights, weighting = pooling_weights(inputs)
    assert weights == {"eve_exe": 1.0, "exe": 1.0}
    assert weighting == "the arms weighted equally, the numbers randomised not being given"
    lys = {a: base.arm_summary(a)["undiscounted"]["lys"] for a in ("eve_exe", "exe")}
    assert pooled_mean_survival(base, weights) == pytest.approx((lys["eve_exe"] + lys["exe"]) / 2, rel=1e-12)
    trial = pooled_mean_survival(base, {"eve_exe": 485.0, "exe": 239.0})
    assert trial == pytest.approx((485 * lys["eve_exe"] + 239 * lys["exe"]) / 724, rel=1e-12)
    # one arm blank is enough for equal weights, and the row of the table says so
    folder = _copy_with_arm_column(tmp_path / "one", lambda row: row.update(
        n_randomised="" if row["arm"] == "exe" else row["n_randomised"]))
    weights, weighting = pooling_weights(load_inputs(folder))
    assert weights == {"eve_exe": 1.0, "exe": 1.0} and weighting == "the arms weighted equally, the numbers randomised not being given"


def test_a_column_absent_is_blank(tmp_path):
    target = tmp_path / "inputs"
    shutil.copytree(INPUTS, target, ignore=shutil.ignore_patterns("us", "tamrad", "post_cdk46"))
    path = target / "arms.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:-2] for r in rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    assert pooling_weights(load_inputs(target))[0] == {"eve_exe": 1.0, "exe": 1.0}


@pytest.mark.parametrize("value,message", [
    ("-5", "n_randomised must be a positive number"),
    ("0", "n_randomised must be a positive number"),
    ("many", "'many' is not a number"),
    ("inf", "is not a finite number"),
])
def test_a_bad_n_randomised_names_file_row_and_column(tmp_path, value, message):
    folder = _copy_with_arm_column(tmp_path, lambda row: row.update(
        n_randomised=value if row["arm"] == "exe" else row["n_randomised"]))
    with pytest.raises(InputError) as caught:
        load_inputs(folder)
    problems = [p for p in caught.value.problems if p.column == "n_randomised"]
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.row, p.column, p.parameter) == ("arms.csv", 3, "n_randomised", "exe")
    assert message in p.message
    assert "arms.csv:3: parameter 'exe', column 'n_randomised'" in str(caught.value)


def test_n_randomised_needs_its_source(tmp_path):
    folder = _copy_with_arm_column(tmp_path, lambda row: row.update(n_randomised_source=""))
    with pytest.raises(InputError) as caught:
        load_inputs(folder)
    assert {(p.file, p.row, p.column) for p in caught.value.problems} == {
        ("arms.csv", 2, "n_randomised_source"), ("arms.csv", 3, "n_randomised_source")}


def test_an_override_of_n_randomised_is_checked_and_used(shipped):
    changed = apply_overrides(shipped, {"arm.exe.n_randomised": "485"})
    assert pooling_weights(changed)[0] == {"eve_exe": 485.0, "exe": 485.0}
    assert pooling_weights(apply_overrides(shipped, {"arm.exe.n_randomised": "none"}))[0] == {"eve_exe": 1.0,
                                                                                              "exe": 1.0}
    for bad in ("-5", "text"):
        with pytest.raises(InputError, match="arm.exe.n_randomised"):
            apply_overrides(shipped, {"arm.exe.n_randomised": bad})


@pytest.mark.parametrize("folder,weights", [
    ("us", {"eve_exe": 485.0, "exe": 239.0}),  # BOLERO-2 (Baselga 2012)
    ("tamrad", {"eve_tam": 54.0, "tam": 57.0}),  # TamRAD (Bachelot 2012)
    ("post_cdk46", {"eve_exe": 1.0, "ful": 1.0}),  # no one trial randomised these arms against each other
])
def test_every_input_set_states_its_weights(folder, weights):
    assert pooling_weights(load_inputs(INPUTS / folder))[0] == weights
