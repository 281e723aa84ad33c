"""B.3.14 Verification."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cea.appendix.document import (
    AppendixContext,
)

TESTS_DIR = Path(__file__).resolve().parents[2] / "tests"


# --------------------------------------------------------------------------- verification
def test_modules(tests_dir: Path = TESTS_DIR) -> list[dict]:
    """The project's test modules: name, first docstring paragraph, number of tests, tools used."""
    modules = []
    if not tests_dir.is_dir():
        return modules
    for path in sorted(tests_dir.glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        doc = (ast.get_docstring(tree) or "").split("\n\n")[0].replace("\n", " ").strip()
        count = sum(1 for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and n.name.startswith("test"))
        tools = []
        if re.search(r"^\s*(from|import) hypothesis", text, re.M):
            tools.append("property-based (Hypothesis)")
        if "soffice" in text:
            tools.append("needs LibreOffice")
        modules.append({"module": f"tests/{path.name}", "description": doc, "tests": count, "notes": ", ".join(tools)})
    return modules


def verification_section(ctx: AppendixContext) -> None:
    w = ctx.w
    ctx.section("verification", "Model verification")
    given = ctx.verification is not None
    modules = list(ctx.verification) if given else test_modules()
    total = sum(int(m.get("tests", 0) or 0) for m in modules)
    workbook = next((m for m in modules if m["module"].endswith("test_workbook.py")), None)
    ways = ["black-box (expected output for chosen inputs)"]
    if workbook is not None:
        ways.append("by replication (the Excel workbook recalculated independently of the Python engine)")
    if any("Hypothesis" in str(m.get("notes", "")) for m in modules):
        ways.append("by property-based testing")
    w.paragraph(
        "Verification follows TECH-VER (Büyükkaramikli et al. 2019): input calculations, event-state (trace) "
        "calculations, result calculations, uncertainty analyses and overall checks, tested "
        + ", ".join(ways[:-1]) + (" and " if len(ways) > 1 else "") + ways[-1]
        + f". The project's automated test suite has {len(modules)} modules with {total} test "
        "functions, listed below; it runs with `make test` and in continuous integration on every change.")
    if workbook is not None:
        w.paragraph(f"Replication in Excel: {workbook['module']} — {workbook['description']}")
    if given:
        w.paragraph("The outcomes below are those supplied with this run.")
    else:
        w.paragraph("This document lists the tests; it does not run them, so no pass/fail results are claimed here. "
                    "The results of the suite for the commit in the run manifest are in the CI log.", italic=True)
    header = ["Test module", "What it checks", "Tests"] + (["Outcome"] if given else ["Notes"])
    rows = [[m["module"], m.get("description", ""), str(m.get("tests", "")),
             str(m.get("outcome", "")) if given else m.get("notes", "")] for m in modules]
    if rows:
        w.table("Automated verification tests", header, rows, (4.0, 8.4, 1.2, 2.4), align="llrl", font_size=7.5)
    else:
        w.paragraph("The test suite is not shipped with this installation.", italic=True)
