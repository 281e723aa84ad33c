"""The sentences of the appendix that are about the decision problem itself (population, comparators, pathway,
trials, appraisal history), read from the input set's ``submission.toml`` text sections, and the evidence status of
the run (``settings.toml`` ``evidence_status``) in words."""

from __future__ import annotations

import re

from cea.appendix.document import AppendixContext
from cea.inputs.submission import load_submission_text

CITATION = re.compile(r"\s*\[@([^\[\]]+)\]")


def prose(ctx: AppendixContext, section: str, key: str, default: str | None = None) -> str | None:
    """The passage ``[section] key`` of the run's submission.toml with its citations numbered (``[@Key]`` → ' [n]'
    when the input set's references hold Key, nothing otherwise); ``default`` when the inputs do not give it."""
    texts = getattr(ctx, "_submission_text", None)
    if texts is None:
        texts = ctx._submission_text = load_submission_text(ctx.bundle.inputs.folder)
    text = texts.get(section, {}).get(key)
    if not text:
        return default
    return CITATION.sub(lambda m: ctx.cite_if(*[k.strip() for k in m.group(1).split(";")]), text)


def technology_name(ctx: AppendixContext) -> str:
    """The technology of the intervention arm in running text ('everolimus' for 'Everolimus + exemestane')."""
    return ctx.intervention.split(" +")[0].lower()


def exploratory(ctx: AppendixContext) -> bool:
    return getattr(ctx.s, "evidence_status", "reference") == "exploratory"


def evidence_note(ctx: AppendixContext) -> str:
    """The settings' evidence note without file names or commands, ending with a full stop ('' without one)."""
    from cea.appendix.language import submission_text

    note = submission_text(ctx, getattr(ctx.s, "evidence_note", "") or "").strip()
    return (note[:1].upper() + note[1:] + ("" if note.endswith(".") else ".")) if note else ""


def evidence_status_sentence(ctx: AppendixContext) -> str | None:
    """'The evidence status of this analysis is exploratory. …' for an exploratory input set, else None."""
    if not exploratory(ctx):
        return None
    return "The evidence status of this analysis is exploratory. " + (
        evidence_note(ctx) or "Its results are not a base case for decisions.")
