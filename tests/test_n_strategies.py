"""Every strategy at once (issue 24): the four-arm fixture (tests/fixtures/four_arms, built by
tests/fixtures/build_four_arms.py: two invented arms, fixture not evidence) through every command, the
frontier checked against an independent re-implementation, the comparator options, budget impact shares over
N arms and the inputs checks that every arm is fully specified."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case
from cea.analyses.budget_impact import costs_per_patient_by_year, run_budget_impact
from cea.analyses.strategies import ENTRY_FIELDS, incremental_table
from cea.cli import app
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs

ROOT = Path(__file__).resolve().parents[1]
FOUR = ROOT / "tests" / "fixtures" / "four_arms"
DESIGNED = {"exe": "reference", "fx_dominated": "dominated", "fx_extended": "extendedly dominated",
            "eve_exe": "non-dominated"}
runner = CliRunner()


@pytest.fixture(scope="module")
def four_inputs():
    return load_inputs(FOUR)


@pytest.fixture(scope="module")
def four_result(four_inputs):
    return run_base_case(four_inputs)


@pytest.fixture
def four_copy(tmp_path):
    target = tmp_path / "four_arms"
    shutil.copytree(FOUR, target)
    return target


def _frontier_by_hand(costs: dict[str, float], qalys: dict[str, float]) -> dict[str, str]:
    """An independent frontier: the lower-right convex hull of (QALYs, costs) by gift wrapping from the cheapest
    strategy (the most QALYs among the cheapest), taking at each step the next point with the smallest slope
    ΔC/ΔE > 0; a strategy off the hull is "dominated" when another costs no more and gives no fewer QALYs,
    else "extendedly dominated"."""
    arms = list(costs)
    start = min(arms, key=lambda a: (costs[a], -qalys[a]))
    hull, current = [start], start
    while True:
        ahead = [a for a in arms if qalys[a] > qalys[current] and costs[a] > costs[current]]
        if not ahead:
            break
        current = min(ahead, key=lambda a: ((costs[a] - costs[current]) / (qalys[a] - qalys[current]), costs[a]))
        hull.append(current)
    out = {}
    for a in arms:
        if a == start:
            out[a] = "reference"
        elif a in hull:
            out[a] = "non-dominated"
        elif any(b != a and costs[b] <= costs[a] and qalys[b] >= qalys[a] for b in arms):
            out[a] = "dominated"
        else:
            out[a] = "extendedly dominated"
    return out


def test_the_fixture_frontier_is_the_designed_one_by_hand(four_result):
    o = four_result.outcomes
    costs = {a: float(o.costs[0, j]) for j, a in enumerate(o.arms)}
    qalys = {a: float(o.qalys[0, j]) for j, a in enumerate(o.arms)}
    assert _frontier_by_hand(costs, qalys) == DESIGNED
    entries = four_result.incremental_analysis()
    assert {e["arm"]: e["status"] for e in entries} == DESIGNED
    assert [e["arm"] for e in entries] == sorted(costs, key=costs.get)
    # the designed geometry: fx_dominated dearer than exe with fewer QALYs; fx_extended between exe and eve_exe in
    # cost, with an ICER against exe above that of eve_exe against fx_extended
    assert costs["fx_dominated"] > costs["exe"] and qalys["fx_dominated"] < qalys["exe"]
    icer_ext = (costs["fx_extended"] - costs["exe"]) / (qalys["fx_extended"] - qalys["exe"])
    icer_next = (costs["eve_exe"] - costs["fx_extended"]) / (qalys["eve_exe"] - qalys["fx_extended"])
    assert icer_ext > icer_next > 0
    eve = next(e for e in entries if e["arm"] == "eve_exe")
    assert eve["compared_with"] == "exe"
    assert eve["icer"] == pytest.approx((costs["eve_exe"] - costs["exe"]) / (qalys["eve_exe"] - qalys["exe"]),
                                        rel=1e-12)
    assert eve["icer"] == pytest.approx(four_result.incremental()["icer"], rel=1e-12)  # the pair of the settings
    for e in entries:
        for w, nmb in e["nmb"].items():
            assert nmb == pytest.approx(float(w) * qalys[e["arm"]] - costs[e["arm"]], rel=1e-12)
        if e["status"] not in ("non-dominated",):
            assert e["compared_with"] is None and e["icer"] is None and e["inc_costs"] is None


def test_incremental_table_is_the_entries(four_result, four_inputs):
    frame = incremental_table(four_result)
    entries = four_result.incremental_analysis()
    assert list(frame.columns) == [f for f in ENTRY_FIELDS if f != "nmb"] + ["nmb_20000", "nmb_30000"]
    assert list(frame.arm) == [e["arm"] for e in entries]
    assert list(frame.status) == [e["status"] for e in entries]
    assert list(incremental_table(four_result, [50_000]).columns)[-1] == "nmb_50000"


def test_cea_run_on_four_arms_prints_and_writes_the_frontier(tmp_path, four_result):
    done = runner.invoke(app, ["run", "--inputs", str(FOUR), "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert "Fully incremental analysis" in done.output
    for arm, status in DESIGNED.items():
        assert any(line.startswith(arm) and status in line for line in done.output.splitlines()), (arm, status)
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [e["status"] for e in document["incremental_analysis"]] == \
        [e["status"] for e in four_result.incremental_analysis()]
    assert document["incremental"]["intervention"] == "eve_exe" and document["incremental"]["comparator"] == "exe"
    assert set(document["incremental_analysis"][0]) == set(ENTRY_FIELDS)


@pytest.mark.parametrize("command", ["dsa", "scenarios", "threshold", "psa", "bia"])
@pytest.mark.parametrize("option", ["--comparator", "--intervention"])
def test_an_unknown_arm_is_refused_with_exit_code_2(tmp_path, command, option):
    done = runner.invoke(app, [command, "--inputs", str(FOUR), "--out", str(tmp_path / "out"), option, "nope"])
    assert done.exit_code == 2
    assert f"{option}: unknown arm 'nope'" in done.output and "fx_extended" in done.output


def test_dsa_against_a_chosen_comparator(tmp_path, four_result):
    done = runner.invoke(app, ["dsa", "--inputs", str(FOUR), "--out", str(tmp_path / "out"),
                               "--comparator", "fx_extended", "--json"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    o = four_result.outcomes
    i, c = o.arms.index("eve_exe"), o.arms.index("fx_extended")
    assert document["comparator"] == "fx_extended"
    assert document["base_inmb"] == pytest.approx(30_000 * (o.qalys[0, i] - o.qalys[0, c]) - (o.costs[0, i] - o.costs[0, c]),
                                                  rel=1e-9)


def test_scenarios_name_the_strategy_with_the_largest_net_benefit(tmp_path):
    done = runner.invoke(app, ["scenarios", "--inputs", str(FOUR), "--out", str(tmp_path / "out"), "--json"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    for row in document["scenarios"]:
        entries = document["incremental_analysis"][row["scenario"]]
        assert len(entries) == 4
        for w in ("20000", "30000"):
            best = max(entries, key=lambda e: e["nmb"][w])
            assert row[f"nmb_max_{w}"] == best["arm"]
    base = document["incremental_analysis"]["base_case"]
    assert {e["arm"]: e["status"] for e in base} == DESIGNED
    header = next(csv.reader(open(tmp_path / "out" / "scenarios" / "scenarios.csv")))
    assert header[-2:] == ["nmb_max_20000", "nmb_max_30000"]


def test_threshold_against_a_chosen_comparator(tmp_path):
    done = runner.invoke(app, ["threshold", "--inputs", str(FOUR), "--out", str(tmp_path / "out"),
                               "--intervention", "fx_extended", "--parameter", "fx_extended_drug_cost_month", "--json"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert (document["intervention"], document["comparator"]) == ("fx_extended", "exe")
    for row in document["thresholds"]:
        assert row["threshold_value"] < 1500 and abs(row["inmb_at_threshold"]) < 1e-6


def test_psa_and_voi_over_every_arm(tmp_path):
    done = runner.invoke(app, ["psa", "--inputs", str(FOUR), "--out", str(tmp_path / "out"), "--iterations", "40",
                               "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    means = summary["mean"]
    by_hand = _frontier_by_hand({a: m["costs"] for a, m in means.items()}, {a: m["qalys"] for a, m in means.items()})
    assert {e["arm"]: e["status"] for e in summary["incremental_analysis"]} == by_hand
    for w, chosen in summary["ceaf"].items():
        expected = max(means, key=lambda a: float(w) * means[a]["qalys"] - means[a]["costs"])
        assert chosen["strategy"] == expected
        assert chosen["probability"] == summary["prob_cost_effective"][w][expected]
    folder = tmp_path / "out" / "psa"
    header = next(csv.reader(open(folder / "ceac.csv")))
    assert header == ["wtp", "eve_exe", "exe", "fx_dominated", "fx_extended", "ceaf_probability", "ceaf_strategy"]
    assert (folder / "ce_plane_strategies.png").stat().st_size > 0
    text = runner.invoke(app, ["psa", "--inputs", str(FOUR), "--out", str(tmp_path / "out2"), "--iterations", "20"])
    assert "Fully incremental probabilistic analysis" in text.output and "Frontier (CEAF)" in text.output
    voi = runner.invoke(app, ["voi", "--inputs", str(FOUR), "--out", str(tmp_path / "out"), "--iterations", "40"])
    assert voi.exit_code == 0, voi.output
    document = json.loads((tmp_path / "out" / "voi" / "voi.json").read_text())
    assert document["strategies"] == ["eve_exe", "exe", "fx_dominated", "fx_extended"]


def test_budget_impact_over_four_arms_by_hand(four_inputs):
    """Shares (fixture): without eve_exe, exe 0.7, fx_dominated 0.2, fx_extended 0.1 of everyone (uptake_without 0);
    with it, eve_exe has u_y and each other arm loses u_y·d_a (d = 0.75, 0.2, 0.05).  The net budget impact by hand:
    Σ_t Σ_{y≤t} N_y Σ_a (s_with − s_without)_{a,y} P_a(t − y)."""
    result = run_budget_impact(four_inputs, sensitivity=False)
    base = run_base_case(four_inputs).outcomes
    per_patient = costs_per_patient_by_year(base.costs_by_cycle_undiscounted, base.times_years, 5)[0].sum(axis=1)
    u = [0.30, 0.45, 0.55, 0.60, 0.60]
    market, displaced = {"exe": 0.7, "fx_dominated": 0.2, "fx_extended": 0.1}, \
        {"exe": 0.75, "fx_dominated": 0.2, "fx_extended": 0.05}
    net = 0.0
    for y in range(5):
        change = {"eve_exe": u[y], **{a: -u[y] * displaced[a] for a in market}}
        for t in range(y, 5):
            net += 1500 * sum(change[a] * per_patient[base.arms.index(a), t - y] for a in change)
    assert result.total_net == pytest.approx(net, rel=1e-12)
    shares = result.to_dict()["shares"]
    assert shares["fx_extended"]["without"] == pytest.approx([0.1] * 5)
    assert shares["exe"]["with"][0] == pytest.approx(0.7 - 0.3 * 0.75)


def _rewrite_budget(folder: Path, keep) -> None:
    path = folder / "budget_impact.csv"
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    header = list(rows[0])
    rows = [r for r in rows if keep(r)]
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_missing_market_share_of_a_third_arm_is_an_error(tmp_path, four_copy):
    _rewrite_budget(four_copy, lambda r: not (r["quantity"] == "market_share_without" and r["arm"] == "fx_extended"))
    done = runner.invoke(app, ["bia", "--inputs", str(four_copy), "--out", str(tmp_path / "out")])
    assert done.exit_code == 2
    assert "budget_impact.csv" in done.output and "market_share_without" in done.output
    assert "fx_extended" in done.output


def test_no_shares_at_all_with_four_arms_is_an_error_not_a_two_arm_analysis(tmp_path, four_copy):
    _rewrite_budget(four_copy, lambda r: r["quantity"] not in ("market_share_without", "displaced_share"))
    done = runner.invoke(app, ["bia", "--inputs", str(four_copy), "--out", str(tmp_path / "out")])
    assert done.exit_code == 2
    assert "['exe', 'fx_dominated', 'fx_extended']" in done.output


def test_displaced_shares_default_to_the_market_shares(four_copy, four_inputs):
    _rewrite_budget(four_copy, lambda r: r["quantity"] != "displaced_share")
    shares = run_budget_impact(load_inputs(four_copy), sensitivity=False).to_dict()["shares"]
    for arm, m in {"exe": 0.7, "fx_dominated": 0.2, "fx_extended": 0.1}.items():
        assert shares[arm]["with"] == pytest.approx([m * (1 - u) for u in (0.30, 0.45, 0.55, 0.60, 0.60)], rel=1e-12)


@pytest.mark.parametrize(("quantity", "arm", "value", "message"), [
    ("market_share_without", "exe", "0.8", "sums to 1.1"),
    ("displaced_share", "exe", "0.85", "'displaced_share' sums to 1.1"),
    ("displaced_share", "fx_extended", "0.15", "'displaced_share' sums to 1.1"),
])
def test_shares_that_do_not_sum_to_one_are_errors(four_copy, quantity, arm, value, message):
    path = four_copy / "budget_impact.csv"
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    for r in rows:
        if r["quantity"] == quantity and r["arm"] == arm:
            r["value"] = value
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(InputError, match="budget_impact.csv") as caught:
        run_budget_impact(load_inputs(four_copy), sensitivity=False)
    assert message in str(caught.value)


def test_taking_more_patients_than_an_arm_has_is_an_error(four_copy):
    path = four_copy / "budget_impact.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("displaced_share,,0.75,", "displaced_share,,0.55,").replace("displaced_share,,0.05,",
                                                                                    "displaced_share,,0.25,")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="more patients from arm\\(s\\) \\['fx_extended'\\]"):
        run_budget_impact(load_inputs(four_copy), sensitivity=False)


def test_a_share_for_the_intervention_or_an_unknown_arm_is_an_error(four_copy):
    path = four_copy / "budget_impact.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",fx_extended\ndisplaced_share,,0.75,",
                                                             ",nope\ndisplaced_share,,0.75,"), encoding="utf-8")
    with pytest.raises(InputError, match="arm 'nope' is not an arm of arms.csv"):
        run_budget_impact(load_inputs(four_copy), sensitivity=False)


def test_two_arm_total_unchanged_with_explicit_shares(inputs_copy, shipped_inputs):
    """The shipped two-arm budget impact, to the penny, with and without an explicit market share of 1 for exe."""
    before = run_budget_impact(shipped_inputs, sensitivity=False).total_net
    assert round(before, 2) == 62_735_863.18
    path = inputs_copy / "budget_impact.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",arm"] + [line + "," for line in lines[1:]]
    lines.append("market_share_without,,1,,,Assumption: the comparator has the market,,exe")
    lines.append("displaced_share,,1,,,Assumption: everolimus displaces exemestane alone,,exe")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    after = run_budget_impact(load_inputs(inputs_copy), sensitivity=False).total_net
    assert round(after, 2) == round(before, 2)
    assert after == pytest.approx(before, rel=1e-14)


# ------------------------------------------------------------------ every arm fully specified


def _edit(folder: Path, name: str, edit) -> None:
    path = folder / name
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


def _problems(folder: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_inputs(folder)
    return str(caught.value)


def test_arm_labels_must_be_unique(four_copy):
    _edit(four_copy, "arms.csv", lambda t: t.replace("Fixture arm D: exemestane + drug D (fixture, not evidence)",
                                                     "Placebo + exemestane"))
    text = _problems(four_copy)
    assert "arms.csv" in text and "label 'Placebo + exemestane' is also the label of arm 'exe'" in text


def test_arm_ids_must_be_unique(four_copy):
    _edit(four_copy, "arms.csv", lambda t: t.replace('fx_extended,"Fixture arm D', 'fx_dominated,"Fixture arm D'))
    assert "duplicated arm" in _problems(four_copy)


def test_an_arm_in_arms_csv_only_is_an_error(four_copy):
    _edit(four_copy, "arms.csv", lambda t: t + "fx_bare,Bare arm,pfs_exe,,,os_exe_weibull_ph,,,pd_death_rate,\n")
    text = _problems(four_copy)
    assert "arms.csv" in text and "arm 'fx_bare' has no row in time_on_treatment.csv" in text


def test_an_arm_that_takes_a_drug_needs_its_adverse_events(four_copy):
    _edit(four_copy, "adverse_events.csv",
          lambda t: "\n".join(line for line in t.splitlines() if ",fx_extended," not in line) + "\n")
    text = _problems(four_copy)
    assert "adverse_events.csv" in text and "arm 'fx_extended' takes ['exemestane']" in text


def test_an_arm_needs_a_cost_for_each_state(four_copy):
    _edit(four_copy, "cost_items.csv", lambda t: t.replace("pd_care,all,", "pd_care,exe,")
          + "pd_care,eve_exe,progressed_disease_care,per_month_in_pd,pd_care_cost_month,,PD care\n"
          + "pd_care,fx_dominated,progressed_disease_care,per_month_in_pd,pd_care_cost_month,,PD care\n")
    text = _problems(four_copy)
    assert "cost_items.csv" in text and "arm 'fx_extended' has no cost item with basis 'per_month_in_pd'" in text


def test_an_arm_needs_its_curves(four_copy):
    _edit(four_copy, "arms.csv", lambda t: t.replace('evidence)",pfs_exe,fx_extended_hr_pfs',
                                                     'evidence)",,fx_extended_hr_pfs'))
    text = _problems(four_copy)
    assert "arms.csv" in text and "fx_extended" in text and "pfs_curve" in text


def test_a_drug_cost_needs_the_arms_time_on_treatment(four_copy):
    _edit(four_copy, "time_on_treatment.csv",
          lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("fx_extended,")) + "\n")
    text = _problems(four_copy)
    assert "cost_items.csv" in text and "fx_extended_drug" in text and "paid on no drug" in text


@pytest.mark.slow
def test_cea_all_runs_on_four_arms(tmp_path):
    """Every analysis, the workbook and the appendix on four arms (a short horizon and few iterations)."""
    out = tmp_path / "all"
    done = runner.invoke(app, ["all", "--inputs", str(FOUR), "--out", str(out), "--iterations", "30",
                               "--set", "horizon_years=5"])
    assert done.exit_code == 0, done.output
    document = json.loads((out / "results.json").read_text())
    assert len(document["incremental_analysis"]) == 4
    index = (out / "index.md").read_text(encoding="utf-8")
    assert "Fully incremental analysis of the 4 arms" in index
    for name in ("model.xlsx", "appendix.docx", "psa/ce_plane_strategies.png", "budget_impact/budget_impact.csv",
                 "scenarios/scenarios.csv", "voi/voi.json"):
        assert (out / name).is_file(), name
    # the appendix's base-case results give the decision between all the strategies before the settings' pair
    import docx

    text = [p.text for p in docx.Document(out / "appendix.docx").paragraphs]
    frontier = next(k for k, p in enumerate(text) if "is the fully incremental analysis of the deterministic" in p)
    pair = next(k for k, p in enumerate(text) if "gives the pairwise comparison of everolimus + exemestane with "
                "placebo + exemestane" in p)
    assert frontier < pair
    assert not any(p.startswith("Table") and "gives the base-case results" in p for p in text)
