"""The HTA submission appendix (issue 6): one Word document generated from one run.

``build_appendix(bundle, figures_dir)`` writes the PNG figures it needs into
``figures_dir`` and returns a python-docx Document whose every number is read from the
:class:`~cea.analyses.bundle.AnalysisBundle` (results, inputs, manifest): nothing is
typed by hand.  ``write_appendix(path, bundle, figures_dir)`` saves it.

Sections follow the economic section of a NICE company submission (Document B, B.3):
summary; model structure; population, comparators, perspective, horizon and
discounting; clinical parameters and survival extrapolation; adverse events; utilities;
costs; severity; base-case results; Markov traces; one-way DSA; scenarios; threshold price; PSA;
value of information; validation; verification; interpretation; the CHEERS 2022
checklist; run manifest; references.  The section writers live in
``cea.outputs.appendix_*``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from cea.outputs import appendix_checks as checks
from cea.outputs import appendix_clinical as clinical
from cea.outputs import appendix_methods as methods
from cea.outputs import appendix_results as results
from cea.outputs import appendix_severity as severity
from cea.outputs import appendix_uncertainty as uncertainty
from cea.outputs.appendix_doc import AppendixContext, DocWriter, percent, qalys
from cea.outputs.appendix_figures import write_figures

if TYPE_CHECKING:
    import docx.document

    from cea.analyses.bundle import AnalysisBundle


def summary_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    ctx.section("summary", "Summary")
    inc = b.base_case.to_dict()["incremental"]
    psa = b.psa.summary()
    p_ce = psa["prob_cost_effective"]
    top = str(b.one_way.table["description"].iloc[0]).split(" (")[0] if len(b.one_way.table) else ""
    scen = b.scenarios.table.iloc[1:]
    icers = scen["icer"].astype(float)
    icers = icers[icers.notna()]
    w.paragraph(
        f"This appendix presents the cost-effectiveness analysis for "
        + ("a NICE technology appraisal" if ctx.nice else "a health technology assessment") + f" of: {s.title}. "
        f"The question is whether {ctx.intervention}, compared with {ctx.comparator}, is a cost-effective use of "
        f"{s.perspective} resources at the thresholds {ctx.decision_maker} uses.",
        bold_lead="Background and objectives. ")
    w.paragraph(
        f"A three-state cohort Markov model (progression-free, progressed disease, dead) with "
        f"{s.cycle_length_days:g}-day cycles over {s.horizon_years:g} years, {s.perspective} perspective, costs in "
        f"{s.currency} {s.price_year}, " + (
            f"costs and QALYs discounted at {percent(s.discount_rate_costs)} per year. "
            if s.discount_rate_costs == s.discount_rate_outcomes else
            f"costs discounted at {percent(s.discount_rate_costs)} and QALYs at {percent(s.discount_rate_outcomes)} "
            "per year. ") + "Survival curves were fitted to or calibrated on the pivotal "
        f"trial; uncertainty was explored in one-way, scenario, threshold and probabilistic ({psa['iterations']:,} "
        "iterations) analyses and by value of information.", bold_lead="Methods. ")
    w.paragraph(
        f"{results.icer_sentence(ctx, inc)} ({qalys(inc['qalys'])} QALYs gained at an additional cost of "
        f"{ctx.money(inc['costs'])}). "
        + results.icer_sentence(ctx, psa["incremental"], prefix="The probabilistic ICER") + ". The probability of "
        f"{ctx.intervention} being cost-effective is "
        + " and ".join(f"{percent(p[s.intervention], 1)} at {results.wtp_text(ctx, wtp)}" for wtp, p in p_ce.items())
        + ".", bold_lead="Results. ")
    alternative = []
    if top:
        alternative.append(f"The one-way analysis is most sensitive to {top.lower()}")
    if len(icers):
        alternative.append(f"scenario ICERs range from {ctx.money(icers.min())} to {ctx.money(icers.max())} per QALY")
    t = b.threshold.table
    t = t[t["wtp"] == s.primary_wtp]
    if len(t) and t["threshold_value"].notna().iloc[0]:
        change = float(t["relative_change_pct"].iloc[0])
        alternative.append(f"the price would need to {'fall' if change < 0 else 'rise'} by {abs(change):.1f}% for an "
                           f"ICER of {results.wtp_text(ctx, s.primary_wtp)}")
    if alternative:
        w.paragraph("; ".join(alternative) + ".", bold_lead="Alternative analyses. ")


def contents(ctx: AppendixContext, plan: Sequence[tuple[str, str, Callable]]) -> None:
    ctx.w.heading("Contents", level=1, numbered=False)
    ctx.w.table("Sections of this appendix and the corresponding parts of NICE Document B",
                ("Section", "Document B"), [[f"{k} {title}", NICE_REFERENCE.get(key, "")]
                                            for k, (key, title, _) in enumerate(plan, start=1)],
                (11.0, 5.0), align="ll", font_size=8.5)


NICE_REFERENCE = {
    "summary": "B.3 (overview)", "structure": "B.3.2", "features": "B.3.2", "clinical": "B.3.3",
    "adverse_events": "B.3.3, B.3.4", "utilities": "B.3.4", "costs": "B.3.5", "severity": "B.3.6",
    "base_case": "B.3.10",
    "traces": "B.3.10 / Appendix J", "dsa": "B.3.11.2", "scenarios": "B.3.11.3", "threshold": "B.3.11",
    "psa": "B.3.11.1", "voi": "B.3.11", "validation": "B.3.14", "verification": "B.3.14",
    "interpretation": "B.3.15", "cheers": "—", "manifest": "—", "references": "—",
}

SECTION_PLAN: tuple[tuple[str, str, Callable[[AppendixContext], None]], ...] = (
    ("summary", "Summary", summary_section),
    ("structure", "Model structure", methods.structure_section),
    ("features", "Population, comparators, perspective, time horizon and discounting", methods.features_section),
    ("clinical", "Clinical parameters and survival extrapolation", clinical.clinical_section),
    ("adverse_events", "Adverse events", methods.adverse_events_section),
    ("utilities", "Health-related quality of life", methods.utilities_section),
    ("costs", "Costs and healthcare resource use", methods.costs_section),
    ("severity", "Severity", severity.severity_section),
    ("base_case", "Base-case results", results.base_case_section),
    ("traces", "Markov traces", results.traces_section),
    ("dsa", "Deterministic sensitivity analysis", results.dsa_section),
    ("scenarios", "Scenario analyses", results.scenarios_section),
    ("threshold", "Threshold price analysis", results.threshold_section),
    ("psa", "Probabilistic sensitivity analysis", uncertainty.psa_section),
    ("voi", "Value of information", uncertainty.voi_section),
    ("validation", "Validation against the pivotal trial", checks.validation_section),
    ("verification", "Model verification", checks.verification_section),
    ("interpretation", "Interpretation and limitations", checks.interpretation_section),
    ("cheers", "CHEERS 2022 checklist", checks.cheers_section),
    ("manifest", "Run manifest", checks.manifest_section),
    ("references", "References", checks.references_section),
)
SECTION_TITLES = tuple(title for _, title, _ in SECTION_PLAN)


def build_appendix(bundle: AnalysisBundle, figures_dir: Path,
                   verification: list[dict] | None = None) -> docx.document.Document:
    """The appendix as a python-docx Document; its PNG figures are written into ``figures_dir``.

    ``verification``: optional rows {module, description, tests, outcome} with test results
    to report; by default the test modules are listed from ``tests/`` without outcomes."""
    figures = write_figures(bundle, Path(figures_dir))
    s = bundle.inputs.settings
    m = bundle.manifest
    writer = DocWriter(footer_text=f"cea {m.version} · inputs {m.inputs_sha256[:12]}")
    ctx = AppendixContext(bundle, writer, figures, verification)
    # The CHEERS table (near the end) cites sections by number: number them all before writing.
    ctx.titles.update({key: title for key, title, _ in SECTION_PLAN})
    ctx.sections.update({key: f"{k} {title}" for k, (key, title, _) in enumerate(SECTION_PLAN, start=1)})
    writer.title(f"Economic appendix: {ctx.intervention} versus {ctx.comparator}",
                 [s.title, f"Cost-effectiveness analysis, {s.perspective} ({s.country}); generated by cea "
                  f"{m.version} from inputs {m.inputs_sha256[:16]}… (seed {bundle.psa.seed}, "
                  f"{bundle.psa.iterations:,} PSA iterations). No number in this document was typed by hand."])
    contents(ctx, SECTION_PLAN)
    writer.page_break()
    for _key, _title, write in SECTION_PLAN:
        write(ctx)
    return writer.doc


def write_appendix(path: Path, bundle: AnalysisBundle, figures_dir: Path,
                   verification: list[dict] | None = None) -> Path:
    """Build the appendix and save it as ``path`` (.docx); figures go to ``figures_dir``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_appendix(bundle, figures_dir, verification).save(str(path))
    return path


__all__ = ["build_appendix", "write_appendix", "SECTION_PLAN", "SECTION_TITLES"]
