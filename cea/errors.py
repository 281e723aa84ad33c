"""Domain errors.  An InputError lists every problem found, each located precisely
enough (file, row, column, parameter) to fix without reading code; the CLI turns it
into exit code 2 in one place.  No I/O here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One defect in one input file; ``row`` is the 1-based line number in the file (header = 1)."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    parameter: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.row}" if self.row is not None else "")
        what = ", ".join(
            part for part in (f"parameter '{self.parameter}'" if self.parameter else "",
                              f"column '{self.column}'" if self.column and self.column != self.parameter else "")
            if part
        )
        return f"{where}: {what + ': ' if what else ''}{self.message}"


class InputError(ValueError):
    """Invalid model inputs: one or more Problems."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ModelError(RuntimeError):
    """The model produced something impossible (e.g. an invalid transition matrix)."""


class OutputError(RuntimeError):
    """Results could not be written (disk full, permissions); earlier outputs are unchanged."""
