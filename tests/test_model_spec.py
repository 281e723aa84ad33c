"""docs/MODEL.md, the model specification, names everything the inputs accept, and the README's index of docs/
points at documents that exist (issue 22).

Read from the code's own lists, so that a setting, a column, a basis or a choice added to the inputs without a
word in the specification fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cea.inputs.budget_impact import COLUMNS as BUDGET_IMPACT_COLUMNS
from cea.inputs.budget_impact import QUANTITIES as BUDGET_IMPACT_QUANTITIES
from cea.inputs.model_inputs import CSV_SPECS
from cea.inputs.settings import (ADVERSE_EVENT_TIMINGS, CORRECTIONS, EVIDENCE_STATUSES, PD_MORTALITY, SECTIONS,
                                 SETTING_NAMES, STRUCTURES)
from cea.structure import COEFFICIENTS, COST_BASES

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "docs" / "MODEL.md").read_text(encoding="utf-8")
DISTRIBUTIONS = ("beta", "gamma", "normal", "lognormal", "dirichlet", "fixed")


def _named(word: str) -> bool:
    """``word`` appears in the specification as code: `word` (a section as `[section]`)."""
    return f"`{word}`" in SPEC


def _columns(table: str) -> tuple[str, ...]:
    required, optional = CSV_SPECS[table]
    return tuple(required) + tuple(optional)


@pytest.mark.parametrize("kind,names", [
    ("setting", sorted(SETTING_NAMES)),
    ("settings section", [f"[{s}]" for s in SECTIONS]),
    ("scenarios.csv column", _columns("scenarios")),
    ("arms.csv column", _columns("arms")),
    ("cost_items.csv column", _columns("costs")),
    ("cost-item basis", COST_BASES),
    ("adverse_events.csv column", _columns("adverse_events")),
    ("time_on_treatment.csv column", _columns("treatments")),
    ("survival_covariance.csv column", _columns("covariance")),
    ("budget_impact.csv column", BUDGET_IMPACT_COLUMNS),
    ("budget-impact quantity", BUDGET_IMPACT_QUANTITIES),
    ("within-cycle correction", CORRECTIONS),
    ("post-progression mortality", PD_MORTALITY),
    ("adverse-event timing", ADVERSE_EVENT_TIMINGS),
    ("model structure", STRUCTURES),
    ("evidence status", EVIDENCE_STATUSES),
    ("survival family", sorted(COEFFICIENTS)),
    ("survival coefficient", sorted({c for cs in COEFFICIENTS.values() for c in cs})),
    ("PSA distribution", DISTRIBUTIONS),
])
def test_the_specification_names_everything_the_inputs_accept(kind, names):
    missing = [n for n in names if not _named(n)]
    assert not missing, f"docs/MODEL.md does not name these {kind}s: {missing}"


def test_every_setting_is_in_the_settings_reference_table():
    table = SPEC[SPEC.index("## 24. Settings reference"):SPEC.index("## 25.")]
    assert [n for n in sorted(SETTING_NAMES) if f"`{n}`" not in table] == []


def test_the_ten_conventions_of_issue_22_are_stated():
    section = SPEC[SPEC.index("## 26."):]
    assert len(re.findall(r"^\d+\. \*\*", section, flags=re.M)) == 10


def test_the_contents_match_the_sections():
    contents = re.findall(r"^\d+\. \[(.+?)\]\(#", SPEC, flags=re.M)
    sections = re.findall(r"^## \d+\. (.+)$", SPEC, flags=re.M)
    assert contents == sections and len(sections) >= 20


def test_the_readme_indexes_every_document_and_each_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documents = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert [d for d in documents if f"docs/{d}" not in readme] == []
    linked = set(re.findall(r"docs/([\w.-]+\.md)", readme))
    assert [d for d in linked if not (ROOT / "docs" / d).is_file()] == []
    # no two documents differ only by case or suffix
    stems = [Path(d).stem.lower() for d in documents]
    assert len(stems) == len(set(stems))


def test_no_reference_to_a_document_that_does_not_exist():
    """Every `docs/<name>.md` named anywhere in the repository's text files exists."""
    missing = set()
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "cea").rglob("*.py"),
                 *(ROOT / "tests").rglob("*.py"), *(ROOT / "inputs").rglob("*.md"), *(ROOT / "inputs").rglob("*.toml")]:
        for name in re.findall(r"docs/([\w.-]+\.md)", path.read_text(encoding="utf-8")):
            if not (ROOT / "docs" / name).is_file():
                missing.add((path.relative_to(ROOT).as_posix(), name))
    assert not missing
