"""Published analyses of the same comparison (``published_analyses.csv``): what ``cea crossval``
sets the model beside (cross-validation, AdViSHE A2/D2).

One row per (published analysis, re-run): the published result as its source reports it, with
a full citation and a verification status, and the model's nearest assumptions to that analysis
as ``--set``-style overrides (``id=value; id=value``), re-run through the same override
machinery as ``cea run --set`` and ``scenarios.csv``.

Columns: ``analysis, study, country, year, comparator, perspective, horizon_years,
discount_costs, discount_outcomes, currency, published_icer, published_result, threshold,
decision, comparable, overrides, differences, status, citation``.

* ``status``: ``verified`` (the figures were read in the cited source's own text),
  ``secondary`` (read only in a secondary source: a news report, a review, a summary) or
  ``not_verified`` (recalled or not found).  A ``not_verified`` row may not carry a number
  (``published_icer``, ``threshold``): an unverified figure is never a target.
* ``comparable``: ``yes`` when the analysis compares the same strategies (everolimus +
  exemestane vs exemestane), so a re-run means something; ``no`` rows are listed but not re-run
  and must leave ``overrides`` blank.
* ``overrides``: blank means the model's base case; each ``id=value`` goes through
  :func:`cea.inputs.overrides.apply_overrides` at load time, so a bad one is reported with this
  file, its row and the column ``overrides``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cea.errors import InputError, Problem
from cea.inputs.readers import parse_float, read_csv

PUBLISHED_ANALYSES_FILE = "published_analyses.csv"
REQUIRED = ("analysis", "study", "country", "year", "currency", "published_result", "comparable", "overrides",
            "differences", "status", "citation")
OPTIONAL = ("comparator", "perspective", "horizon_years", "discount_costs", "discount_outcomes", "published_icer",
            "threshold", "decision")
STATUSES = ("verified", "secondary", "not_verified")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class PublishedAnalysis:
    analysis: str
    study: str
    country: str
    year: int
    comparator: str
    perspective: str
    horizon_years: float | None
    discount_costs: float | None
    discount_outcomes: float | None
    currency: str
    published_icer: float | None
    published_result: str
    threshold: float | None
    decision: str
    comparable: bool
    overrides: dict[str, str]
    differences: str
    status: str
    citation: str
    file: str
    line: int

    @property
    def published_icer_to_threshold(self) -> float | None:
        """Published ICER / the threshold the same source states (both in its own currency)."""
        if self.published_icer is None or self.threshold is None:
            return None
        return self.published_icer / self.threshold

    def problem(self, message: str, column: str | None = None) -> Problem:
        return Problem(self.file, message, row=self.line, column=column, parameter=self.analysis)


def parse_override_text(text: str) -> tuple[dict[str, str], str | None]:
    """'a=1; b=x' → ({'a': '1', 'b': 'x'}, None), or ({}, why it cannot be read)."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            return {}, f"'{part}' is not of the form ID=VALUE (pairs separated by ';')"
        if key in out:
            return {}, f"'{key}' is set twice"
        out[key] = value
    return out, None


def load_published_analyses(inputs_folder: Path | str) -> tuple[PublishedAnalysis, ...]:
    """Read and check ``published_analyses.csv`` (columns and values; the overrides are applied
    to the model inputs by :func:`override_problems`); all problems reported at once."""
    rows = read_csv(Path(inputs_folder) / PUBLISHED_ANALYSES_FILE, REQUIRED, OPTIONAL)
    problems: list[Problem] = []
    out: list[PublishedAnalysis] = []
    first: dict[str, int] = {}
    for row in rows:
        v = {c: row.values.get(c, "") for c in REQUIRED + OPTIONAL}
        name, before = v["analysis"], len(problems)
        if not name or any(ch.isspace() for ch in name):
            problems.append(row.problem("analysis id must be non-empty without spaces", "analysis", name or None))
        elif name in first:
            problems.append(row.problem(f"duplicated analysis id (first on line {first[name]})", "analysis", name))
        first.setdefault(name, row.line)
        for column in ("study", "country", "published_result", "differences", "citation"):
            if not v[column]:
                problems.append(row.problem(f"blank {column}", column, name))
        if v["status"] not in STATUSES:
            problems.append(row.problem(f"status '{v['status']}' is not one of {list(STATUSES)}", "status", name))
        if v["comparable"] not in ("yes", "no"):
            problems.append(row.problem(f"comparable must be 'yes' or 'no', not '{v['comparable']}'", "comparable", name))
        if not _CURRENCY.fullmatch(v["currency"]):
            problems.append(row.problem(f"currency '{v['currency']}' is not a three-letter ISO code (e.g. GBP, EUR)",
                                        "currency", name))
        num = {c: parse_float(row, c, problems, name, required=c == "year")
               for c in ("year", "horizon_years", "discount_costs", "discount_outcomes", "published_icer", "threshold")}
        overrides, why = parse_override_text(v["overrides"])
        if why:
            problems.append(row.problem(why, "overrides", name))
        if len(problems) > before:
            continue
        if not (num["year"].is_integer() and 1990 <= num["year"] <= 2100):
            problems.append(row.problem(f"year {num['year']:g} is not a year between 1990 and 2100", "year", name))
        if num["horizon_years"] is not None and not 0 < num["horizon_years"] <= 100:
            problems.append(row.problem("horizon_years must be in (0, 100]", "horizon_years", name))
        for column in ("discount_costs", "discount_outcomes"):
            if num[column] is not None and not 0 <= num[column] <= 0.2:
                problems.append(row.problem(f"{column} {num[column]:g} is outside [0, 0.2] (write 3.5% as 0.035)",
                                            column, name))
        if num["threshold"] is not None and num["threshold"] <= 0:
            problems.append(row.problem("threshold must be > 0", "threshold", name))
        if v["status"] == "not_verified":
            for column in ("published_icer", "threshold"):
                if num[column] is not None:
                    problems.append(row.problem(f"a not_verified row cannot carry a number in {column}: an unverified "
                                                "figure is never a cross-validation target", column, name))
        if v["comparable"] == "no" and overrides:
            problems.append(row.problem("a row with comparable = no is not re-run; leave overrides blank",
                                        "overrides", name))
        if len(problems) > before:
            continue
        out.append(PublishedAnalysis(
            name, v["study"], v["country"], int(num["year"]), v["comparator"], v["perspective"], num["horizon_years"],
            num["discount_costs"], num["discount_outcomes"], v["currency"], num["published_icer"],
            v["published_result"], num["threshold"], v["decision"], v["comparable"] == "yes", overrides,
            v["differences"], v["status"], v["citation"], row.file, row.line))
    if problems:
        raise InputError(problems)
    return tuple(out)


def override_problems(inputs, analyses: tuple[PublishedAnalysis, ...]) -> list[Problem]:
    """Apply each row's overrides once to ``inputs`` (ModelInputs); problems name this file, the row
    and the column ``overrides``."""
    from cea.inputs.overrides import apply_overrides

    problems: list[Problem] = []
    for a in analyses:
        if not a.overrides:
            continue
        try:
            apply_overrides(inputs, a.overrides, origin=PUBLISHED_ANALYSES_FILE)
        except InputError as exc:
            problems += [Problem(PUBLISHED_ANALYSES_FILE, f"{p.parameter + ': ' if p.parameter else ''}{p.message}",
                                 row=a.line, column="overrides", parameter=a.analysis) for p in exc.problems]
    return problems
