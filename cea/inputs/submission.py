"""Document controls and trial baseline characteristics for the economic appendix (optional inputs).

``submission.toml`` ``[document]``: ``appraisal, appraisal_id, company, version, funding,
conflicts_of_interest`` (text; nothing enters the model; the document is dated by its run, see the run manifest).
Optional sections ``[decision_problem]``, ``[clinical_evidence]`` and ``[discussion]`` hold the sentences of the
appendix that are about the decision problem itself (population, comparators, pathway, trials, appraisal history):
each key is one passage (``TEXT_KEYS``); ``[@Key]`` in a passage cites the reference ``Key`` of ``references.csv``.  ``baseline_characteristics.csv``:
``characteristic, trial_value, source`` (the trial population the model represents, each row
citing a publication in ``references.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cea.errors import InputError, Problem
from cea.inputs.readers import read_csv, read_toml

SUBMISSION_FILE = "submission.toml"
BASELINE_FILE = "baseline_characteristics.csv"
DOCUMENT_KEYS = ("appraisal", "appraisal_id", "company", "version", "funding", "conflicts_of_interest")
TEXT_KEYS = {
    "decision_problem": ("population", "population_note", "population_justification", "intervention_note",
                         "comparator_note", "comparator_justification", "comparator_rationale", "treatment_pathway",
                         "indirect_comparison", "subsequent_treatments", "appraisal_history", "start_age_note",
                         "outcomes_note"),
    "clinical_evidence": ("trials", "relative_effects", "survival_source", "time_on_treatment", "subgroups",
                          "quality_of_life", "adverse_event_rates"),
    "discussion": ("generalisability", "comparators_limitation", "managed_access", "benefits_not_captured",
                   "licence_population", "price_evidence"),
}


@dataclass(frozen=True)
class DocumentControls:
    appraisal: str
    appraisal_id: str
    company: str
    version: str
    funding: str
    conflicts_of_interest: str


def load_document_controls(inputs_folder: Path | str) -> DocumentControls | None:
    path = Path(inputs_folder) / SUBMISSION_FILE
    if not path.exists():
        return None
    data = read_toml(path)
    document = data.get("document")
    if document is None and any(section in data for section in TEXT_KEYS):
        return None  # text about the decision problem only, no document controls (e.g. inputs/us)
    if not isinstance(document, dict):
        raise InputError(Problem(SUBMISSION_FILE, "expected a [document] section"))
    problems = [Problem(SUBMISSION_FILE, "missing or blank; every document control must be stated", parameter=k)
                for k in DOCUMENT_KEYS if not str(document.get(k, "")).strip()]
    problems += [Problem(SUBMISSION_FILE, f"unknown key; expected one of {DOCUMENT_KEYS}", parameter=k)
                 for k in document if k not in DOCUMENT_KEYS]
    if problems:
        raise InputError(problems)
    return DocumentControls(**{k: str(document[k]).strip() for k in DOCUMENT_KEYS})


def load_submission_text(inputs_folder: Path | str) -> dict[str, dict[str, str]]:
    """Section → key → passage of the optional text sections of ``submission.toml`` (blank passages left out)."""
    path = Path(inputs_folder) / SUBMISSION_FILE
    if not path.exists():
        return {}
    data = read_toml(path)
    out: dict[str, dict[str, str]] = {}
    problems = []
    for section, keys in TEXT_KEYS.items():
        values = data.get(section, {})
        if not isinstance(values, dict):
            problems.append(Problem(SUBMISSION_FILE, f"[{section}] must be a table of text passages"))
            continue
        problems += [Problem(SUBMISSION_FILE, f"unknown key in [{section}]; expected one of {keys}", parameter=k)
                     for k in values if k not in keys]
        out[section] = {k: " ".join(str(v).split()) for k, v in values.items() if k in keys and str(v).strip()}
    if problems:
        raise InputError(problems)
    return out


def load_baseline_characteristics(inputs_folder: Path | str) -> list[dict[str, str]]:
    path = Path(inputs_folder) / BASELINE_FILE
    if not path.exists():
        return []
    rows = read_csv(path, ("characteristic", "trial_value", "source"))
    problems = [row.problem("blank cell; every characteristic has a value and a source", column)
                for row in rows for column in ("characteristic", "trial_value", "source") if not row.values[column]]
    if problems:
        raise InputError(problems)
    return [dict(row.values) for row in rows]
