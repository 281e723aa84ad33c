"""The `cea` console script (and `python -m cea`): `cea run` straight to the base case, the rest to typer.

`cea run` is the command that must start at once, and typer would take longer to start than the base
case takes to run: it imports click and, for every option of the command it runs, builds a pydantic
validator (about a hundred milliseconds on a 2-core machine, as long as importing numpy).  So when the
arguments are `run` followed only by its own options, written plainly (``--inputs DIR``, ``--out DIR``,
``--set ID=VALUE`` any number of times, ``--structure NAME``, ``--json``; ``--option=value`` too),
``main`` runs the command here without typer.  Anything else (another command, ``--help``, an unknown
or incomplete option, an empty value or one that starts with a dash) goes to the typer application in
cea.cli, which owns every command's help and error messages; its `run` command calls the same
``run_command`` (cea.commands), so both paths write the same files and print the same text
(tests/test_cli_fast_path.py runs each case both ways).

``run_command``, ``load_with_overrides`` and ``exit_code_on_input_error`` (every command uses it) live in
cea.commands, which needs no typer and imports neither this module nor cea.cli.
"""

from __future__ import annotations

import sys
from pathlib import Path

# typer-free, shared with cea.cli (exit_code_on_input_error and load_with_overrides: also as before, from here)
from cea.commands import exit_code_on_input_error, load_with_overrides, run_command  # noqa: F401

# `cea run`'s options (cea.cli.run) → its keyword arguments; tests check that the two lists agree
RUN_OPTIONS = {"--inputs": "inputs", "--out": "out", "--set": "set_", "--structure": "structure"}
RUN_FLAGS = {"--json": "json_output"}


def run_arguments(args: list[str]) -> dict | None:
    """``run_command``'s keyword arguments for the command line ``args`` (without the program name), or None
    when it is not `run` with only plainly written options of its own (typer then parses it)."""
    if args[:1] != ["run"]:
        return None
    found: dict = {}
    rest = iter(args[1:])
    for arg in rest:
        name, has_value, value = arg.partition("=")
        if name in RUN_FLAGS and not has_value:
            found[RUN_FLAGS[name]] = True
            continue
        if name not in RUN_OPTIONS:
            return None
        if not has_value:
            value = next(rest, None)
            if value is None or value.startswith("-"):
                return None
        if not value:
            return None
        key = RUN_OPTIONS[name]
        if key == "set_":
            found.setdefault("set_", []).append(value)
        else:
            found[key] = Path(value) if key in ("inputs", "out") else value
    return found


def main() -> None:
    """The `cea` command."""
    arguments = run_arguments(sys.argv[1:])
    if arguments is None:
        from cea.cli import app

        app()
    else:
        run_command(**arguments)

