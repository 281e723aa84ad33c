"""The HTA submission appendix: NICE Document B, section B.3, as one Word document from one run.

One module per section (``summary``, ``structure``, ``decision_problem``, ``clinical``, …);
their order is ``cea.appendix.plan.SECTION_PLAN``.  ``document`` holds the Word building
blocks and number formats, ``figures`` writes the PNG figures, ``build`` assembles the
document.
"""

from cea.appendix.build import build_appendix, write_appendix
from cea.appendix.plan import SECTION_PLAN, SECTION_TITLES

__all__ = ["build_appendix", "write_appendix", "SECTION_PLAN", "SECTION_TITLES"]
