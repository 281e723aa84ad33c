"""The typer-free pieces of the command line that both the console script (cea.console) and the typer
application (cea.cli) use: ``exit_code_on_input_error`` (every command), ``load_with_overrides`` (``--set``)
and ``run_command`` (`cea run`, on the console script's fast path and as typer's `run`).

Neither imports the other from here: cea.console hands everything but a plain `cea run` to cea.cli, and
cea.cli imports these pieces from this module, never from cea.console.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cea.errors import InputError, OutputError


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


def load_with_overrides(inputs: Path, overrides: list[str] | None):
    """The inputs folder with ``--set ID=VALUE`` assignments applied; (inputs, assignments)."""
    from cea.inputs.model_inputs import load_inputs
    from cea.inputs.overrides import apply_overrides, parse_assignments

    assignments = parse_assignments(overrides or [])
    return apply_overrides(load_inputs(inputs), assignments), assignments


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
