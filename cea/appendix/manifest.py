"""The run manifest (technical annex)."""

from __future__ import annotations

from cea.appendix.document import (
    AppendixContext,
)


def manifest_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("manifest", "Run manifest")
    m = b.manifest
    w.paragraph("Every number in this appendix comes from one run of the model, identified below; re-running "
                "the same version on the same inputs with the same seed reproduces it exactly.")
    overrides = ", ".join(f"{k}={v}" for k, v in m.overrides.items()) or "None"
    rows = [["Package version", f"cea {m.version}"], ["Git commit", m.git_commit or "Not available"],
            ["Inputs folder", m.inputs_folder], ["Inputs SHA-256", m.inputs_sha256],
            ["PSA seed", str(b.psa.seed)], ["PSA iterations", f"{b.psa.iterations:,}"], ["Overrides", overrides],
            ["Python / numpy", f"{m.python} / {m.numpy}"]]
    w.table("Run manifest", ("Item", "Value"), rows, (4.0, 12.0), align="ll", font_size=8)
    settings = [[k, ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in v) if isinstance(v, (list, tuple))
                 else (f"{v:g}" if isinstance(v, float) else str(v))] for k, v in m.settings.items()]
    w.table("Settings of the run (settings.toml after overrides)", ("Setting", "Value"), settings, (5.0, 11.0),
            align="ll", font_size=7.5)
    w.table("Input files and their SHA-256 hashes", ("File", "SHA-256"), [[k, v] for k, v in m.input_files.items()],
            (5.0, 11.0), align="ll", font_size=7)
