"""The technical annex: everything needed to reproduce the run (the only part of the appendix that names the
model's identifiers, commands and input files; the body speaks in labels and publications)."""

from __future__ import annotations

import shlex

from cea.appendix.controls import run_date
from cea.appendix.document import AppendixContext
from cea.appendix.language import SETTING_WORDS, scenario_title


def manifest_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("manifest", "Technical annex: reproducibility")
    m = b.manifest
    overrides = " ".join(f"--set {shlex.quote(f'{k}={v}')}" for k, v in m.overrides.items())
    command = (f"cea all --inputs {m.inputs_folder} --seed {b.psa.seed} --iterations {b.psa.iterations}"
               + (f" {overrides}" if overrides else ""))
    w.paragraph("Every number in this appendix comes from one run of the model, identified below; re-running "
                "the same version on the same inputs with the same seed reproduces it exactly: "
                f"{command}. This annex maps the labels used in the text to the identifiers of the model's inputs.")
    rows = [["Run date", run_date(ctx)], ["Package version", f"cea {m.version}"],
            ["Git commit", m.git_commit or "Not available"],
            ["Inputs folder", m.inputs_folder], ["Inputs SHA-256", m.inputs_sha256],
            ["PSA seed", str(b.psa.seed)], ["PSA iterations", f"{b.psa.iterations:,}"],
            ["Overrides", ", ".join(f"{k}={v}" for k, v in m.overrides.items()) or "None"],
            ["Python / numpy", f"{m.python} / {m.numpy}"]]
    w.table("Run manifest", ("Item", "Value"), rows, (4.0, 12.0), align="ll", font_size=8)
    settings = [[SETTING_WORDS.get(k, (k.replace("_", " ").capitalize(),))[0], k,
                 ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in v) if isinstance(v, (list, tuple))
                 else (f"{v:g}" if isinstance(v, float) else str(v))] for k, v in m.settings.items()]
    w.table("Settings of the run (after overrides)", ("Setting", "Identifier", "Value"), settings, (5.0, 4.5, 6.5),
            align="lll", font_size=7.5)
    rationale: dict[str, str] = {}
    for row in b.inputs.scenarios:
        rationale.setdefault(row.scenario, row.rationale)
    if rationale:
        w.table("Technical annex: scenario labels and identifiers", ("Scenario", "Identifier"),
                [[scenario_title(ctx, k, v), k] for k, v in rationale.items()], (11.0, 5.0), align="ll", font_size=7)
    w.table("Input files and their SHA-256 hashes", ("File", "SHA-256"), [[k, v] for k, v in m.input_files.items()],
            (5.0, 11.0), align="ll", font_size=7)
