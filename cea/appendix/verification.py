"""B.3.14 Verification: the black-box checks run on this run's inputs at appendix time (with their results), the
payer workbook recalculated in LibreOffice against the engine (when LibreOffice is available), and the completed
TECH-VER checklist and AdViSHE questionnaire."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cea.appendix.document import AppendixContext, significant
from cea.appendix.suite import test_modules

WORKBOOK_TOLERANCE = 1e-9


def workbook_check(bundle, workbook: Path | None = None) -> dict:
    """Recalculate the payer workbook of this run in LibreOffice and compare every result cell with the engine.
    ``workbook``: the run's own workbook file (`cea all` builds it once); None: a base-case workbook is built
    here.  Returns a row like the black-box checks; ``passed`` is None when LibreOffice is not installed."""
    from cea.workbook import results_layout, write_workbook
    from cea.workbook.recalc import csv_value, recalculated_sheet, soffice
    from cea.workbook.results import flatten

    name = "Payer workbook recalculated in LibreOffice: every result cell equal to the engine"
    if soffice() is None:
        return {"check": name, "techver": "Replication", "expected": f"relative difference ≤ {significant(WORKBOOK_TOLERANCE, 1)}",
                "observed": "not run: LibreOffice is not installed on the machine that produced this document",
                "deviation": float("nan"), "passed": None}
    with tempfile.TemporaryDirectory() as folder:
        path = workbook or write_workbook(Path(folder) / "model.xlsx", bundle.inputs, bundle.base_case)
        values = recalculated_sheet(path, "Results")  # LibreOffice exports only the sheet compared here
    expected = flatten(bundle.base_case.to_dict())
    layout = results_layout(bundle.inputs)
    worst, compared, mismatched = 0.0, 0, 0
    for key, coordinate in layout.items():
        want, text = expected[key], values.get(coordinate)
        got = csv_value(text)
        if want is None or isinstance(want, str):
            got = text
            mismatched += (got != ("n/a" if want is None else want))
            compared += 1
            continue
        if not isinstance(got, (int, float)):
            mismatched += 1
            compared += 1
            continue
        worst = max(worst, abs(got - want) / (abs(want) if want else 1.0))
        compared += 1
    passed = mismatched == 0 and worst <= WORKBOOK_TOLERANCE
    return {"check": name, "techver": "Replication", "expected": f"relative difference ≤ {significant(WORKBOOK_TOLERANCE, 1)}",
            "observed": f"{compared} result cells; largest relative difference {worst:.1e}"
                        + (f"; {mismatched} cell(s) not numeric or not equal" if mismatched else ""),
            "deviation": worst, "passed": passed}


def verification_rows(ctx: AppendixContext) -> list[dict]:
    rows = list(ctx.bundle.verification)
    if ctx.check_workbook:  # True, or the path of the run's workbook
        rows.append(workbook_check(ctx.bundle, ctx.check_workbook if isinstance(ctx.check_workbook, Path) else None))
    return rows


def result_text(passed) -> str:
    return "Not run" if passed is None else ("Pass" if passed else "FAIL")


def verification_section(ctx: AppendixContext) -> None:
    w = ctx.w
    ctx.section("verification", "Verification")
    rows = verification_rows(ctx)
    ctx.verification_results = rows
    failed = [r for r in rows if r["passed"] is False]
    not_run = [r for r in rows if r["passed"] is None]
    w.paragraph(
        f"Verification follows TECH-VER {ctx.cite('Buyukkaramikli 2019')}. The black-box checks in Table "
        f"{ctx.next_table()} were run on the inputs of this run when this document was produced: each changes the "
        "inputs through the same override mechanism the analyses use and compares the result with an outcome known "
        f"in advance. {len(rows) - len(failed) - len(not_run)} of {len(rows)} pass"
        + (f"; {len(failed)} fail: " + "; ".join(r["check"] for r in failed) if failed else "")
        + (f"; {len(not_run)} could not be run ({'; '.join(r['observed'] for r in not_run)})" if not_run else "")
        + ".")
    w.table("Black-box verification run with this document", ("Check", "Expected", "Observed", "Result"),
            [[r["check"], r["expected"], r["observed"], result_text(r["passed"])] for r in rows],
            (6.2, 3.6, 4.6, 1.6), align="lllc", font_size=7.5,
            notes=["Tolerance 1e-9 relative: the compared quantities are computed by identical arithmetic, so any "
                   "larger difference is an error."])
    modules = test_modules()
    total = sum(m["tests"] for m in modules)
    suite = (f"The automated test suite ({len(modules)} modules, {total} test functions: closed-form results, "
             "hand-computed traces, published trial figures, an independent re-implementation of the engine, "
             "property-based invariants and the workbook recalculation) runs on every change in continuous "
             "integration; its results for the commit in the run manifest are in the CI record, not re-run here."
             if modules else "The automated test suite is not installed with this copy of the model.")
    w.paragraph(suite)
    techver_table(ctx, rows, bool(modules))
    advishe_table(ctx, rows)


def _status(rows: list[dict], techver: str) -> str:
    chosen = [r for r in rows if r["techver"].startswith(techver)]
    if not chosen:
        return ""
    passed = sum(1 for r in chosen if r["passed"])
    return f"{passed} of {len(chosen)} run-time checks pass"


def techver_table(ctx: AppendixContext, rows: list[dict], suite: bool) -> None:
    b = ctx.bundle
    converged = b.psa.summary()["incremental"].get("nmb_mcse", {})
    items = [
        ("Model inputs", "Every input validated on load (ranges, units, distributions, cross-references); sources "
         "resolved to the reference list", "Done: the run would have stopped on any invalid input"),
        ("Event-state calculations (trace)", "Black-box: trace rules, extreme hazard ratios, equal arms",
         _status(rows, "Black-box: trace") + "; " + _status(rows, "Extreme values") + "; "
         + _status(rows, "Black-box: treatment")),
        ("Result calculations", "Black-box: utilities of 1, zero discounting, zero costs; replication in the "
         "workbook", "; ".join(x for x in (_status(rows, "Black-box: utilities"), _status(rows, "Black-box: discount"),
                                           _status(rows, "Replication")) if x)),
        ("Uncertainty analyses", "PSA convergence (running mean and Monte Carlo SE of the INMB); DSA bounds inside "
         "the parameter distributions; threshold price re-checked by re-running the model",
         "Done: Monte Carlo SE of the mean INMB " + ", ".join(ctx.money(v) for v in converged.values())
         + "; threshold INMB at the threshold price reported in section B.3.11"),
        ("Overall validation and other tests", "Validation against the trial data; automated test suite",
         "Section B.3.14 validation table" + ("; test suite in continuous integration" if suite else "")),
    ]
    ctx.w.paragraph(f"Table {ctx.next_table()} is the completed TECH-VER checklist at the level of its five "
                    "verification areas.")
    ctx.w.table("TECH-VER checklist: what was verified and the outcome", ("Area", "Tests performed", "Outcome"),
                [list(i) for i in items], (3.4, 6.6, 6.0), align="lll", font_size=7.5)


def advishe_table(ctx: AppendixContext, rows: list[dict]) -> None:
    from cea.appendix.validation import advishe_status  # one source of truth, also read by the limitations

    items = advishe_status(ctx.bundle, rows)
    ctx.w.paragraph(f"Table {ctx.next_table()} is the completed AdViSHE questionnaire in short form.")
    ctx.w.table("AdViSHE validation questionnaire: status of each item", ("Item", "Validation technique", "Status"),
                [[i.item, i.technique, i.text] for i in items], (1.2, 6.0, 8.8), align="lll", font_size=7.5)
