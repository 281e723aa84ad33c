"""The one-way layering rule: inputs → parameters → engine → analyses → workbook → outputs → cli.

A module imports only from layers to its left (plus the shared kernel cea.errors and
cea.structure); the engine imports nothing but numpy, scipy and the standard library.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cea"
ORDER = ["inputs", "parameters", "engine", "survival", "analyses", "workbook", "outputs", "appendix", "cli"]
# the appendix is an output with its own package (as the workbook): the two presentation layers share a rank,
# so `cea all` (cea.outputs.run_all) may write the appendix and the appendix may use the shared figures and tables
RANK = {name: k for k, name in enumerate(ORDER)} | {"appendix": ORDER.index("outputs")}
# the console script (cea.console: `cea run` without typer, then cea.cli) is the command line too
RANK["console"] = RANK["cli"]
SHARED = {"errors", "structure", "allocator", "__init__"}
# estimation primitives the inputs layer may use (digitised curves → IPD); they import nothing from cea
PRIMITIVES = {"cea.survival.guyot", "cea.survival.kaplan_meier"}
THIRD_PARTY_IN_ENGINE = {"numpy", "scipy"}


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "cea" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ORDER else ("shared" if parts[1] in SHARED else parts[1])


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_only_to_earlier_layers(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if own not in RANK:
        return  # the shared kernel and the API facade
    for module in imports(path):
        target = layer(module)
        if target is None or target == "shared" or target not in ORDER or module in PRIMITIVES:
            continue
        assert RANK[target] <= RANK[own], f"{path.name} ({own}) imports {module} ({target})"


@pytest.mark.parametrize("module", sorted(PRIMITIVES))
def test_estimation_primitives_import_nothing_from_cea(module):
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    assert not {m for m in imports(path) if m.split(".")[0] == "cea"}


def test_importing_the_inputs_layer_does_not_load_the_engine():
    import subprocess
    import sys

    code = "import sys; import cea.inputs.model_inputs, cea.inputs.survival_data; print(sorted(m for m in sys.modules if m.startswith(('cea.engine', 'cea.analyses'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_engine_imports_neither_io_nor_presentation():
    for path in (PACKAGE / "engine").glob("*.py"):
        for module in imports(path):
            top = module.split(".")[0]
            if top == "cea":
                assert layer(module) in ("engine", "shared"), f"{path.name} imports {module}"
            elif top not in {"__future__", "dataclasses", "typing", "concurrent", "os"}:
                assert top in THIRD_PARTY_IN_ENGINE, f"{path.name} imports {module}"
