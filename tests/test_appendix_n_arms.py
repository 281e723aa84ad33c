"""The appendix with more than two arms: the fully incremental tables (base case, PSA means), the budget-impact
note on the strategies it covers, the frontier figure, and sentences read off the decision rule's table.

The sections are written by their own functions into a Word document from a small bundle (inputs, base case,
PSA): the whole appendix needs every analysis of a run (`cea appendix`), which takes minutes for four arms."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import docx
import numpy as np
import pytest
from PIL import Image

from cea.analyses.decision import incremental_analysis
from cea.analyses.psa import run_psa
from cea.analyses.strategies import strategy_table
from cea.appendix.document import AppendixContext, DocWriter, in_sentence
from cea.appendix.strategies import (base_case_strategies, budget_impact_strategies, frontier_text, psa_strategies,
                                     write_frontier_figure)
from cea.inputs.budget_impact import BudgetImpactInputs
from cea.inputs.model_inputs import load_inputs
from tests.n_arms import DOMINATED, EXTENDED, n_arm_inputs

ROOT = Path(__file__).resolve().parents[1]


def _document(bundle, folder: Path):
    labels = {a.id: a.label for a in bundle.inputs.structure.arms}
    figures = write_frontier_figure(bundle, folder, labels)
    ctx = AppendixContext(bundle, DocWriter(), figures)
    base_case_strategies(ctx)
    psa_strategies(ctx)
    budget_impact_strategies(ctx)
    path = folder / "part.docx"
    ctx.w.doc.save(path)
    return ctx, figures, docx.Document(path)


@pytest.fixture(scope="module")
def four_arms(tmp_path_factory):
    folder = tmp_path_factory.mktemp("appendix_n_arms")
    inputs = load_inputs(n_arm_inputs(folder / "inputs"))
    psa = run_psa(inputs, iterations=30, seed=11)
    market = BudgetImpactInputs({1: 100.0}, 0.0, 0.0, (0.3, 0.5), (0.0, 0.0),
                                market_share_without=MARKET, displaced_share={})
    bundle = SimpleNamespace(inputs=inputs, base_case=psa.base_case, psa=psa,
                             budget_impact=SimpleNamespace(inputs=market))
    return (bundle, *_document(bundle, folder))


# market shares of the world without the intervention by year (the shares taken default to these)
MARKET = {"exe": (0.6, 0.5), DOMINATED: (0.4, 0.5), EXTENDED: (0.0, 0.0)}


def _tables(document) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def test_the_fully_incremental_tables_are_the_decision_rule(four_arms):
    bundle, ctx, _, document = four_arms
    arms = list(bundle.inputs.structure.arm_ids)
    base = bundle.base_case
    expected = [incremental_analysis([base.arm_summary(a)["costs"] for a in arms],
                                     [base.arm_summary(a)["qalys"] for a in arms], arms),
                incremental_analysis(bundle.psa.costs.mean(axis=0), bundle.psa.qalys.mean(axis=0), arms)]
    status = {"reference": "Reference (least costly)", "non-dominated": "On the frontier",
              "dominated": "Dominated", "extendedly dominated": "Extendedly dominated"}
    tables = [t for t in _tables(document) if t[0][-1] == "Status"]
    assert len(tables) == 2
    for table, want in zip(tables, expected):
        assert [r[0] for r in table[1:]] == [ctx.labels[a] for a in want["strategy"]]
        assert [r[-1] for r in table[1:]] == [status[s] for s in want["status"]]
        for row, w in zip(table[1:], want.itertuples()):
            assert row[1] == ctx.money(w.cost)
            assert row[5] == (ctx.money(w.icer) if np.isfinite(w.icer) else "—")
    assert any("Extendedly dominated" in r[1] for t in _tables(document) if t[0][1] == "Status" for r in t)


def test_the_text_is_read_off_the_results(four_arms):
    bundle, ctx, _, document = four_arms
    text = "\n".join(p.text for p in document.paragraphs)
    labels = ctx.labels
    assert f"{labels[DOMINATED]} is dominated by {in_sentence(labels['exe'])}" in text
    assert f"{labels[EXTENDED]} is extendedly dominated" in text
    assert f"On the frontier, {in_sentence(labels['eve_exe'])} costs" in text and "per QALY gained" in text
    for arm in bundle.inputs.structure.arm_ids:  # arm labels, never ids; no parameter ids
        assert f" {arm} " not in text and f" {arm}." not in text
    for pid in ("hr_pfs", "add_on_cost", "cea "):
        assert pid not in text
    assert "market shares of Table" in text and f"the largest share from {in_sentence(labels['exe'])}" in text
    assert f"{labels[EXTENDED]} has no market share" in text


def test_the_market_shares_are_a_table_by_year(four_arms):
    """Who the intervention displaces: every other strategy with its share of the world without it, by year when
    the shares change, and the share of the uptake taken from it (here in proportion to the market shares)."""
    _, ctx, _, document = four_arms
    table = next(t for t in _tables(document) if t[0][0] == "Strategy" and "Share without, year 1" in t[0])
    assert table[0] == ["Strategy", "Share without, year 1", "Share without, year 2", "Taken from, year 1",
                        "Taken from, year 2"]
    rows = {r[0]: r[1:] for r in table[1:]}
    assert rows[ctx.labels["exe"]] == ["60%", "50%", "60%", "50%"]
    assert rows[ctx.labels[DOMINATED]] == ["40%", "50%", "40%", "50%"]
    assert rows[ctx.labels[EXTENDED]] == ["0%", "0%", "0%", "0%"]
    assert ctx.labels["eve_exe"] not in rows  # the intervention itself is not in the market it enters


def test_the_frontier_figure_is_in_the_document(four_arms, tmp_path):
    bundle, ctx, figures, document = four_arms
    assert set(figures) == {"frontier"}
    with Image.open(figures["frontier"]) as image:
        assert image.size[0] > 1000 and image.size[1] > 800
    pictures = [r for r in document.part.rels.values() if "image" in r.reltype]
    assert len(pictures) == 1
    assert any(p.text.startswith("Figure 1: Cost-effectiveness frontier") for p in document.paragraphs)


def test_two_arms_add_nothing(tmp_path):
    shipped = load_inputs(ROOT / "inputs")
    psa = run_psa(shipped, iterations=5, seed=1)
    bundle = SimpleNamespace(inputs=shipped, base_case=psa.base_case, psa=psa, budget_impact=object())
    ctx, figures, document = _document(bundle, tmp_path)
    assert figures == {} and document.tables == [] and not any(p.text for p in document.paragraphs)


def test_frontier_text_on_a_single_frontier_strategy(four_arms):
    """One strategy dominating all others: said so, with no ICER sentence."""
    _, ctx, _, _ = four_arms
    arms = list(ctx.labels)
    table = strategy_table(arms, [100.0, 200.0, 300.0, 400.0], [3.0, 2.0, 1.0, 0.5])
    text = frontier_text(ctx, table)
    assert f"{ctx.labels[arms[0]]} is the only strategy on the frontier" in text
    assert "ICER" not in text


@pytest.mark.parametrize("label, inside", [
    ("Elacestrant", "elacestrant"), ("Everolimus + exemestane", "everolimus + exemestane"),
    ("Fulvestrant 500 mg", "fulvestrant 500 mg"), ("CDK4/6 inhibitor + fulvestrant", "CDK4/6 inhibitor + fulvestrant"),
    ("AKT inhibitor", "AKT inhibitor"), ("PIK3CA-mutated cohort", "PIK3CA-mutated cohort"), ("AI", "AI"),
    ("placebo + exemestane", "placebo + exemestane"), ("", "")])
def test_a_label_inside_a_sentence_loses_its_capital_unless_an_acronym(label, inside):
    assert in_sentence(label) == inside


def test_labels_inside_sentences_are_lower_case_and_start_sentences_as_given(four_arms):
    _, ctx, _, document = four_arms
    text = "\n".join(p.text for p in document.paragraphs)
    labels = ctx.labels
    assert labels["exe"] == "Placebo + exemestane" and labels["eve_exe"] == "Everolimus + exemestane"
    assert f"{labels[DOMINATED]} is dominated by placebo + exemestane, which" in text  # sentence start as given
    assert "Sorted by cost, placebo + exemestane is the least costly" in text
    assert "than Placebo + exemestane" not in text and "by Placebo + exemestane" not in text
    assert "In the world without everolimus + exemestane the patients" in text


def test_the_summary_leads_with_the_fully_incremental_analysis(four_arms, monkeypatch):
    """More than two strategies: the summary's results give the frontier first (its ICERs, the dominated and
    extendedly dominated strategies), then the settings' pair as a secondary comparison."""
    import pandas as pd

    from cea.appendix import summary
    from cea.appendix.strategies import base_case_table

    bundle, _, _, _ = four_arms
    monkeypatch.setattr(summary, "top_dsa", lambda ctx, n=3: [])  # the one-way analysis is not run here
    full = SimpleNamespace(**vars(bundle), list_price_base_case=None, severity=None,
                           scenarios=SimpleNamespace(table=pd.DataFrame({"scenario": ["base"], "icer": [np.nan]})),
                           threshold=SimpleNamespace(table=pd.DataFrame(
                               {"wtp": [], "threshold_value": [], "relative_change_pct": []})))
    ctx = AppendixContext(full, DocWriter(), {})
    summary.summary_section(ctx)
    paragraphs = [p.text for p in ctx.w.doc.paragraphs]
    results = next(k for k, p in enumerate(paragraphs) if p.startswith("Results. "))
    pair = next(k for k, p in enumerate(paragraphs) if p.startswith("Pairwise comparison. "))
    assert results < pair
    text = paragraphs[results]
    table = base_case_table(bundle)
    icer = float(table.loc[table["arm"] == "eve_exe", "icer"].iloc[0])
    assert "in the fully incremental analysis of the 4 strategies" in text
    assert (f"frontier runs from placebo + exemestane, the least costly, to everolimus + exemestane (ICER "
            f"{ctx.money(icer)} per QALY gained against placebo + exemestane)") in text
    assert f"{in_sentence(ctx.labels[DOMINATED])} is dominated" in text
    assert f"{in_sentence(ctx.labels[EXTENDED])} is extendedly dominated" in text
    assert "The strategy with the highest net monetary benefit is placebo + exemestane at £20,000 and £30,000 per QALY" \
        in text
    assert "ICER of everolimus + exemestane against placebo + exemestane alone" in paragraphs[pair]
    assert "fully incremental" not in paragraphs[pair]


def test_the_findings_lead_with_the_frontier_then_the_pair(four_arms):
    """Interpretation with more than two strategies: the frontier's sentence before the settings' pair."""
    import pandas as pd

    from cea.appendix.interpretation import interpretation_section

    bundle, _, _, _ = four_arms
    full = SimpleNamespace(**vars(bundle), list_price_base_case=None, severity=None, weighted_threshold=None,
                           threshold=SimpleNamespace(table=pd.DataFrame(
                               {"wtp": [], "threshold_value": [], "relative_change_pct": []})))
    ctx = AppendixContext(full, DocWriter(), {})
    interpretation_section(ctx)
    findings = next(p.text for p in ctx.w.doc.paragraphs if p.text.startswith("Findings. "))
    frontier = findings.index("in the fully incremental analysis of the 4 strategies, the cost-effectiveness frontier")
    pair = findings.index("At list price, the base-case ICER is")
    assert frontier < pair
    assert f"{in_sentence(ctx.labels[DOMINATED])} is dominated" in findings[:pair]
