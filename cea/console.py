"""The `cea` console script (and `python -m cea`): `cea run` straight to the base case, the rest to typer.

`cea run` is the command that must start at once, and typer would take longer to start than the base
case takes to run: it imports click and, for every option of the command it runs, builds a pydantic
validator (about a hundred milliseconds on a 2-core machine, as long as importing numpy).  So when the
arguments are `run` followed only by its own options, written plainly (``--inputs DIR``, ``--out DIR``,
``--set ID=VALUE`` any number of times, ``--structure NAME``, ``--json``; ``--option=value`` too),
``main`` runs the command here without typer.  Anything else (another command, ``--help``, an unknown
or incomplete option, an empty value or one that starts with a dash) goes to the typer application in
cea.cli, which owns every command's help and error messages; its `run` command calls the same
``run_command`` below, so both paths write the same files and print the same text
(tests/test_cli_fast_path.py runs each case both ways).

``exit_code_on_input_error`` lives here too, so that the fast path needs no typer: every command uses it.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cea.errors import InputError, OutputError

# `cea run`'s options (cea.cli.run) → its keyword arguments; tests check that the two lists agree
RUN_OPTIONS = {"--inputs": "inputs", "--out": "out", "--set": "set_", "--structure": "structure"}
RUN_FLAGS = {"--json": "json_output"}


@contextmanager
def exit_code_on_input_error() -> Iterator[None]:
    """InputError → its problems on stderr and exit code 2; Ctrl-C → exit 130; OutputError → exit 1; no traceback."""
    try:
        yield
    except InputError as exc:
        _error(f"error: invalid input ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):",
               *(f"  {problem}" for problem in exc.problems))
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        _error("interrupted: earlier outputs are unchanged")
        raise SystemExit(130) from None
    except OutputError as exc:
        _error(f"error: {exc}")
        raise SystemExit(1) from None


def _error(*lines: str) -> None:
    sys.stderr.write("".join(line + "\n" for line in lines))
    sys.stderr.flush()


def load_with_overrides(inputs: Path, overrides: list[str] | None, intervention: str | None = None,
                        comparator: str | None = None):
    """The inputs folder with ``--set ID=VALUE`` assignments applied, then ``--intervention`` and ``--comparator``
    (arm ids of arms.csv; None: as in settings.toml) for the pairwise analyses; (inputs, assignments).  An arm
    that is not in arms.csv is an InputError naming the option and the arms there are."""
    from cea.errors import InputError, Problem
    from cea.inputs.model_inputs import load_inputs
    from cea.inputs.overrides import apply_overrides, parse_assignments

    assignments = parse_assignments(overrides or [])
    model_inputs = apply_overrides(load_inputs(inputs), assignments)
    chosen = {key: arm for key, arm in (("intervention", intervention), ("comparator", comparator)) if arm is not None}
    if chosen:
        arms = model_inputs.structure.arm_ids
        problems = [Problem(f"--{key}", f"unknown arm '{arm}': the arms of arms.csv are {', '.join(arms)}")
                    for key, arm in chosen.items() if arm not in arms]
        if problems:
            raise InputError(problems)
        model_inputs = apply_overrides(model_inputs, chosen, origin=" ".join(f"--{k} {v}" for k, v in chosen.items()))
        assignments = {**assignments, **chosen}
    return model_inputs, assignments


def run_command(inputs: Path = Path("inputs"), out: Path = Path("outputs"), set_: list[str] | None = None,
                structure: str | None = None, json_output: bool = False) -> None:
    """`cea run`: the deterministic base case into ``out`` (results.json, the results table, per-arm
    traces), then the table on stdout, or exactly one JSON document with ``json_output``."""
    from cea.analyses.base_case import run_base_case
    from cea.outputs.report import print_base_case, write_base_case

    with exit_code_on_input_error():
        model_inputs, assignments = load_with_overrides(
            Path(inputs), (set_ or []) + ([f"model_structure={structure}"] if structure else []))
        result = run_base_case(model_inputs, overrides=assignments)
        write_base_case(Path(out), result)
        if json_output:
            from cea.outputs.files import to_json

            sys.stdout.write(to_json(result.to_dict()))
        else:
            print_base_case(result, Path(out))


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

