"""B.3.1 Published cost-effectiveness studies: the analyses of the same comparison found in the published
record (``published_analyses.csv``; cross-validated in B.3.14), rendered from the run."""

from __future__ import annotations

from cea.appendix.document import AppendixContext, in_sentence
from cea.appendix.language import submission_text

STATUS_TEXT = {"verified": "Read in the source", "secondary": "Secondary source only",
               "not_verified": "Not verified"}


def published_analyses(ctx: AppendixContext):
    """The published analyses of this input set, or () when it has none."""
    try:
        from cea.inputs.published_analyses import load_published_analyses
    except ImportError:  # the cross-validation inputs are not part of this version
        return ()
    from cea.inputs.published_analyses import PUBLISHED_ANALYSES_FILE

    if not (ctx.bundle.inputs.folder / PUBLISHED_ANALYSES_FILE).is_file():  # an input set without them (inputs/us)
        return ()
    return load_published_analyses(ctx.bundle.inputs.folder)


def published_studies_section(ctx: AppendixContext) -> None:
    w = ctx.w
    ctx.section("published_studies", "Published cost-effectiveness studies")
    analyses = published_analyses(ctx)
    if not analyses:
        w.paragraph("The inputs of this run list no published cost-effectiveness analyses of the comparison "
                    ", so this section cannot summarise them"
                    + (f"; NICE has appraised the technology before{ctx.cite_if('NICE TA295', 'NICE TA421')}"
                       if ctx.cite_if('NICE TA295', 'NICE TA421') else "")
                    + ". A systematic review of economic evaluations was not carried out for this analysis.")
        return
    comparable = sum(1 for a in analyses if a.comparable)
    w.paragraph(
        f"Table {ctx.next_table()} lists the {len(analyses)} published analyses of {in_sentence(ctx.intervention)} identified for "
        f"this submission, {comparable} of which compare the same strategies as this model; each is re-run with the "
        "model under its nearest assumptions in the cross-validation of section B.3.14. No systematic review of "
        "economic evaluations (Document B Appendix G) was carried out: the list comes from targeted searches of HTA "
        "agency reports and the literature, so further studies may exist.")
    rows = []
    for a in analyses:
        rows.append([f"{submission_text(ctx, a.study)} {ctx.citations.cite_full(a.citation)}", f"{a.country}, {a.year}",
                     submission_text(ctx, a.comparator) or "—", submission_text(ctx, a.published_result) or "—",
                     submission_text(ctx, a.decision) or "—", STATUS_TEXT.get(a.status, a.status)])
    w.table("Published cost-effectiveness analyses of the comparison", ("Study", "Setting", "Comparator",
            "Published result", "Decision", "Verification"), rows, (4.2, 1.8, 1.8, 3.6, 3.0, 1.6), align="llllll",
            font_size=7)
