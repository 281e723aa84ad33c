"""The one-way layering rule: inputs → parameters → engine → analyses → workbook → outputs → cli.

A module imports only from layers to its left (plus the shared kernel cea.errors and
cea.structure); the engine imports nothing but numpy, scipy and the standard library.

No import cycles: the modules of cea/ form a one-way graph (test_no_import_cycles).  The graph is built
statically with ``ast`` from every import in a module's source: at module level, inside functions and
methods (a deferred import is still a dependency, and a cycle through it is still a cycle), and under
``if TYPE_CHECKING:`` (those count too: a type a module needs is a dependency of the module).  Relative
imports are resolved against the importing module's package; ``from pkg import name`` is an edge to the
module ``pkg.name`` when there is one, else to ``pkg`` (its ``__init__``); ``importlib.import_module`` and
``__import__`` with a literal module name count as imports.  Importing ``a.b.c`` is an edge to ``a.b.c``
only: the ``__init__`` modules Python runs on the way are modules of their own, whose imports are counted
where they are written.  Every strongly connected component of more than one module (Tarjan) is a cycle,
reported with one cycle through it and the file and line of each import on that cycle.
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
# the typer-free command-line pieces both cea.console and cea.cli use (cea.console then imports cea.cli, never back)
RANK["commands"] = RANK["cli"]
SHARED = {"errors", "structure", "allocator", "version", "__init__"}
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


# --------------------------------------------------------------------------- import cycles
def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``): dotted name → file (a package by its __init__)."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_names(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """(dotted name, line) of every import anywhere in ``tree``, relative ones made absolute.  A ``from X import
    y`` gives both ``X.y`` and ``X`` (the caller keeps ``X.y`` when that is a module, else ``X``)."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found += [(f"{base}.{alias.name}|{base}", node.lineno) for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")
                   or isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")):
            found.append((node.args[0].value, node.lineno))
    return found


def import_graph(root: Path, package: str) -> dict[str, dict[str, int]]:
    """module → {module of the same package it imports: line of the first such import}."""
    modules = module_names(root, package)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges: dict[str, int] = {}
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, line in sorted(imported_names(tree, module, path.name == "__init__.py"), key=lambda x: x[1]):
            candidates = name.split("|")  # X.y before X
            target = next((c for c in candidates if c in modules), None)
            if target is not None and target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted; only those of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, {})))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def cycle_through(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """A shortest cycle from the component's first module back to it, inside the component (breadth first)."""
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for successor in sorted(graph[node]):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return path[::-1] + [start]
            if successor in members and successor not in previous:
                previous[successor] = node
                queue.append(successor)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected component always has one


def import_cycles(root: Path, package: str) -> list[str]:
    """One line per cycle: its modules, and one cycle through them with the line of each import."""
    graph = import_graph(root, package)
    modules = module_names(root, package)
    report = []
    for component in strongly_connected(graph):
        path = cycle_through(graph, component)
        steps = " → ".join(f"{a} ({modules[a].relative_to(root).as_posix()}:{graph[a][b]})"
                           for a, b in zip(path, path[1:]))
        report.append(f"{len(component)} modules {component}: {steps} → {path[-1]}")
    return report


def test_no_import_cycles():
    cycles = import_cycles(PACKAGE.parent, "cea")
    assert not cycles, "import cycles (strongly connected components of the import graph):\n" + "\n".join(cycles)


def test_the_cycle_check_sees_every_kind_of_import(tmp_path):
    """A synthetic package: a module-level two-module cycle, a cycle through an import inside a function (with
    relative imports), one through `if TYPE_CHECKING:` and one through `from pkg import module`; one-way imports
    (to a module, to the package, to a namespace subpackage's module) are no cycle."""
    files = {
        "pkg/__init__.py": "VERSION = 1\n",
        "pkg/a.py": "import pkg.b\n",
        "pkg/b.py": "from pkg.a import *\n",
        "pkg/c.py": "from . import helpers\n\n\ndef f():\n    from .d import g\n    return g()\n",
        "pkg/d.py": "from pkg.c import f as _f\n\n\ndef g():\n    return 1\n",
        "pkg/e.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg.f import F\n",
        "pkg/f.py": "from pkg import e\n\n\nclass F:\n    pass\n",
        "pkg/helpers.py": "import os\nfrom pkg import VERSION\nfrom pkg.sub.leaf import LEAF\n",
        "pkg/sub/leaf.py": "LEAF = 1\n",
        "pkg/user.py": "import pkg.a\nfrom pkg import c, helpers\nfrom .sub import leaf\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.c"] == {"pkg.helpers": 1, "pkg.d": 5}  # relative, and inside a function
    assert graph["pkg.helpers"] == {"pkg": 2, "pkg.sub.leaf": 3}
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"], ["pkg.e", "pkg.f"]]
    report = import_cycles(tmp_path, "pkg")
    assert len(report) == 3
    assert "pkg.c (pkg/c.py:5) → pkg.d (pkg/d.py:1) → pkg.c" in report[1]
    assert "pkg.e (pkg/e.py:4) → pkg.f (pkg/f.py:1) → pkg.e" in report[2]
    # the same package with the deferred import moved to module level of another, one-way module: no cycle there
    (tmp_path / "pkg/c.py").write_text("from . import helpers\n", encoding="utf-8")
    assert strongly_connected(import_graph(tmp_path, "pkg")) == [["pkg.a", "pkg.b"], ["pkg.e", "pkg.f"]]


def test_no_cycle_is_reported_for_a_one_way_chain_of_any_length(tmp_path):
    (tmp_path / "chain").mkdir()
    for k in range(1200):  # deeper than Python's recursion limit: the search must not recurse
        (tmp_path / "chain" / f"m{k}.py").write_text(f"from chain import m{k + 1}\n" if k < 1199 else "", encoding="utf-8")
    assert import_cycles(tmp_path, "chain") == []
    (tmp_path / "chain" / "m1199.py").write_text("def late():\n    import chain.m0\n", encoding="utf-8")
    assert len(strongly_connected(import_graph(tmp_path, "chain"))[0]) == 1200
