"""Every number in the appendix's results tables, and every citation of its text, read back from the Word file and compared with the run it comes
from (issue 21, item 6).

The appendix is built once (a short run: 6-year horizon, 300 PSA iterations) and reopened with python-docx; every
table is found by its caption, never by its position, and each number is compared at the precision printed with
the value of the analysis that produced it: the base case (``results.json``), the PSA summary, the DSA, the
scenarios, the threshold prices, the VOI, the validation and cross-validation, the budget impact and the severity
weight.  Expected values are formatted here, independently of the appendix's own formatting code, so a table that
printed the wrong quantity (life years in a QALY row, an unweighted INMB under a weighted label) fails.  A table
whose caption is in neither ``RESULTS`` nor ``NOT_RESULTS`` fails too: a new table must say where its numbers come
from.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from pathlib import Path

import docx
import numpy as np
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from cea.analyses.base_case import trace_rows
from cea.analyses.bundle import run_all_analyses
from cea.appendix import write_appendix
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
MINUS = "−"


# --------------------------------------------------------------------------- independent formatting
def gbp(value, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"£{abs(value):,.{decimals}f}"
    return MINUS + text if value < 0 and round(abs(value), decimals) != 0 else text


def fixed(value, decimals: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{abs(value):,.{decimals}f}"
    return MINUS + text if value < 0 and round(abs(value), decimals) != 0 else text


def pct(value, decimals: int = 1) -> str:
    return fixed(100.0 * value, decimals) + "%"


def icer_cell(value, status: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return status[0].upper() + status[1:]
    return gbp(value) if status == "more costly, more effective" else f"{gbp(value)} ({status})"


def finite(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------- the document, built once
@pytest.fixture(scope="module")
def bundle():
    inputs = apply_overrides(load_inputs(INPUTS), {"horizon_years": "6"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return run_all_analyses(inputs, iterations=300, seed=2)


@pytest.fixture(scope="module")
def document(bundle, tmp_path_factory):
    folder = tmp_path_factory.mktemp("appendix_numbers")
    path = write_appendix(folder / "appendix.docx", bundle, folder / "figures", check_workbook=False)
    return docx.Document(str(path))


@pytest.fixture(scope="module")
def tables(document) -> dict[str, Table]:
    out, caption = {}, None
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            p = Paragraph(child, document)
            if p.style.name == "Caption" and p.text.startswith("Table"):
                caption = p.text.split(": ", 1)[1]
        elif child.tag.endswith("}tbl") and caption is not None:
            out[caption] = Table(child, document)
            caption = None
    return out


def table(tables: dict[str, Table], *words: str) -> Table:
    """The one table whose caption contains every word (case-insensitive)."""
    found = [t for c, t in tables.items() if all(w.lower() in c.lower() for w in words)]
    assert len(found) == 1, f"expected one table captioned with {words}, found {len(found)}"
    return found[0]


def cells(t: Table) -> list[list[str]]:
    """Rows as lists of cell texts (a merged cell appears once per grid column it spans)."""
    return [[c.text for c in row.cells] for row in t.rows]


def row_starting(t: Table, prefix: str) -> list[str]:
    found = [r for r in cells(t) if r[0].startswith(prefix)]
    assert len(found) == 1, f"expected one row starting '{prefix}', found {len(found)}"
    return found[0]


def wtp_label(x: float) -> str:
    return f"{gbp(x)} per QALY"


# --------------------------------------------------------------------------- which tables hold results
RESULTS = {  # caption words → the output the numbers come from (each has a test below)
    ("Base-case results (deterministic",): "results.json: totals, increments, ICER",
    ("Base-case results with the severity weight",): "results.json × severity weight",
    ("Incremental net benefit",): "results.json: INMB and INHB",
    ("Disaggregated base-case results",): "results.json: costs by category, LYs and QALYs by state",
    ("Undiscounted totals",): "results.json: undiscounted",
    ("State occupancy",): "trace CSVs",
    ("Probabilistic and deterministic",): "PSA summary",
    ("Probability of being cost-effective",): "PSA summary: CEAC, EVPI",
    ("One-way sensitivity analysis",): "dsa.csv",
    ("Scenario analyses",): "scenarios.csv",
    ("Structural scenarios",): "scenarios.csv",
    ("Price scenarios",): "scenarios.csv",
    ("Threshold price analysis",): "threshold.csv",
    ("Threshold price with the severity weight",): "threshold at weighted thresholds",
    ("Expected value of partial perfect information",): "voi/evppi.csv, evpi.csv",
    ("Validation: modelled against observed",): "validation.csv",
    ("Cross-validation",): "crossval.csv",
    ("QALY shortfall and severity weight",): "severity",
    ("Time on treatment by drug",): "results.json mean_months",
    ("Budget impact at",): "budget_impact.csv",
    ("Budget impact by cost category",): "budget_impact_by_category.csv",
    ("Budget impact one-way",): "budget_impact_one_way.csv",
    ("Landmark survival",): "os_landmarks (tested in test_appendix.py::test_landmark_table_equals_the_trace)",
    ("Goodness of fit",): "validation/fit_table.csv",
    ("Markov and partitioned-survival",): "structures (compare_structures)",
    ("Cost-effectiveness by discount off the list price",): "price.csv",
    ("Probability cost-effective by discount",): "price.csv (PSA re-priced)",
    ("Threshold prices of the technology",): "price_thresholds.csv",
    ("Preferred assumptions added one at a time",): "cumulative.csv",
    ("OS landmarks: model, trial data and external benchmarks",): "plausibility/os_landmarks_with_benchmarks.csv",
    ("Model averaging over the joint OS fits",): "plausibility/os_model_average.csv",
    ("Implied post-progression death rate",): "plausibility/pd_death_rates.csv",
    ("Modelled time on treatment",): "plausibility/time_on_treatment.csv",
}
NOT_RESULTS = (  # inputs, document controls and checklists: no output of the run to compare with
    "Document controls", "Sections of this appendix", "Published cost-effectiveness", "decision problem",
    "Baseline characteristics", "Survival curves and treatment effect", "Features of the economic analysis",
    "Survival curves available", "Clinical parameters", "adverse event", "Adverse-event",
    "Utility values", "Cost items", "Cost and resource-use", "Summary of the base-case inputs", "Key assumptions",
    "Black-box verification", "TECH-VER", "AdViSHE", "Budget impact: population", "Budget impact inputs", "CHEERS",
    "Run manifest", "Settings of the run", "Input files", "Parameter", "Reproducibility", "Technical annex",
    "Published exposure",
)


def test_every_table_is_accounted_for(tables):
    unknown = [c for c in tables if not any(all(w.lower() in c.lower() for w in words) for words in RESULTS)
               and not any(n.lower() in c.lower() for n in NOT_RESULTS)]
    assert not unknown, f"tables with no stated source of their numbers: {unknown}"
    for words in RESULTS:
        if words == ("Threshold price with the severity weight",) or words == ("Markov and partitioned-survival",):
            continue
        assert any(all(w.lower() in c.lower() for w in words) for c in tables), words


# --------------------------------------------------------------------------- base case
def test_base_case_table(tables, bundle):
    d = bundle.base_case.to_dict()
    inc = d["incremental"]
    t = table(tables, "Base-case results (deterministic")
    for arm_id, arm in d["arms"].items():
        row = row_starting(t, arm["label"])
        assert row[1:4] == [gbp(arm["costs"]), fixed(arm["lys"]), fixed(arm["qalys"])], arm_id
    row = row_starting(t, d["arms"][inc["intervention"]]["label"])
    assert row[4:8] == [gbp(inc["costs"]), fixed(inc["lys"]), fixed(inc["qalys"]), icer_cell(inc["icer"], inc["status"])]


def test_severity_weighted_results(tables, bundle):
    inc = bundle.base_case.to_dict()["incremental"]
    weight = bundle.severity["weight"]
    assert weight > 1
    t = table(tables, "Base-case results with the severity weight")
    assert row_starting(t, "QALYs gained (unweighted)")[1:3] == [fixed(inc["qalys"]), gbp(inc["icer"])]
    assert row_starting(t, "QALYs gained × severity weight")[1:3] == [
        fixed(weight * inc["qalys"]), gbp(inc["costs"] / (weight * inc["qalys"]))]
    for x in bundle.inputs.settings.wtp_thresholds:
        row = row_starting(t, f"Incremental net monetary benefit at {wtp_label(x)}")
        assert "weighted" in row[0]
        assert row[1] == gbp(x * weight * inc["qalys"] - inc["costs"]), x  # weighted QALYs, not unweighted


def test_net_benefit_table(tables, bundle):
    inc = bundle.base_case.to_dict()["incremental"]
    t = table(tables, "Incremental net benefit")
    for x in bundle.inputs.settings.wtp_thresholds:
        row = row_starting(t, wtp_label(x))
        assert row[1:3] == [gbp(x * inc["qalys"] - inc["costs"]), fixed(inc["qalys"] - inc["costs"] / x)]


def test_disaggregated_results(tables, bundle):
    d = bundle.base_case.to_dict()
    inc = d["incremental"]
    a, c = d["arms"][inc["intervention"]], d["arms"][inc["comparator"]]
    t = table(tables, "Disaggregated base-case results")
    rows = cells(t)
    # cost rows: one per category, whatever their labels, with both arms and the increment
    printed = Counter(tuple(r[1:4]) for r in rows if r[0].startswith("Costs: "))
    expected = Counter((gbp(a["costs_by_category"][k]), gbp(c["costs_by_category"][k]),
                        gbp(a["costs_by_category"][k] - c["costs_by_category"][k])) for k in a["costs_by_category"])
    assert printed == expected
    assert row_starting(t, "Total costs")[1:4] == [gbp(a["costs"]), gbp(c["costs"]), gbp(inc["costs"])]
    for measure, key in (("LYs", "lys"), ("QALYs", "qalys")):
        for state, value in a[f"{key}_by_state"].items():
            row = row_starting(t, f"{measure}: {state}")
            assert row[1:4] == [fixed(value), fixed(c[f"{key}_by_state"][state]),
                                fixed(value - c[f"{key}_by_state"][state])], (measure, state)
        assert row_starting(t, f"Total {measure}")[1:4] == [fixed(a[key]), fixed(c[key]), fixed(inc[key])]


def test_undiscounted_totals(tables, bundle):
    d = bundle.base_case.to_dict()
    inc = d["incremental"]
    arms = (d["arms"][inc["intervention"]], d["arms"][inc["comparator"]])
    t = table(tables, "Undiscounted totals")
    assert row_starting(t, "Total costs")[1:3] == [gbp(a["undiscounted"]["costs"]) for a in arms]
    assert row_starting(t, "Total LYs")[1:3] == [fixed(a["undiscounted"]["lys"]) for a in arms]
    assert row_starting(t, "Total QALYs")[1:3] == [fixed(a["undiscounted"]["qalys"]) for a in arms]


def test_state_occupancy(tables, bundle):
    t = table(tables, "State occupancy")
    rows = [r for r in cells(t) if re.fullmatch(r"\d+", r[0])]
    assert len(rows) >= 4
    arms = list(bundle.base_case.outcomes.arms)
    for r in rows:
        month = float(r[0])
        expected = []
        for arm in arms:
            tr = trace_rows(bundle.base_case, arm)
            if month > tr["time_months"][-1] + 1e-9:
                expected += ["—"] * 3
                continue
            expected += [fixed(float(np.interp(month, tr["time_months"], tr[s]))) for s in ("PF", "PD", "Dead")]
        assert r[1:1 + 3 * len(arms)] == expected, month


# --------------------------------------------------------------------------- PSA
def test_psa_table(tables, bundle):
    psa = bundle.psa
    summary = psa.summary()
    det = bundle.base_case.to_dict()
    t = table(tables, "Probabilistic and deterministic")
    for j, arm in enumerate(psa.arms):
        label = det["arms"][arm]["label"]
        lo, hi = np.quantile(psa.costs[:, j], [0.025, 0.975])
        assert row_starting(t, f"Total costs, {label}")[1:4] == [
            gbp(det["arms"][arm]["costs"]), gbp(summary["mean"][arm]["costs"]), f"{gbp(lo)} to {gbp(hi)}"]
        lo, hi = np.quantile(psa.qalys[:, j], [0.025, 0.975])
        assert row_starting(t, f"Total QALYs, {label}")[1:4] == [
            fixed(det["arms"][arm]["qalys"]), fixed(summary["mean"][arm]["qalys"]), f"{fixed(lo)} to {fixed(hi)}"]
    inc, dinc = summary["incremental"], det["incremental"]
    assert row_starting(t, "Incremental costs")[1:4] == [
        gbp(dinc["costs"]), gbp(inc["costs"]), f"{gbp(inc['costs_95ci'][0])} to {gbp(inc['costs_95ci'][1])}"]
    assert row_starting(t, "Incremental QALYs")[1:4] == [
        fixed(dinc["qalys"]), fixed(inc["qalys"]), f"{fixed(inc['qalys_95ci'][0])} to {fixed(inc['qalys_95ci'][1])}"]
    assert row_starting(t, "Incremental LYs")[1:3] == [fixed(dinc["lys"]), fixed(inc["lys"])]
    assert row_starting(t, "ICER")[1:3] == [icer_cell(dinc["icer"], dinc["status"]), icer_cell(inc["icer"], inc["status"])]
    for wtp, value in inc["nmb"].items():
        row = row_starting(t, f"INMB at {wtp_label(float(wtp))}")
        assert row[1:4] == [gbp(dinc["nmb"][wtp]), gbp(value), f"Monte Carlo SE {gbp(inc['nmb_mcse'][wtp])}"]


def test_acceptability_and_evpi(tables, bundle):
    summary = bundle.psa.summary()
    t = table(tables, "Probability of being cost-effective")
    for wtp, probs in summary["prob_cost_effective"].items():
        row = row_starting(t, wtp_label(float(wtp)))
        assert row[1:] == [pct(probs[a]) for a in bundle.psa.arms] + [gbp(summary["evpi"][wtp])], wtp


# --------------------------------------------------------------------------- DSA and scenarios
def test_one_way_table(tables, bundle):
    t = table(tables, "One-way sensitivity analysis")
    dsa = bundle.one_way.table
    expected = {}
    for _, r in dsa.iterrows():
        expected.setdefault((gbp(r["inmb_low"]), gbp(r["inmb_high"])), []).append(
            [icer_cell(finite(r["icer_low"]), r["status_low"]), icer_cell(finite(r["icer_high"]), r["status_high"])])
    rows = cells(t)[1:]
    assert rows and len(rows) <= len(dsa)
    header = cells(t)[0]
    k_low, k_high = header.index("INMB (low)"), header.index("INMB (high)")
    k_icer = header.index("ICER (low)")
    for r in rows:
        key = (r[k_low], r[k_high])
        assert key in expected, f"DSA row '{r[0]}': INMB {key} is not a one-way result of the run"
        assert r[k_icer:k_icer + 2] in expected[key], r[0]
    # the bounds of the parameter the run's DSA ranks first are printed with its INMB
    from cea.appendix.dsa import submission_dsa

    top = submission_dsa(bundle).table.iloc[0]
    assert any((r[k_low], r[k_high]) == (gbp(top["inmb_low"]), gbp(top["inmb_high"])) for r in rows)


def _scenario_tuple(r, primary: str) -> tuple:
    change = finite(r.get("icer_change_pct"))
    return (gbp(r["inc_cost"]), fixed(r["inc_qaly"]), fixed(r["inc_ly"]), icer_cell(finite(r["icer"]), r["status"]),
            "—" if change is None or r["scenario"] == "base_case" else f"{fixed(change, 1)}%", gbp(r[primary]))


def test_scenario_tables(tables, bundle):
    primary = f"inmb_{bundle.inputs.settings.primary_wtp:g}"
    frame = bundle.scenarios.table
    expected = Counter(_scenario_tuple(r, primary) for _, r in frame.iterrows())
    base = _scenario_tuple(frame[frame["scenario"] == "base_case"].iloc[0], primary)
    printed: Counter = Counter()
    for words in (("Scenario analyses",), ("Structural scenarios",), ("Price scenarios",)):
        rows = [r for r in cells(table(tables, *words)) if r[1] not in ("Incremental", "Costs")]
        assert tuple(rows[0][1:7]) == base  # each table opens with the base case
        printed.update(tuple(r[1:7]) for r in rows[1:])
    expected[base] -= 1
    assert printed == +expected  # every scenario once, with its own numbers


# --------------------------------------------------------------------------- threshold and VOI
def test_threshold_tables(tables, bundle):
    t = table(tables, "Threshold price analysis")
    for _, r in bundle.threshold.table.iterrows():
        row = row_starting(t, wtp_label(r["wtp"]))
        assert row[1:6] == [gbp(r["base_value"], 2), gbp(finite(r["threshold_value"]), 2),
                            f"{fixed(r['relative_change_pct'], 1)}%", gbp(r["inmb_at_base"]),
                            gbp(finite(r["inmb_at_threshold"]), 2)]
    weight = bundle.severity["weight"]
    t = table(tables, "Threshold price with the severity weight")
    for _, r in bundle.weighted_threshold.table.iterrows():
        row = row_starting(t, wtp_label(r["wtp"] / weight))
        assert row[1:4] == [gbp(r["base_value"], 2), gbp(finite(r["threshold_value"]), 2),
                            f"{fixed(r['relative_change_pct'], 1)}%"]


def test_evppi_table(tables, bundle):
    voi = bundle.voi
    t = table(tables, "Expected value of partial perfect information")
    groups = voi.evppi[voi.evppi["kind"] == "group"]
    wtps = sorted(groups["wtp"].unique())
    for label in dict.fromkeys(groups["label"]):
        part = groups[groups["label"] == label].set_index("wtp")
        expected = [v for x in wtps for v in (gbp(part.loc[x, "evppi"], 2), gbp(part.loc[x, "population_evppi"]))]
        assert row_starting(t, label)[1:] == expected, label
    evpi = voi.evpi
    expected = []
    for x in wtps:
        r = evpi[np.isclose(evpi["wtp"], x)].iloc[0]
        expected += [gbp(float(r["evpi"]), 2), gbp(float(r["population_evpi"]))]
    assert row_starting(t, "All parameters")[1:] == expected


def test_structures_table(tables, bundle):
    from cea.analyses.structures import compare_structures

    frame = compare_structures(bundle.inputs)
    t = table(tables, "Markov and partitioned-survival")
    rows = cells(t)[1:]
    assert len(rows) == len(frame)
    for r, (_, e) in zip(rows, frame.iterrows()):
        difference = str(e["structure"]).startswith("Difference")
        status = e["status"] if isinstance(e["status"], str) and e["status"] else "more costly, more effective"
        assert r[1:5] == [gbp(e["inc_costs"]), fixed(e["inc_qalys"]), fixed(e["inc_lys"]),
                          gbp(finite(e["icer"])) if difference else icer_cell(finite(e["icer"]), status)], e["key"]


def test_goodness_of_fit_tables(tables, bundle):
    """AIC, BIC, median, mean and five-year survival of every fitted distribution printed are those of the fits."""
    found = [t for c, t in tables.items() if c.startswith("Goodness of fit")]
    assert found
    for t in found:
        header = cells(t)[0]
        k_aic, k_bic = header.index("AIC"), header.index("BIC")
        for r in cells(t)[1:]:
            candidates = []
            for endpoint_fits in bundle.fits.endpoints.values():
                table_ = endpoint_fits.fit_table.table
                candidates += [e for _, e in table_.iterrows()
                               if (fixed(e["aic"], 1), fixed(e["bic"], 1)) == (r[k_aic], r[k_bic])]
            assert candidates, f"fit row {r[:2]}: AIC/BIC {r[k_aic]}/{r[k_bic]} is not a fit of the run"
            if "Median" in header:
                assert any(fixed(e["median"], 1) == r[header.index("Median")] for e in candidates), r[:2]
            if "S(5 years)" in header:
                assert any(fixed(e.get("s_60", float("nan")), 3) == r[header.index("S(5 years)")]
                           for e in candidates), r[:2]


# --------------------------------------------------------------------------- validation
def _check_text(metric: str, value) -> str:
    if metric.endswith("_median"):
        return fixed(value, 1)
    if metric.endswith("_rmst"):
        return fixed(value, 2)
    if metric.endswith("_landmark") or metric == "dead_at_horizon":
        return fixed(value, 3)
    return None


def test_validation_table(tables, bundle):
    t = table(tables, "Validation: modelled against observed")
    rows = [r for r in cells(t)[1:] if r[2]]  # kind headings have no model value
    checks = list(bundle.validation.checks)
    assert len(rows) == len(checks)
    # grouped dependent first (fitting data, then another cut of the same trial), then independent, then structural
    ordered = [c for kind in ("internal", "same_trial", "external", "structural") for c in checks if c.kind == kind]
    assert len(ordered) == len(checks)
    for r, c in zip(rows, ordered):
        text = _check_text(c.metric, c.model)
        if text is None:
            continue  # structural maxima and hazard ratios: significant figures
        assert r[2] == text, c.name
        assert r[3].split(" ")[0] == _check_text(c.metric, c.target), c.name
        assert r[5] in (("Within", "Outside") if c.kind in ("same_trial", "external") else ("Pass", "FAIL"))
        assert (r[5] in ("Pass", "Within")) == c.passed, c.name


def test_cross_validation_table(tables, bundle):
    t = table(tables, "Cross-validation")
    frame = bundle.cross_validation.table
    rows = cells(t)[1:]
    assert len(rows) == len(frame)
    for r, (_, expected) in zip(rows, frame.iterrows()):
        icer = finite(expected["model_icer"])
        assert r[2] == (gbp(icer) if icer is not None else "—"), expected["analysis"]


# --------------------------------------------------------------------------- severity, treatment, budget impact
def test_severity_table(tables, bundle):
    s = bundle.severity
    t = table(tables, "QALY shortfall and severity weight")
    assert row_starting(t, "General-population QALYs")[1] == fixed(s["general"])
    assert row_starting(t, "QALYs under current care")[1] == fixed(s["current"])
    assert row_starting(t, "Absolute QALY shortfall")[1] == fixed(s["absolute"])
    assert row_starting(t, "Proportional QALY shortfall")[1] == pct(s["proportional"])
    assert row_starting(t, "Severity weight")[1] == f"×{s['weight']:g}"
    assert row_starting(t, "ICER with the severity weight")[1] == gbp(s["weighted_icer"])
    inc = bundle.base_case.incremental()
    assert s["weighted_icer"] == pytest.approx(inc["costs"] / (s["weight"] * inc["qalys"]))


def test_time_on_treatment_table(tables, bundle):
    t = table(tables, "Time on treatment by drug")
    header = cells(t)[0]
    k_tot, k_pf = header.index("Mean months on treatment"), header.index("Mean months progression-free")
    printed = Counter((r[k_tot], r[k_pf]) for r in cells(t)[1:])
    expected = Counter()
    for arm in bundle.base_case.outcomes.arms:
        means = bundle.base_case.arm_summary(arm)["mean_months"]
        for months in means["on_treatment"].values():
            expected[(fixed(months, 1), fixed(means["pf"], 1))] += 1
    assert printed == expected


def test_budget_impact_tables(tables, bundle):
    bia = bundle.budget_impact
    frame = bia.table()
    t = [tt for c, tt in tables.items() if c.startswith("Budget impact at")]
    assert len(t) == 1
    for _, r in frame.iterrows():
        label = r["year"] if r["year"] == "Total" else f"Year {r['year']}"
        assert row_starting(t[0], label)[1:6] == [fixed(r["eligible"], 0), fixed(r["treated"], 0),
                                                  gbp(r["costs_with"]), gbp(r["costs_without"]), gbp(r["net"])], label
    totals = bia.by_category().groupby("category", sort=False)[["costs_with", "costs_without", "net"]].sum()
    t = table(tables, "Budget impact by cost category")
    printed = Counter(tuple(r[1:4]) for r in cells(t)[1:] if r[0] != "Total")
    assert printed == Counter((gbp(v["costs_with"]), gbp(v["costs_without"]), gbp(v["net"])) for _, v in totals.iterrows())
    assert row_starting(t, "Total")[1:4] == [gbp(totals["costs_with"].sum()), gbp(totals["costs_without"].sum()),
                                             gbp(totals["net"].sum())]
    assert totals["net"].sum() == pytest.approx(bia.total_net)


def test_budget_impact_one_way(tables, bundle):
    t = table(tables, "Budget impact one-way")
    header = cells(t)[0]
    k_low, k_high = header.index("Net at low"), header.index("Net at high")
    one_way = bundle.budget_impact.one_way
    rows = cells(t)[1:]
    assert len(rows) == min(10, len(one_way))
    for r, (_, expected) in zip(rows, one_way.head(10).iterrows()):  # the largest swings, in the run's order
        assert [r[k_low], r[k_high], r[k_high + 1]] == [gbp(expected["net_low"]), gbp(expected["net_high"]),
                                                        gbp(expected["swing"])], r[0]


# --------------------------------------------------------------------------- citations (issue 21, item 3)
def body_and_references(document) -> tuple[list[str], dict[int, str]]:
    """The texts of every paragraph and table cell before the reference list, and the list itself (n → entry)."""
    from docx.oxml.ns import qn

    texts, listed, in_references = [], {}, False
    for p in document.element.body.iter(qn("w:p")):
        paragraph = Paragraph(p, document)
        text = paragraph.text
        if paragraph.style.name.startswith("Heading") and text.endswith(" References"):
            in_references = True
            continue
        if in_references:
            number, tab, entry = text.partition(".\t")
            if tab and number.isdigit():
                listed[int(number)] = entry
            continue
        texts.append(text)
    return texts, listed


CITATION = re.compile(r"\[(\d+(?:,\s*\d+)*)\]")
AUTHOR_YEAR = re.compile(r"\b([A-Z][a-zà-ÿ]+(?:-[A-Z][a-z]+)?)(?: et al\.?)?,? ((?:19|20)\d{2})\b")
NOT_AUTHORS = {  # capitalised words followed by a year that are dates, places or parts of a title, not authors
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "England",
    "Scotland", "Wales", "Kingdom", "Netherlands", "Japan", "Greece", "China", "Australia", "The", "Open", "Res"}
NAMED_SOURCES = ("ASCO Post", "FiercePharma", "Daily Mail", "OnMedica", "Ontario Drug Benefit", "Ethypharm",
                 "DESIREE", "Peasgood", "Zorginstituut", "Sundquist", "Lertjanyakun", "Kourlaba")
MIRRORS = ("5dok.net", "adoc.pub", "jesse.tg", "citation not found")
JOURNAL = re.compile(r"(?:19|20)\d{2}(?: [A-Z][a-z]{2})?;\d+(?:\(\d+\))?:[\w-]+")  # 2014;25(12):2357-62
PUBLISHER = re.compile(r"[A-Z][\w .,&'-]*: [^;]+; (?:19|20)\d{2}")  # London: NICE; 2013
URL = re.compile(r"https?://\S+")
NEWS = re.compile(r"\. (?:19|20)\d{2} [A-Z][a-z]{2} \d{1,2}\b")  # The ASCO Post. 2012 Nov 1
DATASET = re.compile(r"\bSN \d{4}\b")  # a data archive's study number (UK Data Service)
UNVERIFIED = "details unverified"


def test_every_citation_resolves_to_the_reference_list(document):
    texts, listed = body_and_references(document)
    assert len(listed) >= 50 and sorted(listed) == list(range(1, len(listed) + 1))
    cited: list[int] = []
    for text in texts:
        for match in CITATION.finditer(text):
            cited += [int(n) for n in re.findall(r"\d+", match.group(1))]
    assert cited and all(1 <= n <= len(listed) for n in cited)
    assert set(cited) == set(listed)  # every entry is cited
    first = list(dict.fromkeys(cited))
    assert first == sorted(first)  # numbered in the order of first citation (Vancouver)


def test_author_year_citations_resolve(document):
    texts, listed = body_and_references(document)
    entries = list(listed.values())
    found = set()
    for text in texts:
        for surname, year in AUTHOR_YEAR.findall(text):
            if surname in NOT_AUTHORS:
                continue
            found.add((surname, year))
            assert any(surname in e and year in e for e in entries), f"'{surname} {year}' is not in the reference list"
    assert {("Yardley", "2013"), ("Piccart", "2014"), ("Lloyd", "2006")} <= found


@pytest.mark.parametrize("name", NAMED_SOURCES)
def test_a_named_source_carries_its_reference(document, name):
    """A source named in a note or summary (a news report, a formulary, a trial) has its number beside it."""
    texts, listed = body_and_references(document)
    naming = [t for t in texts if name in t]
    if name in ("ASCO Post", "FiercePharma", "Daily Mail", "OnMedica", "DESIREE", "Peasgood", "Zorginstituut"):
        assert naming, f"{name} is expected in this document"
    for text in naming:
        numbers = [int(n) for m in CITATION.finditer(text) for n in re.findall(r"\d+", m.group(1))]
        keyword = {"Zorginstituut": "Zorginstituut", "Ethypharm": "Ethypharm"}.get(name, name)
        assert any(keyword in listed[n] for n in numbers if n in listed), f"{name}: {text[:120]}"


def test_reference_entries_are_complete_and_primary(document):
    texts, listed = body_and_references(document)
    whole = "\n".join(texts + list(listed.values()))
    for mirror in MIRRORS:
        assert mirror not in whole, mirror
    for n, entry in listed.items():
        has_year = re.search(r"\b(?:19|20)\d{2}\b", entry) is not None
        located = bool(JOURNAL.search(entry) or PUBLISHER.search(entry) or URL.search(entry) or NEWS.search(entry)
                       or DATASET.search(entry))
        assert located or UNVERIFIED in entry, f"[{n}] has no journal, volume and pages, no publisher and no address: {entry}"
        assert has_year or UNVERIFIED in entry, f"[{n}] has no year: {entry}"
        assert len([s for s in entry.split(". ") if s.strip()]) >= 2, f"[{n}] lacks author/body or title: {entry}"
        if URL.search(entry) and not JOURNAL.search(entry):
            assert "accessed" in entry or "access date not recorded" in entry, f"[{n}] address without access date"
    # the Dutch assessment is cited as the Zorginstituut's own letter, not through a mirror
    zin = [e for e in listed.values() if e.startswith("Zorginstituut Nederland")]
    assert len(zin) == 1 and "2014110952" in zin[0]


# --------------------------------------------------------------------------- price and cumulative
def _icer_or_na(value) -> str:
    return "n/a" if finite(value) is None else gbp(value)


def test_price_tables(tables, bundle):
    result = bundle.price
    s = bundle.inputs.settings
    priced = [p for p in (s.price_parameter, *s.price_linked) if p in result.list_prices]
    weighted = result.weight != 1.0
    t = cells(table(tables, "Cost-effectiveness by discount off the list price"))
    assert len(t) > 2
    for row in t[1:]:
        g = result.grid[[pct(d, 0) == row[0] for d in result.grid["discount"]]]
        assert len(g) == 1, row[0]
        r = g.iloc[0]
        expected = [gbp(r[f"price_{p}"], 2) for p in priced] + [_icer_or_na(r["icer"])]
        if weighted:
            expected.append(_icer_or_na(r["icer_weighted"]))
        expected += [gbp(r[f"inmb_unweighted_{x:g}"]) for x in s.wtp_thresholds]
        if weighted:
            expected += [gbp(r[f"inmb_weighted_{x:g}"]) for x in s.wtp_thresholds]
        assert row[1:] == expected, row[0]
    t = cells(table(tables, "Probability cost-effective by discount off the list price"))
    for row in t[1:]:
        r = result.grid[[pct(d, 0) == row[0] for d in result.grid["discount"]]].iloc[0]
        expected = [fixed(r[f"p_ce_{lab}_{x:g}"], 3) for lab in ("unweighted", "weighted") for x in s.wtp_thresholds
                    if f"p_ce_{lab}_{x:g}" in r]
        assert row[1:] == expected, row[0]
    t = cells(table(tables, "Threshold prices of the technology"))
    rows = list(result.thresholds.itertuples())
    assert len(t) - 1 == len(rows)
    for printed, r in zip(t[1:], rows):
        assert printed[2:4] == [wtp_label(r.effective_wtp), pct(r.threshold_discount, 1)]
        assert printed[4:4 + len(priced)] == [gbp(getattr(r, f"threshold_price_{p}"), 2) for p in priced]
        # the discount needed brings the ICER (per weighted QALY when weighted) to the threshold
        icer = (result.inc_cost - r.threshold_discount * result.inc_priced_cost / (1 - result.pas_discount)) \
            / result.inc_qaly
        assert icer == pytest.approx(r.effective_wtp, rel=1e-9)


def test_cumulative_table(tables, bundle):
    t = cells(table(tables, "Preferred assumptions added one at a time"))
    frame = bundle.cumulative.table
    assert len(t) - 1 == len(frame)
    for printed, r in zip(t[1:], frame.itertuples()):
        change = "" if finite(r.icer_change) is None else gbp(r.icer_change)
        assert printed == [("Bound" if r.kind == "bound" else str(r.step)), r.label, gbp(r.inc_cost),
                           fixed(r.inc_qaly, 3), _icer_or_na(r.icer), change, fixed(r.severity_weight, 1),
                           _icer_or_na(r.icer_weighted)], r.label
    # each step's ICER is its own increments' ratio, the weighted one that over the step's weight
    for r in frame.itertuples():
        assert r.icer == pytest.approx(r.inc_cost / r.inc_qaly, rel=1e-12)
        assert r.icer_weighted == pytest.approx(r.inc_cost / (r.severity_weight * r.inc_qaly), rel=1e-12)


# --------------------------------------------------------------------------- OS plausibility and time on treatment
def _share(x) -> str:
    return "–" if finite(x) is None else f"{100 * x:.1f}%"


def test_os_plausibility_tables(tables, bundle):
    from cea.outputs.plausibility_files import plausibility_results

    r = plausibility_results(bundle)
    labels = {a.id: a.label for a in bundle.inputs.structure.arms}
    years = (1, 2, 3, 5, 10)
    t = cells(table(tables, "OS landmarks: model, trial data and external benchmarks"))
    shown = r["landmarks"][r["landmarks"]["row"] != "joint fit"]
    assert len(t) - 1 == len(shown)
    for printed, (_, x) in zip(t[1:], shown.iterrows()):
        assert printed[0].startswith(str(x["name"]))
        assert printed[1] == (labels.get(x["arm"], "") if isinstance(x["arm"], str) else "")
        assert printed[2:] == [_share(x[f"s_{y}y"]) for y in years], printed[0]
    benchmarks = shown[shown["row"] == "external benchmark"]
    assert {n.split()[0] for n in benchmarks["name"]} == {"Sundquist", "Lord"}
    assert sorted(benchmarks["s_5y"]) == [0.23, 0.27]  # Lord 2022, Sundquist 2017 (five-year OS, upper bounds)
    t = cells(table(tables, "Model averaging over the joint OS fits"))
    avg = r["average"].table
    assert len(t) - 1 == len(avg)
    for printed, (_, x) in zip(t[1:], avg.iterrows()):
        assert printed[1:] == [fixed(x["akaike_weight"], 3), gbp(x["inc_costs"]), fixed(x["inc_qalys"], 3),
                               fixed(x["inc_lys"], 3), gbp(x["icer"]) if finite(x["icer"]) is not None else "–"]
    members = avg[avg["model"] != "average"]
    average = avg[avg["model"] == "average"].iloc[0]
    w = members["akaike_weight"] / members["akaike_weight"].sum()
    assert average["inc_costs"] == pytest.approx(float((w * members["inc_costs"]).sum()), rel=1e-12)
    assert average["icer"] == pytest.approx(average["inc_costs"] / average["inc_qalys"], rel=1e-12)
    i, c = bundle.inputs.settings.intervention, bundle.inputs.settings.comparator
    t = cells(table(tables, "Implied post-progression death rate by arm"))
    rates = r["pd_rates"]
    assert len(t) - 1 == len(rates)
    for printed, (_, x) in zip(t[1:], rates.iterrows()):
        assert printed == [f"{int(x['month'])}", f"{100 * x[f'{i}_rate']:.2f}", f"{100 * x[f'{c}_rate']:.2f}",
                           f"{x['ratio']:.2f}", _share(x[f"{i}_pd"]), _share(x[f"{c}_pd"])]
        assert x["ratio"] == pytest.approx(x[f"{i}_rate"] / x[f"{c}_rate"], rel=1e-12)


def test_time_on_treatment_check_table(tables, bundle):
    from cea.outputs.plausibility_files import plausibility_results

    r = plausibility_results(bundle)
    labels = {a.id: a.label for a in bundle.inputs.structure.arms}
    t = cells(table(tables, "Modelled time on treatment"))
    assert len(t) - 1 == len(r["tot"])
    mean_months = bundle.base_case.to_dict()["arms"]
    for printed, (_, x) in zip(t[1:], r["tot"].iterrows()):
        assert printed == [labels.get(x["arm"], x["arm"]), str(x["drug"]).capitalize(),
                           *[_share(x[f"on_{m}m"]) for m in (6, 12, 24)],
                           *[_share(x[f"share_of_pf_{m}m"]) for m in (6, 12, 24)],
                           f"{x['median_months']:.1f}", f"{x['mean_months']:.1f}"]
        # the mean is the run's own undiscounted mean months on that drug
        assert x["mean_months"] == pytest.approx(mean_months[x["arm"]]["mean_months"]["on_treatment"][x["drug"]], rel=1e-9)
