"""The post-CDK4/6-inhibitor decision problem (issue 25) as four exploratory input sets under inputs/post_cdk46/:
the biomarker-unselected problem (everolimus + exemestane vs fulvestrant) and one folder per biomarker population
(PIK3CA-mutated, AKT1/PTEN-altered, ESR1-mutated) with the strategies licensed in it.

Checks: each folder loads and runs; every arm is fully specified (curves, hazard ratios, costs, time on treatment,
adverse events); every published trial figure the set relies on is in the inputs with the source it is cited to;
the fulvestrant curves are the calibration of the anchor trial's medians and HR (recomputed here), and the modelled
medians are within 0.3 months of the trial medians in validation_targets.csv; every source cites the folder's
reference list or is a labelled assumption; the whole set is labelled exploratory.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case, trace_rows
from cea.cli import app
from cea.inputs.model_inputs import load_inputs
from cea.inputs.references import internal_mentions, is_assumption, source_texts, unresolved_sources
from cea.survival.calibration import log_se_from_ci, weibull_ph_control_covariance, weibull_ph_from_medians

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "inputs" / "post_cdk46"
TOLERANCE_MONTHS = 0.3  # our choice: published medians to 0.1 month plus weekly cycles

# folder -> (strategies, pairwise intervention, pairwise comparator)
FOLDERS = {
    "": ({"eve_exe", "ful"}, "eve_exe", "ful"),
    "pik3ca": ({"alp_ful", "cap_ful", "eve_exe", "ful"}, "cap_ful", "eve_exe"),
    "akt_pathway": ({"cap_ful", "eve_exe", "ful"}, "cap_ful", "eve_exe"),
    "esr1": ({"ela", "eve_exe", "ful"}, "ela", "eve_exe"),
}
# anchor trial of each folder's fulvestrant PFS curve: medians (fulvestrant, treated), HR and its CI, and the
# model parameter holding that HR (None when the anchored arm is not a strategy of the folder)
ANCHORS = {
    "": (3.6, 7.2, 0.60, 0.51, 0.71, None),            # CAPItello-291 overall population (Turner 2023)
    "pik3ca": (3.1, 7.3, 0.50, 0.38, 0.65, "hr_pfs_cap_ful"),  # CAPItello-291 AKT pathway-altered
    "akt_pathway": (3.1, 7.3, 0.50, 0.38, 0.65, "hr_pfs_cap_ful"),
    "esr1": (1.9, 8.6, 0.41, 0.26, 0.63, "hr_pfs_ela"),  # EMERALD ESR1-mutated, prior ET + CDK4/6i >= 12 months
}
# PFS events assumed behind the curves' covariance (control, treated), as each covariance row states
EVENTS = {"": (300, 250), "pik3ca": (114, 110), "akt_pathway": (114, 110), "esr1": (60, 40)}
# every published figure used: (folder, parameter, value, CI low, CI high, text the source must contain)
PUBLISHED = [
    ("", "hr_pfs_eve_exe", 0.59, 0.45, 0.77, "Bachelot T et al. Breast Cancer Res Treat 2014;143:125-33"),
    ("", "ful_pack_price", 522.41, None, None, "NICE TA239 section 2.3"),
    ("pik3ca", "hr_pfs_alp_ful", 0.65, 0.50, 0.85, "HR 0.65 (95% CI 0.50-0.85)"),
    ("pik3ca", "hr_os_alp_ful", 0.86, 0.64, 1.15, "Ann Oncol 2021;32:208-17"),
    ("pik3ca", "hr_pfs_cap_ful", 0.50, 0.38, 0.65, "Turner NC et al. N Engl J Med 2023"),
    ("pik3ca", "hr_os_cap_ful", 0.69, 0.45, 1.05, "ESMO-MCBS scorecard 409"),
    ("pik3ca", "alp_pack_price", 4082.14, None, None, "NICE TA816 section 2.3"),
    ("pik3ca", "ae_rate_hyperglycaemia_alp_ful", 104 / 284, None, None, "grade 3 32.7% + grade 4 3.9% = 36.6%"),
    ("pik3ca", "ae_rate_rash_cap_ful", 43 / 355, None, None, "grade 3 or higher rash 12.1%"),
    ("pik3ca", "ae_rate_diarrhoea_cap_ful", 33 / 355, None, None, "grade 3 or higher diarrhoea 9.3%"),
    ("akt_pathway", "hr_pfs_cap_ful", 0.50, 0.38, 0.65, "Turner NC et al. N Engl J Med 2023"),
    ("esr1", "hr_pfs_ela", 0.41, 0.26, 0.63, "Bardia A et al. Clin Cancer Res 2024"),
    ("esr1", "ae_rate_nausea_ela", 6 / 237, None, None, "grade 3/4 nausea 2.5%"),
]
# trial medians (validation targets) and the source they must cite: (folder, check, arm, target, source text)
TRIAL_MEDIANS = [
    ("", "pfs_median_ful", "ful", 3.6, "Turner NC"),
    ("pik3ca", "pfs_median_ful", "ful", 3.1, "Turner NC"),
    ("pik3ca", "pfs_median_cap_ful", "cap_ful", 7.3, "Turner NC"),
    ("akt_pathway", "pfs_median_ful", "ful", 3.1, "Turner NC"),
    ("akt_pathway", "pfs_median_cap_ful", "cap_ful", 7.3, "Turner NC"),
    ("esr1", "pfs_median_ful", "ful", 1.9, "Bardia A"),
    ("esr1", "pfs_median_ela", "ela", 8.6, "Bardia A"),
    ("pik3ca", "pfs_median_alp_ful_bylieve", "alp_ful", 7.3, "Rugo 2021"),
    ("", "eve_exe_median_ttnt_rw", "eve_exe", 4.3, "Rozenblit"),
    ("", "os_median_ful", "ful", 27.5, "PACE fulvestrant arm median OS 27.5 months"),
    ("esr1", "os_median_ful", "ful", 27.5, "Mayer EL et al. J Clin Oncol 2024"),
]

runner = CliRunner()


def folder(name: str) -> Path:
    return BASE / name if name else BASE


def rows(name: str, file: str) -> list[dict]:
    with open(folder(name) / file, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module", params=list(FOLDERS), ids=lambda n: n or "unselected")
def loaded(request):
    return request.param, load_inputs(folder(request.param))


@pytest.fixture(scope="module")
def base_cases():
    return {name: run_base_case(load_inputs(folder(name))) for name in FOLDERS}


def crossing(times: np.ndarray, survival: np.ndarray, level: float = 0.5) -> float:
    below = np.flatnonzero(survival <= level)
    assert below.size, "curve never reaches the level within the horizon"
    i = below[0]
    return float(times[i - 1] + (survival[i - 1] - level) / (survival[i - 1] - survival[i]) * (times[i] - times[i - 1]))


# --------------------------------------------------------------------------- loading and labelling
def test_each_folder_is_a_complete_exploratory_input_set(loaded):
    name, inputs = loaded
    arms, intervention, comparator = FOLDERS[name]
    assert set(inputs.structure.arm_ids) == arms
    assert (inputs.settings.intervention, inputs.settings.comparator) == (intervention, comparator)
    assert inputs.settings.evidence_status == "exploratory" and "EXPLORATORY" in inputs.settings.title
    assert "not a base case for decisions" in inputs.settings.evidence_note
    assert "EXPLORATORY" in (folder(name) / "README.md").read_text(encoding="utf-8")
    # a sub-folder is an input set of its own: the parent's hash does not include it
    if not name:
        assert not any(f.split("/")[0] in ("pik3ca", "akt_pathway", "esr1") for f in inputs.file_hashes)
    assert not any(f.startswith("post_cdk46/") for f in load_inputs(ROOT / "inputs").file_hashes)


def test_every_arm_is_fully_specified(loaded):
    name, inputs = loaded
    arms = rows(name, "arms.csv")
    tot = rows(name, "time_on_treatment.csv")
    costs = rows(name, "cost_items.csv")
    events = rows(name, "adverse_events.csv")
    labels = {e["label"] for e in events}
    for arm in arms:
        a = arm["arm"]
        assert arm["pfs_curve"] == "pfs_ful" and arm["os_curve"] == "os_ful"
        if a == "ful":  # the common comparator carries no hazard ratio
            assert not arm["pfs_hazard_ratio"] and not arm["os_hazard_ratio"]
        else:
            for column in ("pfs_hazard_ratio", "os_hazard_ratio"):
                p = inputs.parameters[arm[column]]
                assert p.distribution == "lognormal" and p.source, (a, column)
            assert arm["waning_reference"] == "ful"
        drugs = [t for t in tot if t["arm"] == a]
        assert drugs and sum(t["times_adverse_events"] == "yes" for t in drugs) == 1, a
        acquisition = [c for c in costs if c["arm"] == a and c["category"] == "drug_acquisition"]
        assert acquisition, a
        listed = {i for t in drugs for i in t["cost_items"].split()}
        assert {c["item"] for c in acquisition if c["basis"] == "per_day_on_treatment"} <= listed, a
        assert {e["label"] for e in events if e["arm"] == a} == labels, a  # every event has a rate in every arm
    for e in events:
        for column in ("rate", "cost", "disutility", "duration_days"):
            assert inputs.parameters[e[column]].source, (e["event"], column)


# --------------------------------------------------------------------------- sources
def test_every_source_cites_the_folders_reference_list_or_is_an_assumption(loaded):
    name, _ = loaded
    unresolved = unresolved_sources(folder(name))
    assert not unresolved, unresolved[:5]
    offending = [(f, line, internal_mentions(t)) for f, line, _, t in source_texts(folder(name)) if internal_mentions(t)]
    assert not offending, offending[:5]


def test_every_assumption_is_labelled_and_varied(loaded):
    name, inputs = loaded
    for p in inputs.parameters.values():
        assert p.status in {"verified", "secondary", "derived", "assumption"}, p.id
        if p.status == "assumption":
            assert is_assumption(p.source), p.id
            varied = p.distribution != "fixed" or (p.low is not None and p.high is not None and p.low != p.high)
            assert varied, f"{p.id}: an assumption must be varied in the DSA or PSA"


@pytest.mark.parametrize("name, pid, value, low, high, cited", PUBLISHED, ids=[f"{n or 'unselected'}-{p}" for n, p, *_ in PUBLISHED])
def test_each_published_figure_is_in_the_inputs_with_its_source(name, pid, value, low, high, cited):
    p = load_inputs(folder(name)).parameters[pid]
    assert p.value == pytest.approx(value, abs=1e-6)
    if low is not None:
        assert (p.ci_low, p.ci_high) == (low, high)
    assert cited in p.source and p.status in {"verified", "secondary"}


@pytest.mark.parametrize("name, check, arm, target, cited", TRIAL_MEDIANS, ids=[c[1] + "-" + (c[0] or "unselected") for c in TRIAL_MEDIANS])
def test_trial_medians_are_validation_targets_with_their_source(name, check, arm, target, cited):
    row = {r["check"]: r for r in rows(name, "validation_targets.csv")}[check]
    assert row["arm"] == arm and float(row["target"]) == target and cited in row["source"]


# --------------------------------------------------------------------------- calibration and medians
@pytest.mark.parametrize("name", list(FOLDERS), ids=lambda n: n or "unselected")
def test_fulvestrant_curve_is_the_calibration_of_the_anchor_trial(name):
    m_ctl, m_trt, hr, lo, hi, hr_param = ANCHORS[name]
    inputs = load_inputs(folder(name))
    cal = weibull_ph_from_medians(m_ctl, m_trt, hr)
    curve = inputs.curves["pfs_ful"]
    assert dict(zip(curve.coefficients, curve.estimates)) == pytest.approx(
        {"log_scale": cal.control[0], "log_shape": cal.control[1]}, abs=1e-8)
    # the covariance is the project's delta method with the event counts stated in each row
    table = [r for r in rows(name, "survival_covariance.csv") if r["curve"] == "pfs_ful"]
    cov = {(r["coefficient_1"], r["coefficient_2"]): float(r["covariance"]) for r in table}
    d_ctl, d_trt = EVENTS[name]
    assert f"{d_trt} treatment-arm events assumed" in table[0]["source"] and table[0]["source"].startswith("Assumption:")
    se_h = log_se_from_ci(lo, hi)
    expected = weibull_ph_control_covariance(m_ctl, m_trt, hr, 1 / math.sqrt(d_ctl), 1 / math.sqrt(d_trt), se_h)
    assert [cov[("log_scale", "log_scale")], cov[("log_shape", "log_shape")], cov[("log_scale", "log_shape")]] == \
        pytest.approx([expected[0, 0], expected[1, 1], expected[0, 1]], rel=1e-6)
    if hr_param:  # the curve and the anchor HR are drawn jointly: d log_shape / d ln HR = 1 / ln HR
        assert cov[("log_shape", f"log({hr_param})")] == pytest.approx(se_h ** 2 / math.log(hr), rel=1e-6)
        assert inputs.parameters[hr_param].value == hr


def test_modelled_medians_are_within_tolerance_of_the_trial_medians(base_cases):
    """Every internal (calibration) target: PFS and OS crossings of 0.5 in the base-case trace."""
    checked = 0
    for name in FOLDERS:
        result = base_cases[name]
        for row in rows(name, "validation_targets.csv"):
            if row["kind"] != "internal" or not row["metric"].endswith("_median"):
                continue
            trace = trace_rows(result, row["arm"])
            curve = trace["PF"] if row["metric"] == "pfs_median" else 1.0 - trace["Dead"]
            modelled = crossing(trace["time_months"], curve)
            assert abs(modelled - float(row["target"])) <= TOLERANCE_MONTHS, (name, row["check"], modelled)
            checked += 1
    assert checked == 11  # 7 trial PFS medians + the PACE fulvestrant OS median in 4 folders


def test_anchored_arms_follow_the_published_hazard_ratios(base_cases):
    """Alpelisib's modelled median lies between fulvestrant's and capivasertib's (HR 0.65 vs 0.50 on one curve)."""
    medians = {a: crossing(trace_rows(base_cases["pik3ca"], a)["time_months"], trace_rows(base_cases["pik3ca"], a)["PF"])
               for a in ("ful", "alp_ful", "cap_ful", "eve_exe")}
    assert medians["ful"] < medians["alp_ful"] < medians["eve_exe"] < medians["cap_ful"]


# --------------------------------------------------------------------------- commands
def test_run_prints_the_exploratory_label_and_writes_it(tmp_path):
    result = runner.invoke(app, ["run", "--inputs", str(BASE), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "EXPLORATORY" in result.output
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["evidence"]["status"] == "exploratory"


@pytest.mark.parametrize("command, extra", [("validate", ()), ("bia", ()), ("psa", ("--iterations", "20")),
                                            ("dsa", ("--set", "horizon_years=5")), ("crossval", ())])
def test_analysis_commands_exit_zero_on_the_esr1_folder(tmp_path, command, extra):
    """One folder with the joint curve/HR covariance and a three-arm structure; the others are run in CI by hand."""
    result = runner.invoke(app, [command, "--inputs", str(BASE / "esr1"), "--out", str(tmp_path), *extra])
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- budget impact over every strategy
@pytest.mark.parametrize("name", [n for n in FOLDERS if len(FOLDERS[n][0]) > 2])
def test_budget_impact_runs_with_the_market_shares_of_every_other_strategy(name, tmp_path):
    """More than two strategies: every arm but the intervention has a market share of the world without it, the
    shares of each year sum to 1, each one has a source or a labelled assumption, and `cea bia` runs."""
    from cea.analyses.budget_impact import run_budget_impact
    from cea.inputs.budget_impact import load_budget_impact

    inputs = load_inputs(folder(name))
    bia = load_budget_impact(folder(name))
    others = set(inputs.structure.arm_ids) - {inputs.settings.intervention}
    assert set(bia.market_share_without) == others
    for year in range(bia.n_years):
        assert sum(s[year] for s in bia.market_share_without.values()) == pytest.approx(1.0, abs=1e-12)
    for r in bia.rows:
        if r.quantity in ("market_share_without", "displaced_share"):
            assert "NICE TA" in r.source, (r.arm, r.source)
    result = run_budget_impact(inputs, sensitivity=False)
    shares = result.to_dict()["shares"]
    for year in range(bia.n_years):
        for world in ("with", "without"):
            assert sum(s[world][year] for s in shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert result.total_net > 0
    done = runner.invoke(app, ["bia", "--inputs", str(folder(name)), "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output


def test_market_shares_with_a_range_are_varied_in_the_budget_impact_one_way_analysis():
    """pik3ca: alpelisib + fulvestrant's share of the world without capivasertib from 25% to 75%, the other arms
    rescaled in proportion (each year still sums to 1); fulvestrant alone from 0 to 20%."""
    from cea.analyses.budget_impact import _market_at, one_way_budget_impact
    from cea.inputs.budget_impact import load_budget_impact

    inputs = load_inputs(folder("pik3ca"))
    bia = load_budget_impact(folder("pik3ca"))
    low, high = _market_at(bia, "alp_ful", "low"), _market_at(bia, "alp_ful", "high")
    assert low.market_share_without["alp_ful"][0] == 0.25 and low.market_share_without["eve_exe"][0] == 0.75
    assert high.market_share_without["eve_exe"][0] == pytest.approx(0.25) and high.market_share_without["ful"][0] == 0
    ful = _market_at(bia, "ful", "high").market_share_without
    assert (ful["ful"][0], ful["alp_ful"][0], ful["eve_exe"][0]) == pytest.approx((0.2, 0.4, 0.4))
    for b in (low, high):
        for y in range(b.n_years):
            assert sum(s[y] for s in b.market_share_without.values()) == pytest.approx(1.0, abs=1e-12)
    table = one_way_budget_impact(inputs, bia).set_index("driver")
    for driver in ("market_share_without_alp_ful", "market_share_without_ful"):
        row = table.loc[driver]
        assert row["kind"] == "budget impact input" and row["net_low"] != row["net_high"]
        assert "Alpelisib" in row["description"] or "Fulvestrant" in row["description"]
