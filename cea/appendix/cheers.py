"""The CHEERS 2022 checklist (Husereau et al. 2022) mapped to the sections of the appendix.

All 28 items in the **published** order of Table 1 (BMC Med 2022;20:23, PMC9550741): item 7
is Comparators and 8 Perspective; 18 heterogeneity, 19 distributional effects, 20
uncertainty.  (The authors' web app swaps 7/8 and orders 18–20 differently; HTA_METHODS
§7.3 and P6.)  The guidance text is paraphrased.

Each item names the appendix sections (by key) that answer it, or says "Not reported" /
"Not applicable" with the reason, as the CHEERS authors recommend for items that do
not apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from cea.appendix.document import AppendixContext


@dataclass(frozen=True)
class CheersItem:
    number: int
    domain: str
    topic: str
    guidance: str  # paraphrased


CHEERS_ITEMS: tuple[CheersItem, ...] = (
    CheersItem(1, "Title", "Title", "Identify the study as an economic evaluation and name the interventions compared."),
    CheersItem(2, "Abstract", "Abstract", "Structured summary of context, key methods, results and alternative analyses."),
    CheersItem(3, "Introduction", "Background and objectives",
               "Context, study question and its practical relevance for policy or practice decisions."),
    CheersItem(4, "Methods", "Health economic analysis plan",
               "Whether a health economic analysis plan was developed, and where it is available."),
    CheersItem(5, "Methods", "Study population", "Characteristics of the study population (age, demographics, "
               "clinical characteristics)."),
    CheersItem(6, "Methods", "Setting and location", "Context that may influence the findings."),
    CheersItem(7, "Methods", "Comparators", "The interventions or strategies compared and why they were chosen."),
    CheersItem(8, "Methods", "Perspective", "The perspective(s) adopted and why."),
    CheersItem(9, "Methods", "Time horizon", "The time horizon and why it is appropriate."),
    CheersItem(10, "Methods", "Discount rate", "The discount rate(s) and the reason for the choice."),
    CheersItem(11, "Methods", "Selection of outcomes", "Outcomes used as measures of benefit and harm."),
    CheersItem(12, "Methods", "Measurement of outcomes", "How the outcomes capturing benefit and harm were measured."),
    CheersItem(13, "Methods", "Valuation of outcomes", "Population and methods used to measure and value outcomes."),
    CheersItem(14, "Methods", "Measurement and valuation of resources and costs", "How costs were valued."),
    CheersItem(15, "Methods", "Currency, price date, and conversion",
               "Dates of resource quantities and unit costs; currency and year of conversion."),
    CheersItem(16, "Methods", "Rationale and description of model",
               "The model in detail and why it was used; whether and where it is publicly available."),
    CheersItem(17, "Methods", "Analytics and assumptions", "Methods to analyse or transform data, extrapolation "
               "methods and the approach to validating the model."),
    CheersItem(18, "Methods", "Characterizing heterogeneity", "Methods for estimating how results vary between "
               "subgroups."),
    CheersItem(19, "Methods", "Characterizing distributional effects", "How impacts are distributed across "
               "individuals, or adjustments made for priority populations."),
    CheersItem(20, "Methods", "Characterizing uncertainty", "Methods to characterise the sources of uncertainty in "
               "the analysis."),
    CheersItem(21, "Methods", "Approach to engagement with patients and others affected by the study",
               "Approaches used to engage patients, the public or other stakeholders in the design of the study."),
    CheersItem(22, "Results", "Study parameters", "All analytic inputs (values, ranges, references), including "
               "uncertainty and distributional assumptions."),
    CheersItem(23, "Results", "Summary of main results", "Mean values of the main categories of costs and outcomes, "
               "summarised in the most appropriate overall measure."),
    CheersItem(24, "Results", "Effect of uncertainty", "How uncertainty in judgements, inputs or projections affects "
               "the findings, including the choice of discount rate and time horizon."),
    CheersItem(25, "Results", "Effect of engagement with patients and others affected by the study",
               "Any difference that engagement made to the approach or findings."),
    CheersItem(26, "Discussion", "Study findings, limitations, generalizability, and current knowledge",
               "Key findings, limitations, uncaptured ethical or equity considerations, and their implications."),
    CheersItem(27, "Other relevant information", "Source of funding",
               "How the study was funded and the funder's role in it."),
    CheersItem(28, "Other relevant information", "Conflicts of interest", "The authors' conflicts of interest."),
)

# item → (appendix section keys, note).  "title" is the title page.
SECTION_MAP: dict[int, tuple[tuple[str, ...], str]] = {
    1: (("title",), ""),
    2: (("summary",), ""),
    3: (("summary", "decision_problem"), ""),
    4: (("manifest",), "Not reported as a separate plan: the analysis is pre-specified by the inputs folder and "
                       "settings file whose hash is in the run manifest"),
    5: (("decision_problem",), ""),
    6: (("decision_problem", "features"), ""),
    7: (("decision_problem",), ""),
    8: (("features",), ""),
    9: (("features",), ""),
    10: (("features",), ""),
    11: (("structure", "features"), ""),
    12: (("clinical", "utilities"), ""),
    13: (("utilities",), ""),
    14: (("costs",), ""),
    15: (("features", "costs"), ""),
    16: (("structure", "verification"), "Executable model; version and commit in the run manifest"),
    17: (("clinical", "inputs_summary", "validation", "verification"), ""),
    18: (("subgroups",), ""),
    19: (("severity", "equality"), "NICE severity modifier; no distributional cost-effectiveness analysis"),
    20: (("psa", "dsa", "scenarios", "structural", "voi"), ""),
    21: ((), "Not reported: no patient or public involvement in the model's design"),
    22: (("inputs_summary", "clinical", "adverse_events", "utilities", "costs"), ""),
    23: (("base_case",), ""),
    24: (("psa", "dsa", "scenarios", "structural", "threshold", "voi"), ""),
    25: ((), "Not applicable: no engagement (item 21)"),
    26: (("interpretation", "limitations", "qaly_benefits"), ""),
    27: (("title",), "Document controls: funding statement"),
    28: (("title",), "Document controls: conflicts of interest"),
}

FALLBACK = {  # when the cited sections are not in the document
    19: "Not applicable: no distributional or equity weighting in this run",
}


def checklist_rows(section_titles: Mapping[str, str]) -> list[dict[str, str]]:
    """One row per item, published order: item, domain, topic, guidance, reported_in.

    ``section_titles`` maps the keys of the appendix's sections (those present in this
    document, with their numbers) to the text to cite, e.g. {"features": "2.2 Population…"}.
    A key absent from it is dropped; an item left without a section shows its note (or
    "Not reported")."""
    rows = []
    for item in CHEERS_ITEMS:
        keys, note = SECTION_MAP[item.number]
        cited = [section_titles[k] for k in keys if k in section_titles]
        if cited:
            reported = "; ".join(cited) + (f" ({note})" if note else "")
        elif note.startswith(("Not reported", "Not applicable")):
            reported = note
        else:
            reported = FALLBACK.get(item.number, "Not reported")
        rows.append({"item": str(item.number), "domain": item.domain, "topic": item.topic, "guidance": item.guidance,
                     "reported_in": reported})
    return rows


def cheers_section(ctx: AppendixContext) -> None:
    ctx.section("cheers", "CHEERS 2022 checklist")
    ctx.w.paragraph(f"The CHEERS 2022 reporting checklist (Husereau et al. {ctx.cite('Husereau 2022')}), all 28 items in the published order, "
                    "with the section of this appendix that reports each item.")
    rows = [[r["item"], r["topic"], r["guidance"], r["reported_in"]] for r in checklist_rows(ctx.sections)]
    ctx.w.table("CHEERS 2022 checklist", ("No.", "Topic", "Guidance (paraphrased)", "Reported in"), rows,
                (1.0, 3.6, 6.0, 5.4), align="rlll", font_size=7.5)
