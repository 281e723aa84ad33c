"""The appendix's sentences about the decision problem come from the input set that writes it.

The population, comparators, pathway, trials, appraisal history and the like are text of the input set
(``submission.toml`` ``[decision_problem]``, ``[clinical_evidence]``, ``[discussion]``); the evidence status is
written from ``settings.toml``.  The sections are written directly into a text writer from a small bundle (inputs
and base case), not from a full run: a sentence follows its submission.toml text; the ESR1 (post-CDK4/6-inhibitor)
appendix says nothing that is only true of BOLERO-2; the BOLERO-2 decision problem reads as before."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from cea.analyses.base_case import run_base_case
from cea.appendix.build import TextWriter
from cea.appendix.controls import title_page
from cea.appendix.decision_problem import decision_problem_section, features_section
from cea.appendix.document import AppendixContext
from cea.appendix.language import forbidden
from cea.appendix.qaly_benefits import equality_section, qaly_benefits_section
from cea.appendix.subgroups import subgroups_section
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.submission import load_submission_text

ROOT = Path(__file__).resolve().parents[1]
ESR1 = ROOT / "inputs" / "post_cdk46" / "esr1"

# The BOLERO-2 decision problem as the appendix writes it (sections written on their own, so the reference numbers
# start at 1; the strategy labels inside the sentence without their capital).
BOLERO2_DECISION_PROBLEM = (
    "The analysis addresses the decision problem of everolimus + exemestane vs placebo + exemestane in HR+/HER2- "
    "advanced breast cancer after a non-steroidal aromatase inhibitor (BOLERO-2): whether everolimus + exemestane is a "
    "cost-effective use of NHS and Personal Social Services resources compared with placebo + exemestane (Table 1). "
    "The comparator is the control arm of the pivotal trial, the only comparison for which randomised evidence is "
    "available to the model. Current practice has moved on since the trial: most patients now receive a CDK4/6 "
    "inhibitor with endocrine therapy before this line of treatment, and treatments appraised since (for example "
    "ribociclib [1]) are not compared here; no indirect comparison or fully incremental analysis was carried out. "
    "This is discussed as a limitation.")
BOLERO2_TABLE = [
    ["Element", "This analysis", "Note"],
    ["Population", "Everolimus + exemestane vs placebo + exemestane in HR+/HER2- advanced breast cancer after a "
     "non-steroidal aromatase inhibitor (BOLERO-2)", "Trial population of the pivotal study"],
    ["Intervention", "Everolimus + exemestane", "Technology appraised"],
    ["Comparator", "Placebo + exemestane", "Control arm of the pivotal trial"],
    ["Outcomes", "Progression-free survival, overall survival, adverse events, health-related quality of life; costs, "
     "life years, QALYs", "Outcomes of the trial that the model uses"],
    ["Economic analysis", "Cost-utility analysis: ICER and net monetary benefit", "NICE reference case"],
    ["Subgroups", "None (section B.3.12)", "No subgroup-specific evidence is used by the model"],
]
BOLERO2_ONLY = ("BOLERO-2", "placebo + exemestane", "Placebo + exemestane", "non-steroidal aromatase inhibitor",
                "pivotal trial", "ribociclib", "visceral metastases", "stomatitis", "men with breast cancer")


def _write(folder: Path, *sections, base_case: bool = False) -> TextWriter:
    inputs = load_inputs(folder)
    bundle = SimpleNamespace(inputs=inputs, base_case=run_base_case(inputs) if base_case else None,
                             manifest=SimpleNamespace(version="test", inputs_sha256="0" * 64),
                             psa=SimpleNamespace(seed=1, iterations=2))
    ctx = AppendixContext(bundle, TextWriter(), {})
    for section in sections:
        section(ctx)
    return ctx.w


def _paragraphs(writer: TextWriter) -> list[str]:
    return [text for kind, _, text in writer.items if kind == "paragraph"]


def _text(writer: TextWriter) -> str:
    rows = [" | ".join(row) for kind, _, rows in writer.items if kind == "table" for row in rows]
    return "\n".join(_paragraphs(writer) + rows)


def _bolero_copy(target: Path) -> Path:
    shutil.copytree(ROOT / "inputs", target, ignore=shutil.ignore_patterns("us", "tamrad", "post_cdk46"))
    return target


def test_the_bolero2_decision_problem_reads_as_before():
    writer = _write(ROOT / "inputs", decision_problem_section)
    assert BOLERO2_DECISION_PROBLEM in _paragraphs(writer)
    table = next(rows for kind, caption, rows in writer.items if kind == "table" and "decision problem" in caption)
    assert table == BOLERO2_TABLE


def test_a_decision_problem_sentence_follows_submission_toml(tmp_path):
    folder = _bolero_copy(tmp_path / "inputs")
    path = folder / "submission.toml"
    old = ("Current practice has moved on since the trial: most patients now receive a CDK4/6 inhibitor with "
           "endocrine therapy before this line of treatment")
    new = "In this flipped pathway every patient has already had two lines of chemotherapy"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    paragraphs = _paragraphs(_write(folder, decision_problem_section))
    first = next(p for p in paragraphs if p.startswith("The analysis addresses"))
    assert new in first and old not in first
    assert "(for example ribociclib [1]) are not compared here" in first  # the citation still numbered

    # without the passage the sentence is left out, not replaced by BOLERO-2 wording typed in the code
    path.write_text(text.replace('treatment_pathway = "', '# treatment_pathway = "'), encoding="utf-8")
    first = next(p for p in _paragraphs(_write(folder, decision_problem_section))
                 if p.startswith("The analysis addresses"))
    assert "CDK4/6" not in first and "ribociclib" not in first
    assert "available to the model. No indirect comparison or fully incremental analysis" in first


def test_unknown_text_keys_are_refused(tmp_path):
    folder = _bolero_copy(tmp_path / "inputs")
    path = folder / "submission.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[discussion]\n", '[discussion]\nconclusion = "typed"\n'), encoding="utf-8")
    with pytest.raises(InputError):
        load_submission_text(folder)


@pytest.fixture(scope="module")
def esr1_text():
    writer = _write(ESR1, title_page, decision_problem_section, features_section,
                    subgroups_section, qaly_benefits_section, equality_section, base_case=True)
    return _text(writer)


def test_the_esr1_appendix_is_about_its_own_decision_problem(esr1_text):
    folder_text = " ".join(v for section in load_submission_text(ESR1).values() for v in section.values())
    for phrase in BOLERO2_ONLY:
        if phrase not in folder_text:
            assert phrase not in esr1_text, phrase
    assert "decision problem of everolimus + exemestane vs placebo" not in esr1_text
    for phrase in ("Elacestrant", "elacestrant", "ESR1", "activating ESR1 mutation", "EMERALD",
                   "Everolimus + exemestane is the comparator NICE weighed when it appraised elacestrant",
                   "anchored indirect comparison", "Appraisal history. NICE recommends elacestrant"):
        assert phrase in esr1_text, phrase


def test_the_esr1_text_is_in_submission_language(esr1_text):
    """No parameter or arm ids, file names, commands or words about how the work was done."""
    inputs = load_inputs(ESR1)
    pattern = forbidden(AppendixContext(SimpleNamespace(inputs=inputs), TextWriter(), {}))
    hits = [m.group(0) for line in esr1_text.splitlines() for m in [pattern.search(line)] if m]
    assert not hits, hits


def test_the_exploratory_status_is_written_from_the_setting(esr1_text):
    assert "EXPLORATORY ANALYSIS." in esr1_text
    assert "Evidence status | Exploratory." in esr1_text
    assert "Evidence status. The evidence status of this analysis is exploratory." in esr1_text
    assert "inputs/post_cdk46" not in esr1_text and "README" not in esr1_text  # no file names
    bolero = _text(_write(ROOT / "inputs", title_page, decision_problem_section))
    assert "xploratory" not in bolero and "EXPLORATORY" not in bolero
