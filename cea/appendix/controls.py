"""Title page and document controls: appraisal, appraisal ID, company, version, date and the confidentiality
marking (NICE Document B front matter), from ``submission.toml`` and the run.

When the run uses a confidential price (``pas_discount`` > 0) the document is marked as containing
commercial-in-confidence information and every page footer says so."""

from __future__ import annotations

from cea.appendix.prose import evidence_note, exploratory
from cea.appendix.document import AppendixContext, in_sentence, percent
from cea.inputs.submission import load_document_controls

CONFIDENTIAL = "Contains commercial-in-confidence information (the confidential price)"
NOT_CONFIDENTIAL = "No confidential information (list prices only)"


def confidential(ctx: AppendixContext) -> bool:
    return ctx.s.pas_discount > 0


def marking(ctx: AppendixContext) -> str:
    return CONFIDENTIAL if confidential(ctx) else NOT_CONFIDENTIAL


def price_label(ctx: AppendixContext) -> str:
    """How the prices of this run are described everywhere: list price, or the net price after the discount."""
    if confidential(ctx):
        return f"at the confidential price ({percent(ctx.s.pas_discount, 1)} discount on the list price)"
    return "at list price"


def title_page(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    m = b.manifest
    controls = load_document_controls(b.inputs.folder)
    w.title(f"Cost-effectiveness evidence: {ctx.intervention} versus {in_sentence(ctx.comparator)}",
            [s.title, f"Company evidence submission, Document B, section B.3 (economic evaluation), {s.perspective}, "
                      f"{s.country}; results {price_label(ctx)}."]
            + ([f"EXPLORATORY ANALYSIS. {evidence_note(ctx) or 'Not a base case for decisions.'}"]
               if exploratory(ctx) else []))
    rows = []
    if controls is not None:
        rows += [["Appraisal", controls.appraisal], ["Appraisal ID", controls.appraisal_id],
                 ["Company", controls.company], ["Document version", controls.version],
                 ["Date", run_date(ctx)]]
    if exploratory(ctx):
        rows.append(["Evidence status", "Exploratory. " + (evidence_note(ctx) or "Not a base case for decisions.")])
    rows += [["Confidentiality", marking(ctx)],
             ["Prices", "Net price after a confidential discount of " + percent(s.pas_discount, 1) + " on the list "
              "price; list-price results are shown beside them" if confidential(ctx) else "List prices"],
             ["Model run", f"cea {m.version}; inputs SHA-256 {m.inputs_sha256[:16]}; PSA seed {b.psa.seed}, "
                           f"{b.psa.iterations:,} iterations"]]
    if controls is not None:
        rows += [["Funding", controls.funding], ["Conflicts of interest", controls.conflicts_of_interest]]
    w.table("Document controls", ("Item", "Detail"), rows, (4.0, 12.0), align="ll", font_size=8.5)
    if controls is None:
        w.paragraph("The inputs hold no document controls, so the appraisal, company and version are not stated "
                    "for this run.", italic=True)


def run_date(ctx: AppendixContext) -> str:
    """The date of the run that makes the document ('7 December 2026', UTC), the same on the title page and in the
    technical annex.  Taken when the document is built, not stored in the run manifest: the manifest holds no clock
    time, so that the same inputs and seed give byte-identical JSON outputs."""
    from datetime import datetime, timezone

    day = getattr(ctx, "_run_date", None)
    if day is None:
        day = ctx._run_date = datetime.now(timezone.utc).date()
    return f"{day.day} {day:%B %Y}"
