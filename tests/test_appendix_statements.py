"""Issue 21, items 1, 2 and 5: the appendix says only what is true of the run that made it.

One short run of the shipped inputs (6-year horizon, 40 PSA iterations) is built once; each alternative setting or
scenario replaces the run's inputs and base case and regenerates the whole text of the appendix without figures
(``build_text_only``, about a second).  For each, the statements the change affects must appear and the statements
describing the option not in use must not (table-driven).  The body scan reads every paragraph and table cell before
the technical annex for ids, file names, commands and wording about how the work was done.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.bundle import run_all_analyses
from cea.analyses.landmarks import landmark_table
from cea.appendix.build import build_text_only
from cea.appendix.document import AppendixContext, DocWriter, lower_first
from cea.appendix.language import forbidden, submission_text
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides, scenario_overrides

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def bundle():
    inputs = apply_overrides(load_inputs(INPUTS), {"horizon_years": "6"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return run_all_analyses(inputs, iterations=40, seed=2)


def variant(bundle, overrides: dict[str, str] | None = None, scenario: str | None = None, structure=None):
    inputs = bundle.inputs
    if scenario:
        inputs = apply_overrides(inputs, scenario_overrides(inputs)[scenario], origin=scenario)
    if overrides:
        inputs = apply_overrides(inputs, overrides)
    if structure:
        inputs = replace(inputs, structure=structure(inputs.structure))
    base = run_base_case(inputs)
    return replace(bundle, inputs=inputs, base_case=base, landmarks=landmark_table(base))


def statement_text(document) -> str:
    """The statements of the document: every paragraph, and the cells of the tables that state the model's
    features and assumptions (not the scenario tables, whose rows name the alternatives on purpose; in the key
    assumptions only the assumption and its justification)."""
    out = []
    for kind, key, value in document.items:
        if kind != "table":
            out.append(value)
        elif any(k in key for k in ("Features of the economic analysis", "Goodness of fit",
                                    "Survival curves and treatment effect")):
            out += [c for r in value[1:] for c in r]
        elif "Key assumptions" in key:
            out += [c for r in value[1:] for c in r[:2]]
    return "\n".join(out)


def body_text(document) -> list[str]:
    """Every paragraph and table cell before the reference list and the technical annex."""
    out = []
    for kind, key, value in document.items:
        if kind == "heading" and key == 1 and value.split(" ", 1)[-1] in ("References",
                                                                         "Technical annex: reproducibility"):
            break
        out += [c for r in value for c in r] if kind == "table" else [value]
    return out


BASE_PRESENT = ("cohort state-transition (Markov) model", "spread over the time on treatment",
                "follows the arm's OS curve", "one joint proportional-hazards Weibull fit to both arms",
                "No row is the base case", "ToT(t) = PF(t)·exp(−λt)", "a one-off cost at progression",
                "costs and QALYs discounted at 3.5% per year", "Half-cycle (trapezoidal) correction",
                "no waning of the treatment effect", "list prices (no confidential discount)",
                "7-day cycles", "over 6 years", "the final analysis, investigator (local) assessment")

# (id, how to make it, statements that must appear, statements that must not appear)
CASES = [
    ("psm", {"overrides": {"model_structure": "psm"}},
     ("partitioned-survival model", "State occupancy (partitioned survival)", "difference between the OS and PFS"),
     ("cohort state-transition (Markov) model", "Markov traces", "follows the arm's OS curve")),
    ("ae_at_start", {"overrides": {"adverse_event_timing": "at_start"}},
     ("applied once, at the start of the model and undiscounted", "once, at the start of the model"),
     ("spread over the time on treatment", "over the time on treatment (the trial")),
    ("pd_constant", {"overrides": {"pd_mortality": "constant"}},
     ("constant rate of", "Post-progression mortality is a constant monthly rate"),
     ("follows the arm's OS curve", "Post-progression mortality follows the OS curve")),
    ("waning", {"overrides": {"waning_start_months": "24", "waning_end_months": "36"}},
     ("wanes linearly from 24 to 36 months", "Linear from 24 to 36 months"),
     ("no waning of the treatment effect",)),
    ("waning_step", {"overrides": {"waning_start_months": "30", "waning_end_months": "30"}},
     ("the treatment effect stops at 30 months", "Stops at 30 months"), ("no waning of the treatment effect",
                                                                         "wanes linearly")),
    ("undiscounted", {"overrides": {"discount_rate_costs": "0", "discount_rate_outcomes": "0"}},
     ("costs and QALYs undiscounted", "the NICE reference case is 3.5% for both", "departs from it in discounting"),
     ("costs and QALYs discounted at 3.5% per year",)),
    ("discount_1.5", {"overrides": {"discount_rate_costs": "0.015", "discount_rate_outcomes": "0.015"}},
     ("costs and QALYs discounted at 1.5% per year",), ("costs and QALYs discounted at 3.5% per year",)),
    ("horizon", {"overrides": {"horizon_years": "4"}}, ("over 4 years", "horizon of 4 years"), ("over 6 years",)),
    ("cycle", {"overrides": {"cycle_length_days": "30.4375"}}, ("30.4375-day cycles",), ("7-day cycles",)),
    ("simpson", {"overrides": {"within_cycle_correction": "simpson"}}, ("Simpson's 1/3 rule",),
     ("Half-cycle (trapezoidal) correction",)),
    ("no_correction", {"overrides": {"within_cycle_correction": "none"}}, ("No within-cycle correction",),
     ("Half-cycle (trapezoidal) correction",)),
    ("pas", {"overrides": {"pas_discount": "0.25"}}, ("confidential discount of 25.0%",),
     ("list prices (no confidential discount)",)),
    ("treat_to_progression", {"scenario": "tot_to_progression"},
     ("every drug is taken until progression or death", "Every drug is taken until progression or death"),
     ("ToT(t) = PF(t)·exp(−λt)",)),
    ("independent_weibull", {"scenario": "os_weibull_independent"},
     ("independent Weibull fits to each arm", "* base-case distribution", "Weibull *"),
     ("one joint proportional-hazards Weibull fit to both arms", "No row is the base case")),
    ("aft", {"scenario": "os_loglogistic_aft"},
     ("one joint accelerated-failure-time log-logistic fit", "acceleration factor of"),
     ("one joint proportional-hazards Weibull fit to both arms", "Weibull *")),
    ("pfs_central", {"scenario": "pfs_final_central"},
     ("the final analysis, central assessment", "hazard ratio 0.38"),
     ("the final analysis, investigator (local) assessment",)),
    ("subsequent_monthly", {"structure": lambda st: replace(st, cost_items=tuple(
        replace(i, basis="per_month_in_pd") if i.category == "subsequent_therapy" else i for i in st.cost_items))},
     ("a monthly cost while in progressed disease",), ("a one-off cost at progression",)),
]


@pytest.fixture(scope="module")
def base_text(bundle):
    return statement_text(build_text_only(bundle))


def test_the_base_case_states_its_own_choices(base_text):
    for phrase in BASE_PRESENT:
        assert phrase in base_text, phrase
    for phrase in ("applied once, at the start of the model", "partitioned-survival model with",
                   "Weibull *", "flat monthly", "a lifetime: fewer than", "departs from it in discounting"):
        assert phrase not in base_text, phrase


@pytest.mark.parametrize("name, how, present, absent", CASES, ids=[c[0] for c in CASES])
def test_every_statement_follows_the_setting(bundle, base_text, name, how, present, absent):
    text = statement_text(build_text_only(variant(bundle, **how)))
    for phrase in present:
        assert phrase in text, f"{name}: missing '{phrase}'"
        assert phrase not in base_text, f"{name}: '{phrase}' does not change with the setting"
    for phrase in absent:
        assert phrase not in text, f"{name}: still says '{phrase}'"


def test_at_least_twelve_alternatives_are_checked():
    assert len(CASES) >= 12


class EveryFigure(dict):
    """Every figure present (the text-only build then writes each figure's citing sentence and caption)."""

    def __contains__(self, key):
        return True

    def get(self, key, default=None):
        return Path(f"{key}.png")


@pytest.fixture(scope="module")
def base_document(bundle):
    return build_text_only(bundle, EveryFigure())


def test_figure_captions_and_citations_keep_acronyms(base_document):
    text = "\n".join(v for kind, _, v in base_document.items if kind != "table")
    assert "Figure" in text and "Caption" in {k for _, k, _ in base_document.items}
    for wrong in ("the pSA", "the eVPPI", "the markov", "the eVPI", "the cEAC", "the cE plane"):
        assert wrong not in text, wrong


def test_the_body_holds_no_id_file_command_or_process_wording(bundle, base_document):
    ctx = AppendixContext(bundle, DocWriter(), {})
    pattern = forbidden(ctx)
    hits = [(m.group(0), text[:120]) for text in body_text(base_document) for m in [pattern.search(text)] if m]
    assert not hits, hits[:15]


def test_the_scan_finds_what_it_looks_for(bundle):
    ctx = AppendixContext(bundle, DocWriter(), {})
    pattern = forbidden(ctx)
    for text in ("the hazard ratio [hr_os]", "pfs_exe (Weibull)", "os_landmarks.csv", "run `cea threshold`",
                 "cea run --json mean_months", "the wording was not read in this session", "seen only in a model",
                 "pas_discount = 0", "--set model_structure=psm"):
        assert pattern.search(text), text
    assert submission_text(ctx, "Read in the source. The wording was not read in this session") == \
        "Read in the source."


def test_captions_keep_acronyms_and_proper_nouns():
    assert lower_first("PSA convergence") == "PSA convergence"
    assert lower_first("EVPPI per patient") == "EVPPI per patient"
    assert lower_first("Markov traces: state occupancy") == "Markov traces: state occupancy"
    assert lower_first("Tornado diagram") == "tornado diagram"


def test_equality_names_the_licensed_population(base_document):
    text = "\n".join(v for kind, _, v in base_document.items if kind != "table")
    section = text.split("Equality considerations", 2)[-1].split("Budget impact")[0]
    assert "postmenopausal women" in section
    assert "would be expected to be covered" not in section
    assert not re.search(r"men with breast cancer[^.]*covered by", section, re.IGNORECASE)


def table_rows(document, caption_start: str) -> list[list[str]]:
    tables = [v for kind, key, v in document.items if kind == "table" and key.startswith(caption_start)]
    assert len(tables) == 1, caption_start
    return tables[0][1:]


def test_dsa_shows_uncertain_parameters_with_an_effect_each_dirichlet_group_once(bundle, base_document):
    rows = table_rows(base_document, "One-way sensitivity analysis")
    labels = [r[0] for r in rows]
    inputs, s = bundle.inputs, bundle.inputs.settings
    table = bundle.one_way.table.set_index("parameter")
    assert not any("list price" in label for label in labels)  # prices: threshold price and price scenarios
    assert all(p in table.index for p in (s.price_parameter, *s.price_linked))  # the analysis layer still has them
    no_effect = [p for p in table.index if abs(table.at[p, "inmb_high"] - table.at[p, "inmb_low"]) < 1e-6]
    assert "pd_death_rate" in no_effect  # the base case tracks the OS curves
    text = "\n".join(v for kind, _, v in base_document.items if kind != "table")
    for pid in no_effect:
        assert inputs.parameters[pid].description.split(" (")[0] not in labels
        assert inputs.parameters[pid].description.split(" (")[0].lower()[:30] in text.lower()
    groups = {}
    for pid in table.index:
        row = inputs.parameters[pid]
        if row.distribution == "dirichlet":
            groups.setdefault(row.dirichlet_group, []).append(row.description.split(" (")[0])
    for members in groups.values():
        assert sum(any(label.startswith(m) for m in members) for label in labels) == 1
    assert len(rows) == len(table) - len(no_effect) - 2 - sum(len(m) - 1 for m in groups.values())


def test_undiscounted_scenario_is_named_by_what_it_sets(base_document):
    labels = [r[0] for r in table_rows(base_document, "Scenario analyses")]
    assert any(label.startswith("No discounting of costs or outcomes") for label in labels)
    assert not any(label.startswith("Undiscounted costs") for label in labels)


def test_price_scenarios_are_with_the_threshold_price_not_the_uncertainty_range(bundle, base_document):
    labels = [r[0] for r in table_rows(base_document, "Scenario analyses")]
    prices = [r[0] for r in table_rows(base_document, "Price scenarios")]
    assert len(prices) == 3 and not any("price" in label.lower() and "list price:" in label for label in labels)
    summary = next(v for kind, _, v in base_document.items if kind == "paragraph" and v.startswith("Alternative"))
    table = bundle.scenarios.table
    price_icers = table[table["scenario"].str.startswith("generic_everolimus_price")]["icer"]
    from cea.appendix.document import money
    assert not any(money(x, "GBP") in summary for x in price_icers)


def test_the_document_is_dated_by_its_run(base_document):
    from datetime import datetime, timezone

    today = datetime.now(timezone.utc).date()
    controls = dict(table_rows(base_document, "Document controls"))
    annex = dict(table_rows(base_document, "Run manifest"))
    assert controls["Date"] == annex["Run date"] == f"{today.day} {today:%B %Y}"


@pytest.mark.parametrize("name", ["us", "tamrad"])
def test_the_other_input_sets_give_a_body_in_submission_language(name):
    """The US payer set (no published analyses, no document controls) and the exploratory TamRAD set."""
    inputs = apply_overrides(load_inputs(INPUTS / name), {"horizon_years": "6"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = run_all_analyses(inputs, iterations=20, seed=2)
    document = build_text_only(result, EveryFigure())
    pattern = forbidden(AppendixContext(result, DocWriter(), {}))
    hits = [(m.group(0), text[:120]) for text in body_text(document) for m in [pattern.search(text)] if m]
    assert not hits, hits[:10]
    assert "partitioned-survival model" in statement_text(document) or "Markov" in statement_text(document)


def _with_statuses(bundle, statuses: dict[str, str]):
    """The bundle with some parameters' statuses changed (the text reads them; the results do not depend on them)."""
    parameters = {k: replace(p, status=statuses.get(k, p.status)) for k, p in bundle.inputs.parameters.items()}
    return replace(bundle, inputs=replace(bundle.inputs, parameters=parameters))


def _inputs_limitation(document) -> str:
    return next(line for line in body_text(document) if line.startswith("Inputs: "))


def test_the_source_check_limitation_counts_the_inputs_statuses(bundle):
    params = bundle.inputs.parameters
    secondary = [k for k, p in params.items() if p.status == "secondary"]
    verified = [k for k, p in params.items() if p.status == "verified"]
    assert len(secondary) >= 3 and len(verified) >= 2
    shipped_document = build_text_only(bundle)
    shipped = _inputs_limitation(shipped_document)
    marked = [c for c in body_text(shipped_document) if "(secondary source only)" in c]
    assert len(marked) >= len(secondary)  # the parameter tables mark them (a cell may repeat in another table)
    assert f"{len(secondary)} published inputs are taken from a secondary source only (marked" in shipped
    assert "not verified" not in shipped and "some published inputs" not in shipped

    flipped = {secondary[0]: "verified", verified[0]: "unverified", verified[1]: "unverified"}
    text = _inputs_limitation(build_text_only(_with_statuses(bundle, flipped)))
    assert (f"{len(secondary) - 1} published inputs are taken from a secondary source only and 2 were not verified "
            "against their source (marked in the parameter tables)") in text

    only_one = {**{k: "verified" for k in secondary}, verified[0]: "unverified"}
    text = _inputs_limitation(build_text_only(_with_statuses(bundle, only_one)))
    assert "1 published input was not verified against its source (marked in the parameter tables)" in text
    assert "secondary source" not in text

    none = {k: "verified" for k in secondary}
    document = build_text_only(_with_statuses(bundle, none))
    text = _inputs_limitation(document)
    assert not any("(secondary source only)" in c for c in body_text(document))
    assert "verified" not in text and "secondary" not in text and "marked in the parameter tables" not in text
    assert text.endswith("scalar inputs are assumptions; all are varied in the deterministic and probabilistic "
                         "analyses.")


def test_the_arithmetic_claim_is_read_from_the_checks_that_ran():
    """Strengths: the black-box checks that passed are counted, and the workbook replication is claimed only when
    LibreOffice recalculated it and it passed (section B.3.14)."""
    from cea.appendix.interpretation import arithmetic_checks

    black = [{"techver": "Black-box: discounting", "passed": True}, {"techver": "Extreme values", "passed": True},
             {"techver": "Extreme values", "passed": False}]
    workbook = {"techver": "Replication", "passed": True}
    assert arithmetic_checks(black) == "its arithmetic is verified: 2 black-box checks pass"
    assert arithmetic_checks(black + [workbook]) == (
        "its arithmetic is verified: 2 black-box checks pass and the payer workbook, a second implementation of the "
        "model in spreadsheet formulas, reproduces every result when recalculated in LibreOffice")
    for not_claimed in ({"techver": "Replication", "passed": None}, {"techver": "Replication", "passed": False}):
        assert arithmetic_checks(black[:1] + [not_claimed]) == "its arithmetic is verified: 1 black-box check passes"
    assert arithmetic_checks([]) == "its arithmetic is checked in section B.3.14"
