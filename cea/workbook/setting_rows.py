"""The settings the Inputs sheet lays out, one row each: written by cea.workbook.inputs, and read by
cea.workbook.scenarios (a scenario is selectable only when every setting it changes is one of these rows).
A module of its own because cea.workbook.inputs imports cea.workbook.scenarios."""

from __future__ import annotations

from cea.workbook.style import GENERAL, PCT

SETTING_ROWS = (  # id, label, unit / allowed values, number format
    ("cycle_length_days", "Cycle length", "days", GENERAL),
    ("days_per_year", "Days per year", "days", GENERAL),
    ("horizon_years", "Time horizon (at most the cycles this workbook holds, see below)", "years", GENERAL),
    ("discount_rate_costs", "Discount rate, costs", "per year", PCT),
    ("discount_rate_outcomes", "Discount rate, outcomes (LYs, QALYs)", "per year", PCT),
    ("within_cycle_correction", "Within-cycle correction", "none | half_cycle | simpson", GENERAL),
    ("start_age", "Age at model start", "years", GENERAL),
    ("utility_age_adjustment", "Adjust utilities for age (multiplicative, capped at the population norm)",
     "TRUE | FALSE", GENERAL),
    ("pd_mortality", "Post-progression mortality", "os_tracking | constant", GENERAL),
    ("model_structure", "Model structure: state transition (markov) or partitioned survival (psm, NICE DSU TSD19)",
     "markov | psm", GENERAL),
    ("adverse_event_timing", "Adverse events: spread over the time on treatment, or all at the start",
     "on_treatment | at_start", GENERAL),
    ("waning_start_months", "Treatment-effect waning starts (blank = no waning)", "months", GENERAL),
    ("waning_end_months", "Treatment-effect waning complete", "months", GENERAL),
)
