"""The order of the appendix: one entry per section, in the order of NICE Document B, section B.3.

Each section lives in its own module of :mod:`cea.appendix` and exposes one writer
``<name>_section(ctx)``.  To add a section (e.g. budget impact, issue 15), write a module with a
writer and add one line to ``SECTION_PLAN`` at its place (budget impact: after ``equality``, before
``cheers``); ``NICE_REFERENCE`` maps the key to the part of Document B it answers (shown in the
contents table).

Order and modules::

    summary             summary.py            B.3 overview
    published_studies   published_studies.py  B.3.1
    decision_problem    decision_problem.py   B.3.2 (decision problem, baseline characteristics)
    structure           structure.py          B.3.2
    features            decision_problem.py   B.3.2
    clinical            clinical.py           B.3.3 (survival, landmark table, time on treatment)
    adverse_events      adverse_events.py     B.3.3, B.3.4
    utilities           utilities.py          B.3.4
    costs               costs.py              B.3.5
    severity            severity.py           B.3.6
    uncertainty         uncertainty.py        B.3.7, B.3.8
    inputs_summary      inputs_summary.py     B.3.9
    base_case           base_case.py          B.3.10
    traces              base_case.py          B.3.10
    psa                 psa.py                B.3.11.1
    dsa                 dsa.py                B.3.11.2
    scenarios           scenarios.py          B.3.11.3
    structural          structural.py         B.3.11.4
    threshold           threshold.py          B.3.11
    voi                 voi.py                B.3.11
    subgroups           subgroups.py          B.3.12
    qaly_benefits       qaly_benefits.py      B.3.13
    validation          validation.py         B.3.14 (internal/external checks, cross-validation)
    verification        verification.py       B.3.14 (black-box checks, workbook, TECH-VER, AdViSHE)
    interpretation      interpretation.py     B.3.15
    limitations         interpretation.py     B.3.15
    equality            qaly_benefits.py      B.1.4
    cheers              cheers.py             CHEERS 2022
    references          references.py         reference list (after every section that cites)
    manifest            manifest.py           technical annex: run manifest, settings, identifiers, file hashes
                                              (the only place where ids, commands and file names appear)
"""

from __future__ import annotations

from typing import Callable

from cea.appendix import (
    adverse_events,
    base_case,
    budget_impact,
    cheers,
    clinical,
    costs,
    decision_problem,
    dsa,
    inputs_summary,
    interpretation,
    manifest,
    os_plausibility,
    price,
    psa,
    published_studies,
    qaly_benefits,
    references,
    scenarios,
    severity,
    structural,
    structure,
    subgroups,
    summary,
    threshold,
    uncertainty,
    utilities,
    validation,
    verification,
    voi,
)
from cea.appendix.document import AppendixContext

Writer = Callable[[AppendixContext], None]

# key, title, writer — in Document B order
SECTION_PLAN: tuple[tuple[str, str, Writer], ...] = (
    ("summary", "Summary of the cost-effectiveness evidence", summary.summary_section),
    ("published_studies", "Published cost-effectiveness studies", published_studies.published_studies_section),
    ("decision_problem", "Decision problem and modelled population", decision_problem.decision_problem_section),
    ("structure", "Model structure", structure.structure_section),
    ("features", "Features of the economic analysis", decision_problem.features_section),
    ("clinical", "Clinical parameters and variables", clinical.clinical_section),
    ("adverse_events", "Adverse events", adverse_events.adverse_events_section),
    ("utilities", "Measurement and valuation of health effects", utilities.utilities_section),
    ("costs", "Cost and healthcare resource use", costs.costs_section),
    ("severity", "Severity", severity.severity_section),
    ("uncertainty", "Key sources of uncertainty", uncertainty.uncertainty_section),
    ("inputs_summary", "Summary of base-case inputs and assumptions", inputs_summary.inputs_summary_section),
    ("base_case", "Base-case results", base_case.base_case_section),
    ("traces", "Markov traces", base_case.traces_section),
    ("psa", "Probabilistic sensitivity analysis", psa.psa_section),
    ("dsa", "Deterministic sensitivity analysis", dsa.dsa_section),
    ("scenarios", "Scenario analyses", scenarios.scenarios_section),
    ("structural", "Structural uncertainty", structural.structural_section),
    ("os_plausibility", "Plausibility of survival extrapolation and time on treatment",
     os_plausibility.os_plausibility_section),
    ("threshold", "Threshold price analysis", threshold.threshold_section),
    ("price", "Price analysis", price.price_section),
    ("cumulative", "Review group's preferred assumptions, step by step", price.cumulative_section),
    ("voi", "Value of information", voi.voi_section),
    ("subgroups", "Subgroup analysis", subgroups.subgroups_section),
    ("qaly_benefits", "Benefits not captured in the QALY calculation", qaly_benefits.qaly_benefits_section),
    ("validation", "Validation", validation.validation_section),
    ("verification", "Verification", verification.verification_section),
    ("interpretation", "Interpretation and conclusions", interpretation.interpretation_section),
    ("limitations", "Limitations", interpretation.limitations_section),
    ("equality", "Equality considerations", qaly_benefits.equality_section),
    ("budget_impact", "Budget impact", budget_impact.budget_impact_section),
    ("cheers", "CHEERS 2022 checklist", cheers.cheers_section),
    ("references", "References", references.references_section),
    ("manifest", "Technical annex: reproducibility", manifest.manifest_section),
)

NICE_REFERENCE = {
    "summary": "B.3 (overview)", "published_studies": "B.3.1", "decision_problem": "B.3.2", "structure": "B.3.2",
    "features": "B.3.2", "clinical": "B.3.3", "adverse_events": "B.3.3, B.3.4", "utilities": "B.3.4",
    "costs": "B.3.5", "severity": "B.3.6", "uncertainty": "B.3.7, B.3.8", "inputs_summary": "B.3.9",
    "base_case": "B.3.10", "traces": "B.3.10", "psa": "B.3.11.1", "dsa": "B.3.11.2", "scenarios": "B.3.11.3",
    "structural": "B.3.11.3", "os_plausibility": "B.3.3, B.3.11.3", "threshold": "B.3.11", "price": "B.3.11",
    "cumulative": "B.3.11.3", "voi": "B.3.11", "subgroups": "B.3.12",
    "qaly_benefits": "B.3.13", "validation": "B.3.14", "verification": "B.3.14", "interpretation": "B.3.15",
    "limitations": "B.3.15", "equality": "B.1.4", "budget_impact": "Budget impact (NICE budget impact template)", "cheers": "CHEERS 2022", "manifest": "Technical annex",
    "references": "References",
}

SECTION_TITLES = tuple(title for _, title, _ in SECTION_PLAN)
