"""Command-line interface: a thin typer shell around the library API.

Every command reads an inputs folder, runs one analysis and writes its files
atomically; an InputError anywhere becomes a message on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from cea.errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Cost-effectiveness model of everolimus + exemestane vs exemestane (BOLERO-2).")

InputsDir = Annotated[Path, typer.Option("--inputs", help="Folder holding parameters.csv, survival_models.csv, settings.toml, …")]
OutputsDir = Annotated[Path, typer.Option("--out", help="Folder to write results into; earlier results survive a failed run.")]
SetOption = Annotated[Optional[list[str]], typer.Option("--set", help="Override a parameter or setting: ID=VALUE (repeatable).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]


@contextmanager
def exit_code_on_input_error() -> Iterator[None]:
    """InputError → its problems on stderr and exit code 2; Ctrl-C → exit 130; no traceback."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"error: invalid input ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: earlier outputs are unchanged", err=True)
        raise typer.Exit(130) from None


def _load(inputs: Path, overrides: list[str] | None):
    from cea.inputs.model_inputs import load_inputs
    from cea.inputs.overrides import apply_overrides, parse_assignments

    assignments = parse_assignments(overrides or [])
    return apply_overrides(load_inputs(inputs), assignments), assignments


@app.command()
def run(inputs: InputsDir = Path("inputs"), out: OutputsDir = Path("outputs"), set_: SetOption = None,
        json_output: JsonFlag = False) -> None:
    """Deterministic base case: costs, LYs, QALYs per arm, ICER and NMB; writes results.json and traces."""
    from cea.analyses.base_case import run_base_case
    from cea.outputs.report import print_base_case, write_base_case

    with exit_code_on_input_error():
        model_inputs, assignments = _load(inputs, set_)
        result = run_base_case(model_inputs, overrides=assignments)
        write_base_case(out, result)
        if json_output:
            from cea.outputs.files import to_json

            sys.stdout.write(to_json(result.to_dict()))
        else:
            print_base_case(result, out)


@app.command()
def params(inputs: InputsDir = Path("inputs"), json_output: JsonFlag = False) -> None:
    """List every parameter with its value, distribution and source."""
    from cea.outputs.parameter_table import parameter_frame

    with exit_code_on_input_error():
        from cea.inputs.model_inputs import load_inputs

        frame = parameter_frame(load_inputs(inputs))
        if json_output:
            from cea.outputs.files import to_json

            sys.stdout.write(to_json(frame.to_dict(orient="records")))
        else:
            import pandas as pd

            with pd.option_context("display.max_rows", None, "display.max_colwidth", 60, "display.width", 200):
                typer.echo(frame[["id", "value", "unit", "distribution", "dsa_low", "dsa_high", "source"]].to_string(index=False))


def main() -> None:  # pragma: no cover
    app()
