"""The order of the appendix: one entry per section, in the order of NICE Document B, section B.3.

Each section lives in its own module of :mod:`cea.appendix` and exposes one writer
``section(ctx)``.  To add a section (e.g. budget impact, issue 15), write a module with a
writer and add one line to ``SECTION_PLAN`` at its place; ``NICE_REFERENCE`` maps the key to
the part of Document B it answers (shown in the contents table).
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
    interpretation,
    manifest,
    psa,
    references,
    scenarios,
    severity,
    structure,
    summary,
    threshold,
    utilities,
    validation,
    verification,
    voi,
)
from cea.appendix.document import AppendixContext

Writer = Callable[[AppendixContext], None]

# key, title, writer — in Document B order
SECTION_PLAN: tuple[tuple[str, str, Writer], ...] = (
    ("summary", "Summary", summary.summary_section),
    ("structure", "Model structure", structure.structure_section),
    ("features", "Population, comparators, perspective, time horizon and discounting",
     decision_problem.features_section),
    ("clinical", "Clinical parameters and survival extrapolation", clinical.clinical_section),
    ("adverse_events", "Adverse events", adverse_events.adverse_events_section),
    ("utilities", "Health-related quality of life", utilities.utilities_section),
    ("costs", "Costs and healthcare resource use", costs.costs_section),
    ("severity", "Severity", severity.severity_section),
    ("base_case", "Base-case results", base_case.base_case_section),
    ("traces", "Markov traces", base_case.traces_section),
    ("dsa", "Deterministic sensitivity analysis", dsa.dsa_section),
    ("scenarios", "Scenario analyses", scenarios.scenarios_section),
    ("threshold", "Threshold price analysis", threshold.threshold_section),
    ("psa", "Probabilistic sensitivity analysis", psa.psa_section),
    ("voi", "Value of information", voi.voi_section),
    ("budget_impact", "Budget impact", budget_impact.budget_impact_section),
    ("validation", "Validation against the pivotal trial", validation.validation_section),
    ("verification", "Model verification", verification.verification_section),
    ("interpretation", "Interpretation and limitations", interpretation.interpretation_section),
    ("cheers", "CHEERS 2022 checklist", cheers.cheers_section),
    ("manifest", "Run manifest", manifest.manifest_section),
    ("references", "References", references.references_section),
)

NICE_REFERENCE = {
    "summary": "B.3 (overview)", "structure": "B.3.2", "features": "B.3.2", "clinical": "B.3.3",
    "adverse_events": "B.3.3, B.3.4", "utilities": "B.3.4", "costs": "B.3.5", "severity": "B.3.6",
    "base_case": "B.3.10",
    "traces": "B.3.10 / Appendix J", "dsa": "B.3.11.2", "scenarios": "B.3.11.3", "threshold": "B.3.11",
    "psa": "B.3.11.1", "voi": "B.3.11",
    "budget_impact": "Budget impact (NICE budget impact template)", "validation": "B.3.14", "verification": "B.3.14",
    "interpretation": "B.3.15", "cheers": "—", "manifest": "—", "references": "—",
}

SECTION_TITLES = tuple(title for _, title, _ in SECTION_PLAN)
