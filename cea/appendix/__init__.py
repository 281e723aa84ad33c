"""The HTA submission appendix: NICE Document B, section B.3, as one Word document from one run.

One module per section (``summary``, ``structure``, ``decision_problem``, ``clinical``, …);
their order is ``cea.appendix.plan.SECTION_PLAN``.  ``document`` holds the Word building
blocks and number formats, ``figures`` writes the PNG figures, ``build`` assembles the
document (``build_text_only``: the same document as text, for tests).

``statements`` is the one place that words a modelling choice a setting, an input or a scenario can change
(structure, curves, time on treatment, adverse-event timing, post-progression mortality, waning, subsequent
therapy, discounting, horizon, cycle, correction, prices, PFS data cut, population): sections take their
phrases from it, never type them.  ``language`` keeps the body in submission language: labels and
publications, never ids, file names, commands or process wording (those appear only in the technical annex).
"""

from cea.appendix.build import build_appendix, write_appendix
from cea.appendix.plan import SECTION_PLAN, SECTION_TITLES

__all__ = ["build_appendix", "write_appendix", "SECTION_PLAN", "SECTION_TITLES"]
