"""Benchmark the payer workbook: export time, and what LibreOffice costs a payer (CPU time of the soffice
process, user + sys, from the kernel's accounting of the finished child; includes about 1 s to start
LibreOffice, so every "open" figure is gross, and "edit" / "re-run" figures are net: the same open without the
edit subtracted).

    python benchmarks/bench_workbook.py [--iterations N] [--libreoffice] [--export]

`--libreoffice` exports the shipped model as `cea all` does (the engine's PSA with N iterations, default 1,000,
and DSA) and measures, with a throwaway LibreOffice profile each:

- file size and formula count of model.xlsx, model_psa.xlsx and model_dsa.xlsx;
- opening model.xlsx with "never recalculate" (LibreOffice's default for .xlsx) and "always recalculate";
- an edit in model.xlsx (a drug price; the PFS hazard ratio) recalculated, and the value LibreOffice shows,
  for comparison with `cea run --set`;
- re-running the PSA (psa_run = yes) in model_psa.xlsx and the DSA (dsa_run = yes) in model_dsa.xlsx opened
  with "never recalculate", as exported and after a price edit (`--edit-tables` adds an edit in each, switched
  off: minutes, every table cell again).

The edit is typed by a LibreOffice Basic macro installed in the throwaway profile (open the file hidden, set the
cell, calculate, read a result, close), so "edit" = CPU(open + edit) − CPU(open).  The lead's `make bench` can
call ``libreoffice_rows()``.  Nothing here is asserted: speed is measured, never tested.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cea.analyses.base_case import run_base_case  # noqa: E402
from cea.inputs.model_inputs import load_inputs  # noqa: E402
from cea.workbook.build import build_book, table_paths, write_workbook  # noqa: E402
from cea.workbook.evaluate import evaluate_book  # noqa: E402
from cea.workbook.xlsx import write_xlsx  # noqa: E402

_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub Run
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(Environ(&quot;CEA_DOC&quot;)), &quot;_blank&quot;, 0, args())
  If Environ(&quot;CEA_BATCH&quot;) &lt;&gt; &quot;&quot; Then
    doc.enableAutomaticCalculation(False)
  End If
  If Environ(&quot;CEA_SHEET&quot;) &lt;&gt; &quot;&quot; Then
    cell = doc.Sheets.getByName(Environ(&quot;CEA_SHEET&quot;)).getCellRangeByName(Environ(&quot;CEA_CELL&quot;))
    If Environ(&quot;CEA_TEXT&quot;) &lt;&gt; &quot;&quot; Then
      cell.setString(Environ(&quot;CEA_TEXT&quot;))
    Else
      cell.setValue(Val(Environ(&quot;CEA_VALUE&quot;)))
    End If
    If Environ(&quot;CEA_NOCALC&quot;) = &quot;&quot; Then
      doc.calculate()
    End If
  End If
  If Environ(&quot;CEA_SHEET2&quot;) &lt;&gt; &quot;&quot; Then
    cell = doc.Sheets.getByName(Environ(&quot;CEA_SHEET2&quot;)).getCellRangeByName(Environ(&quot;CEA_CELL2&quot;))
    cell.setString(Environ(&quot;CEA_TEXT2&quot;))
    If Environ(&quot;CEA_NOCALC&quot;) = &quot;&quot; Then
      doc.calculate()
    End If
  End If
  If Environ(&quot;CEA_BATCH&quot;) &lt;&gt; &quot;&quot; Then
    doc.enableAutomaticCalculation(True)
    doc.calculate()
  End If
  res = doc.Sheets.getByName(Environ(&quot;CEA_RSHEET&quot;)).getCellRangeByName(Environ(&quot;CEA_READ&quot;))
  f = FreeFile
  Open Environ(&quot;CEA_OUT&quot;) For Output As #f
  Print #f, res.getString()
  Close #f
  doc.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"""


def synthetic_frames(base, iterations: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    psa = {}
    for arm in base.outcomes.arms:
        s = base.arm_summary(arm)
        psa[f"cost_{arm}"] = rng.normal(s["costs"], 0.1 * s["costs"], iterations)
        psa[f"qaly_{arm}"] = rng.normal(s["qalys"], 0.1 * s["qalys"], iterations)
        psa[f"ly_{arm}"] = rng.normal(s["lys"], 0.1 * s["lys"], iterations)
    frame = pd.DataFrame(psa)
    settings = base.settings
    wtp = np.arange(0.0, settings.wtp_grid_max + settings.wtp_grid_step, settings.wtp_grid_step)
    i, c = settings.intervention, settings.comparator
    nmb_i = wtp[:, None] * frame[f"qaly_{i}"].to_numpy() - frame[f"cost_{i}"].to_numpy()
    nmb_c = wtp[:, None] * frame[f"qaly_{c}"].to_numpy() - frame[f"cost_{c}"].to_numpy()
    p = (nmb_i > nmb_c).mean(axis=1)
    ceac = pd.DataFrame({"wtp": wtp, i: p, c: 1 - p})
    return {"psa": frame, "ceac": ceac}


def formula_count(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(len(re.findall(rb"<f[ >]", archive.read(n))) for n in archive.namelist()
                   if n.startswith("xl/worksheets/sheet"))


class LibreOffice:
    """A throwaway LibreOffice profile ('never' or 'always' recalculate on load) with the benchmark macro."""

    def __init__(self, folder: Path, recalculate_on_load: bool) -> None:
        from cea.workbook.recalc import _PROFILE_SETTINGS, soffice

        binary = soffice()
        if binary is None:
            raise RuntimeError("LibreOffice (soffice) is not installed")
        self.binary = binary
        self.profile = folder / f"profile-{'always' if recalculate_on_load else 'never'}"
        (self.profile / "user").mkdir(parents=True)
        (self.profile / "user" / "registrymodifications.xcu").write_text(
            _PROFILE_SETTINGS.format(mode=0 if recalculate_on_load else 1), encoding="utf-8")
        subprocess.run([binary, f"-env:UserInstallation={self.profile.as_uri()}", "--headless",
                        "--terminate_after_init"], capture_output=True, timeout=600)
        library = self.profile / "user" / "basic" / "Standard"
        library.mkdir(parents=True, exist_ok=True)
        (library / "Module1.xba").write_text(_MACRO, encoding="utf-8")
        self.out = folder / "macro-out.txt"

    def run(self, path: Path, read: tuple[str, str], edit: tuple[str, str, object] | None = None,
            then: tuple[str, str, str] | None = None, batch: bool = False,
            calculate_between: bool = True) -> tuple[float, str]:
        """CPU seconds of one LibreOffice process opening ``path`` (and typing ``edit`` = (sheet, cell, value),
        then recalculating; then typing the text ``then`` = (sheet, cell, text), recalculating), and the text
        LibreOffice shows in ``read`` = (sheet, cell).  ``batch``: AutoCalculate off while typing (in the
        document, doc.calculate() then recalculates only what was already pending), one recalculation at the
        end, as a payer would do in model_psa.xlsx or model_dsa.xlsx (Data > Calculate > AutoCalculate).  ``calculate_between``
        False: no doc.calculate() after each typed value either (the payer's steps exactly)."""
        env = {**os.environ, "CEA_DOC": str(path), "CEA_RSHEET": read[0], "CEA_READ": read[1], "CEA_OUT": str(self.out),
               "CEA_SHEET": "", "CEA_CELL": "", "CEA_TEXT": "", "CEA_VALUE": "", "CEA_SHEET2": "", "CEA_CELL2": "",
               "CEA_TEXT2": "", "CEA_BATCH": "1" if batch else "", "CEA_NOCALC": "" if calculate_between else "1"}
        if then is not None:
            env.update(CEA_SHEET2=then[0], CEA_CELL2=then[1], CEA_TEXT2=then[2])
        if edit is not None:
            sheet, cell, value = edit
            env.update(CEA_SHEET=sheet, CEA_CELL=cell)
            env.update(CEA_TEXT=value) if isinstance(value, str) else env.update(CEA_VALUE=repr(float(value)))
        self.out.unlink(missing_ok=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([self.binary, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore",
                        "--nolockcheck", "vnd.sun.star.script:Standard.Module1.Run?language=Basic&location=application"],
                       env=env, capture_output=True, timeout=7200)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        shown = self.out.read_text(encoding="utf-8", errors="replace").strip() if self.out.exists() else "(nothing)"
        return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, shown


def export_shipped(folder: Path, iterations: int) -> Path:
    """model.xlsx, model_psa.xlsx and model_dsa.xlsx as `cea all` writes them (engine PSA with ``iterations``, one-way DSA)."""
    from cea.analyses.one_way import one_way
    from cea.analyses.psa import run_psa

    inputs = load_inputs(ROOT / "inputs")
    psa = run_psa(inputs, iterations, inputs.settings.seed)
    frame = pd.DataFrame({f"{m}_{a}": getattr(psa, attr)[:, j] for j, a in enumerate(psa.arms)
                          for m, attr in (("cost", "costs"), ("qaly", "qalys"), ("ly", "lys"))})
    return write_workbook(folder / "model.xlsx", inputs, psa.base_case, dsa=one_way(inputs).table, psa=frame,
                          ceac=psa.ceac_frame(), psa_draws=psa.parameters, psa_seed=psa.seed)


def libreoffice_rows(iterations: int = 1_000, reruns: bool = True, edit_tables: bool = False) -> list[dict]:
    """Rows for `make bench` (benchmarks/run.py): name, seconds (CPU), target, note."""
    from cea.workbook.dsa import DSA
    from cea.workbook.dsa import TABLE_HEADER as DSA_TABLE_HEADER
    from cea.workbook.recalc import input_cells

    rows = []
    with tempfile.TemporaryDirectory(prefix="cea-bench-") as scratch:
        folder = Path(scratch)
        path = export_shipped(folder, iterations)
        live = table_paths(path)
        names = input_cells(path)
        from cea.workbook.build import results_layout

        result = ("Results", results_layout(load_inputs(ROOT / "inputs"))["incremental.costs"])
        for name, file in (("model.xlsx", path), ("model_psa.xlsx", live["psa"]), ("model_dsa.xlsx", live["dsa"])):
            rows.append({"name": f"{name}: size MB / formulas", "seconds": file.stat().st_size / 1e6,
                         "note": f"{formula_count(file):,} formulas"})
        never = LibreOffice(folder, recalculate_on_load=False)
        always = LibreOffice(folder, recalculate_on_load=True)
        open_never, shown = min(never.run(path, result) for _ in range(2))
        rows.append({"name": "LibreOffice opens model.xlsx, never recalculate (CPU)", "seconds": open_never,
                     "target": "20 s", "note": f"incremental costs shown {shown}"})
        rows.append({"name": "LibreOffice opens model.xlsx, always recalculate (CPU)",
                     "seconds": min(always.run(path, result)[0] for _ in range(2)), "target": "20 s"})
        for label, model_id, value in (("drug price x 0.6", "eve_pack_price_10mg", None), ("PFS HR = 0.5", "hr_pfs", 0.5)):
            sheet, cell = names[model_id]
            if value is None:
                from cea.inputs.model_inputs import load_inputs as _load

                value = _load(ROOT / "inputs").parameters[model_id].value * 0.6
            edited, shown = min(never.run(path, result, (sheet, cell, value)) for _ in range(2))
            rows.append({"name": f"LibreOffice edit in model.xlsx, {label}: recalculation (CPU, net)",
                         "seconds": max(edited - open_never, 0.0), "target": "10 s",
                         "note": f"{model_id} = {value!r}: incremental costs shown {shown}"})
        if reruns:
            sheet, cell = names["eve_pack_price_10mg"]
            price = load_inputs(ROOT / "inputs").parameters["eve_pack_price_10mg"].value * 0.6
            # what is read must depend on every table cell: LibreOffice computes a MULTIPLE.OPERATIONS cell only
            # when something read needs it (reading dsa_base_inmb, which does not, measured 0.4-55 s depending on
            # what else was pending); the PSA's mean incremental costs averages its table column, and the tornado's
            # largest swing (DSA sheet, first row of the sorted tornado, column Y) ranks every DSA row
            top_swing = (DSA, f"Y{DSA_TABLE_HEADER + 1}")
            for key, switch, label, target, shows in (
                    ("dsa", "dsa_run", "DSA re-run", "60 s", "tornado's largest swing"),
                    ("psa", "psa_run", f"PSA re-run, {iterations:,} iterations", "300 s", "psa_mean_incremental_costs")):
                file = live[key]
                open_live = never.run(file, result)[0]
                rows.append({"name": f"LibreOffice opens {file.name}, never recalculate (CPU)", "seconds": open_live})
                on = names[switch]
                names["tornado's largest swing"] = top_swing
                cpu, shown = never.run(file, names[shows], (on[0], on[1], "yes"))
                rows.append({"name": f"LibreOffice {label} in {file.name}, as exported (CPU, net)",
                             "seconds": max(cpu - open_live, 0.0), "note": f"{shows} shown {shown}"})
                # the payer's steps after an edit: AutoCalculate off, the price typed, the switch set to yes,
                # AutoCalculate on (one recalculation)
                cpu, shown = never.run(file, names[shows], (sheet, cell, price), then=(on[0], on[1], "yes"),
                                       batch=True, calculate_between=False)
                rows.append({"name": f"LibreOffice {label} in {file.name} after a price edit (CPU, net)",
                             "seconds": max(cpu - open_live, 0.0), "target": target,
                             "note": f"eve_pack_price_10mg x 0.6: {shows} shown {shown}"})
                if edit_tables:  # slow: every table cell is computed again after the edit, switched off or not
                    edited, _ = never.run(file, result, (sheet, cell, price))
                    rows.append({"name": f"LibreOffice edit in {file.name} (table off), price (CPU, net)",
                                 "seconds": max(edited - open_live, 0.0), "note": "every table cell computed again"})
    return rows


def live_tables(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, ref, input cell) of every data table marked in ``path`` (as mark_data_tables takes them)."""
    from cea.workbook.data_table import sheet_parts

    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    out = []
    for sheet, part in sheet_parts(files).items():
        for ref, cell in re.findall(r'<f t="dataTable" ref="([^"]+)"[^>]*? r1="([^"]+)"', files[part].decode("utf-8")):
            out.append((sheet, ref, cell))
    return out


def diagnose_edit_cost(iterations: int = 100) -> list[dict]:
    """Why a PSA re-run costs more after an edit: the re-run as exported and after a price edit (the payer's
    steps: AutoCalculate off, edit, psa_run = yes, AutoCalculate on) in three files made from one export,
    one file with both data tables (as model_tables.xlsx was before the tables were split), model_psa.xlsx (the PSA
    table only, the DSA range left as plain numbers), and without the DSA at all (exported without its results).  CPU seconds net of opening the same file."""
    import shutil

    from cea.analyses.psa import run_psa
    from cea.inputs.model_inputs import load_inputs as _load
    from cea.workbook.build import results_layout, write_workbook
    from cea.workbook.data_table import mark_data_tables
    from cea.workbook.recalc import input_cells

    inputs = _load(ROOT / "inputs")
    rows = []
    with tempfile.TemporaryDirectory(prefix="cea-bench-") as scratch:
        folder = Path(scratch)
        path = export_shipped(folder, iterations)
        psa_only = table_paths(path)["psa"]
        both = folder / "model_both_tables.xlsx"
        shutil.copy(path, both)
        mark_data_tables(both, live_tables(psa_only) + live_tables(table_paths(path)["dsa"]))
        psa = run_psa(inputs, iterations, inputs.settings.seed)
        frame = pd.DataFrame({f"{m}_{a}": getattr(psa, attr)[:, j] for j, a in enumerate(psa.arms)
                              for m, attr in (("cost", "costs"), ("qaly", "qalys"), ("ly", "lys"))})
        (folder / "no_dsa").mkdir()
        no_dsa = table_paths(write_workbook(folder / "no_dsa" / "model.xlsx", inputs, psa.base_case, dsa=None,
                                            psa=frame, ceac=psa.ceac_frame(), psa_draws=psa.parameters,
                                            psa_seed=psa.seed))["psa"]
        names = input_cells(path)
        sheet, cell = names["eve_pack_price_10mg"]
        price = inputs.parameters["eve_pack_price_10mg"].value * 0.6
        on, shows = names["psa_run"], names["psa_mean_incremental_costs"]
        result = ("Results", results_layout(inputs)["incremental.costs"])
        never = LibreOffice(folder, recalculate_on_load=False)
        for label, file in (("both tables", both), ("PSA table only", psa_only),
                            ("no DSA", no_dsa)):
            opened = never.run(file, result)[0]
            exported, _ = never.run(file, shows, (on[0], on[1], "yes"))
            edited, shown = never.run(file, shows, (sheet, cell, price), then=(on[0], on[1], "yes"), batch=True,
                                      calculate_between=False)
            rows.append({"name": f"{label}: PSA re-run as exported / after a price edit (CPU, net)",
                         "seconds": max(exported - opened, 0.0),
                         "note": f"after the edit {max(edited - opened, 0.0):.1f} s (mean ΔC shown {shown})"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=1_000)
    parser.add_argument("--export", action="store_true", help="time the export with 10,000 synthetic PSA rows")
    parser.add_argument("--libreoffice", action="store_true", help="measure LibreOffice (open, edit, re-runs)")
    parser.add_argument("--no-reruns", action="store_true", help="with --libreoffice: skip the PSA/DSA re-runs")
    parser.add_argument("--diagnose-edit", type=int, metavar="N", default=0,
                        help="why an edit makes the PSA re-run slower: N iterations, three files (see "
                             "diagnose_edit_cost)")
    parser.add_argument("--edit-tables", action="store_true",
                        help="with --libreoffice: also an edit in model_psa.xlsx and model_dsa.xlsx (minutes: every "
                             "table cell again)")
    args = parser.parse_args()
    if args.export:
        inputs = load_inputs(ROOT / "inputs")
        base = run_base_case(inputs)
        frames = synthetic_frames(base, 10_000)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.xlsx"
            start = time.perf_counter()
            book = build_book(inputs, base, **frames)
            values = evaluate_book(book)
            write_xlsx(book, values, path)
            print(f"export with 10,000 PSA rows (build, evaluate, save): {time.perf_counter() - start:.2f} s; "
                  f"{path.stat().st_size / 1e6:.2f} MB, {formula_count(path):,} formulas")
    if args.diagnose_edit:
        for r in diagnose_edit_cost(args.diagnose_edit):
            print(f"{r['name']:70s} {r['seconds']:9.2f}  {r['note']}")
    if args.libreoffice:
        rows = libreoffice_rows(args.iterations, reruns=not args.no_reruns, edit_tables=args.edit_tables)
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            print(f"{r['name']:{width}s} {r['seconds']:9.2f} {r.get('target', ''):>6s}  {r.get('note', '')}")


if __name__ == "__main__":
    main()
