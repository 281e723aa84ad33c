"""One reference list from the inputs' citations: every source cell of the shipped NICE input set cites a
publication of ``references.csv`` (or is an assumption), and none names a working file, a script or a
recollection.  A new input whose source is not in the reference list, or that cites an internal note, fails
here, loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from cea.appendix.citations import Citations, clean
from cea.inputs.references import (cited_keys, internal_mentions, is_assumption, load_references, source_texts,
                                   unresolved_sources)

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


def test_every_source_of_the_inputs_cites_the_reference_list():
    unresolved = unresolved_sources(INPUTS)
    assert not unresolved, "\n".join(f"{f}:{line} [{col}] {text[:120]}" for f, line, col, text in unresolved[:20])


def test_no_source_is_an_internal_file_a_script_or_a_recollection():
    offending = [(f, line, internal_mentions(text)) for f, line, _, text in source_texts(INPUTS)
                 if internal_mentions(text)]
    assert not offending, offending[:20]


def test_every_reference_is_unique_and_formatted_alike():
    references = load_references(INPUTS)
    assert len({r.key for r in references}) == len(references) >= 40
    assert len({r.citation for r in references}) == len(references)
    for r in references:
        assert r.citation.rstrip().endswith("."), r.key  # Vancouver: every reference ends with a full stop
        assert not internal_mentions(r.citation), r.key


@pytest.mark.parametrize("text", [
    "as recalled in EVIDENCE_REVIEW.md section 3", "docs/EVIDENCE_FOLLOW_UP.md section 4", "HTA_METHODS MS-8",
    "as reproduced in Bram-R/PRE-ACT f_input.R", "fitted by cea.analyses.survival_fits", "see notes.py"])
def test_internal_notes_are_recognised(text):
    assert internal_mentions(text)


@pytest.mark.parametrize("text", [
    "Baselga J et al. NEJM 2012;366:520-9", "NICE TA421 section 2 (BNF list price, excl. VAT)",
    "Yardley DA et al. Adv Ther 2013;30:870-84", "ONS National life tables, England, 2017-2019"])
def test_publications_are_not_mistaken_for_internal_notes(text):
    assert not internal_mentions(text)
    assert cited_keys(text, load_references(INPUTS))


def test_as_above_carries_the_source_of_the_previous_row():
    texts = {(f, line): text for f, line, _, text in source_texts(INPUTS)}
    covariance = [text for (f, _), text in texts.items() if f == "survival_covariance.csv"]
    assert all("Inverse Hessian" in t or is_assumption(t) for t in covariance)


def test_a_source_is_shown_as_numbered_references_with_its_status():
    citations = Citations(INPUTS)
    shown = citations.source("Baselga J et al. NEJM 2012;366:520-9 grade 3/4 AE table; not verified against the "
                             "publication")
    assert shown == "Baselga 2012 [1] (not verified against the source)"
    assert citations.source("Assumption: 30 days") == "Assumption"
    assert citations.source("Derived: ln 2 / (31.0 - 7.8) months; Piccart 2014 and Yardley 2013 medians") == \
        "Derived from Yardley 2013 [2]; Piccart 2014 [3]"
    assert citations.listed()[0] == (1, citations.by_key["Baselga 2012"].citation)
    assert not citations.unresolved


def test_clean_drops_only_the_clauses_that_name_files_or_code():
    text = ("PFS data cut (Yardley 2013), HR 0.38 (0.31-0.48) (pfs_data_cuts.csv row 'final_central'). "
            "Weibull through both medians (cea.survival.calibration.weibull_ph). Both medians are reproduced.")
    assert clean(text) == ("PFS data cut (Yardley 2013), HR 0.38 (0.31-0.48). Weibull through both medians. "
                           "Both medians are reproduced.")
