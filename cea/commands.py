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
