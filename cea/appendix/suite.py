"""The project's test suite as the appendix reports it (the verification section's list of test modules, and
the AdViSHE status of the automated tests in cea.appendix.validation): a module of its own, which imports
nothing from the appendix, so that neither of the two imports the other to read it."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[2] / "tests"


def test_modules(tests_dir: Path = TESTS_DIR) -> list[dict]:
    """The project's test modules: name and number of test functions (empty when the suite is not installed)."""
    modules = []
    if not tests_dir.is_dir():
        return modules
    for path in sorted(tests_dir.glob("test_*.py")):
        try:
            stat = path.stat()
            tests = _count_tests(path, stat.st_mtime_ns, stat.st_size)
        except (OSError, SyntaxError):
            continue
        modules.append({"module": path.name, "tests": tests})
    return modules


@functools.lru_cache(maxsize=1024)
def _count_tests(path: Path, mtime_ns: int, size: int) -> int:
    """Test functions in one module (parsed once per version of the file: the appendix asks more than once)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(1 for node in ast.walk(tree)
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"))
