"""Recalculate exported workbooks in LibreOffice (headless) and read values back.

Used by the test suite (and available to a `--check` option): ``recalculate`` converts
xlsx → xlsx with ``soffice --headless --convert-to xlsx`` in a throwaway user profile that
is told to recalculate every formula on load, so the converted files hold LibreOffice's
values for every cell.  Several files go through one LibreOffice start.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

# Recalculate on load: 0 = always, 1 = never, 2 = prompt; for OOXML and ODF files.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>{mode}</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(paths: list[Path], out_dir: Path, timeout: float = 900.0, processes: int | None = None,
                recalculate_on_load: bool = True, convert_to: str = "xlsx:Calc Office Open XML",
                outputs: list[str] | None = None) -> list[Path]:
    """Recalculate and re-save each workbook into ``out_dir`` (same file names); raises RuntimeError when
    LibreOffice is missing, fails, or does not write every file.  The files are shared among up to
    ``processes`` LibreOffice instances running side by side (default: one per CPU, at most 4), each
    with its own throwaway profile.  ``recalculate_on_load=False`` opens the files as a user whose
    LibreOffice never recalculates on load would (the cached values are kept)."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    paths = [Path(p).resolve() for p in paths]
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(p.parent == out_dir for p in paths):
        raise ValueError("out_dir must differ from the folder of the workbooks (same file names)")
    if not paths:
        return []
    n = max(1, min(len(paths), processes or min(os.cpu_count() or 1, 4)))
    chunks = [paths[i::n] for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="cea-lo-") as scratch:
        running = []
        for i, chunk in enumerate(chunks):
            profile = Path(scratch) / f"profile{i}"
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(
                _PROFILE_SETTINGS.format(mode=0 if recalculate_on_load else 1), encoding="utf-8")
            command = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                       "--nolockcheck", "--convert-to", convert_to, "--outdir", str(out_dir),
                       *map(str, chunk)]
            running.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        reports = []
        try:
            for process in running:
                stdout, stderr = process.communicate(timeout=timeout)
                reports.append((process.returncode, stdout, stderr))
        finally:
            for process in running:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    outputs = [out_dir / name for name in outputs] if outputs is not None else [out_dir / p.name for p in paths]
    missing = [p.name for p in outputs if not p.exists()]
    failed = [r for r in reports if r[0] != 0 or "Error" in r[2]]
    if failed or missing:
        detail = "\n".join(f"exit {code}:\n{out}\n{err}" for code, out, err in failed or reports)
        raise RuntimeError(f"LibreOffice failed (missing {missing}):\n{detail}")
    return outputs


def sheet_index(path: Path, title: str) -> int:
    """1-based position of the sheet ``title`` in the workbook ``path`` (as LibreOffice numbers sheets)."""
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    titles = [node.attrib["name"] for node in root.findall("m:sheets/m:sheet", ns)]
    return titles.index(title) + 1


def recalculated_sheet(path: Path, title: str, timeout: float = 900.0) -> dict[str, str]:
    """Recalculate the workbook ``path`` in LibreOffice (every formula, on load) and return the values of one
    sheet, {coordinate: text as LibreOffice exports it}: LibreOffice writes that sheet alone as CSV (not the whole
    recalculated workbook re-saved as xlsx, which costs as much again).  Numbers are written to LibreOffice's 15
    significant digits (a relative rounding of at most 5e-15; ``csv_value`` reads them), booleans as TRUE/FALSE,
    errors as their codes (#N/A); empty cells are left out."""
    import csv

    from openpyxl.utils.cell import get_column_letter

    path = Path(path).resolve()
    index = sheet_index(path, title)
    with tempfile.TemporaryDirectory(prefix="cea-sheet-") as folder:
        # tokens: separator, text delimiter, UTF-8, first line, cell formats, language, quoted as text, detect
        # special numbers, contents as shown (no: full values), formulas (no), trim spaces (no), sheet number
        options = f"44,34,76,1,,0,false,true,false,false,false,{index}"
        out = recalculate([path], Path(folder), timeout=timeout, processes=1,
                          convert_to=f"csv:Text - txt - csv (StarCalc):{options}",
                          outputs=[f"{path.stem}-{title}.csv"])[0]
        with out.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    values: dict[str, str] = {}
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            if text != "":
                values[f"{get_column_letter(c)}{r}"] = text
    return values


_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def csv_value(text: str | None) -> object:
    """A value of ``recalculated_sheet``: a float for a number, True/False for TRUE/FALSE, else the text."""
    if text is None:
        return None
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    return float(text) if _NUMBER.fullmatch(text) else text


def input_cells(path: Path) -> dict[str, tuple[str, str]]:
    """Defined names of a workbook → (sheet title, cell coordinate without $), single cells only."""
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    out: dict[str, tuple[str, str]] = {}
    for node in root.findall("m:definedNames/m:definedName", ns):
        text = (node.text or "").strip()
        sheet, sep, ref = text.rpartition("!")
        if not sep or ":" in ref:
            continue
        out[node.attrib["name"]] = (sheet.strip("'").replace("''", "'"), ref.replace("$", ""))
    return out


def edit_inputs(source: Path, target: Path, changes: dict[str, object]) -> Path:
    """Copy a workbook, setting named input cells to new values (numbers, booleans, text or None) by
    editing the sheet XML directly: every other byte of the file is left as exported, as if a user had
    typed the values in.  Formulas are not recalculated here (see ``recalculate``)."""
    import re
    import zipfile
    from xml.sax.saxutils import escape

    from cea.workbook.data_table import sheet_parts

    cells = input_cells(source)
    with zipfile.ZipFile(source) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    files = {info.filename: data for info, data in entries}
    sheet_files = sheet_parts(files)
    edited: dict[str, str] = {}
    for name, value in changes.items():
        if name not in cells:
            raise KeyError(f"no defined name {name!r} in {source}")
        sheet, coordinate = cells[name]
        part = sheet_files[sheet]
        xml = edited.get(part, files[part].decode("utf-8"))
        pattern = re.compile(rf'<c r="{coordinate}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.S)
        match = pattern.search(xml)
        if match is None:
            raise KeyError(f"cell {sheet}!{coordinate} not found")
        style = re.search(r'\ss="(\d+)"', match.group("attrs"))
        s_attr = f' s="{style.group(1)}"' if style else ""
        if value is None:
            new = f'<c r="{coordinate}"{s_attr}/>'
        elif isinstance(value, bool):
            new = f'<c r="{coordinate}"{s_attr} t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, (int, float)):
            new = f'<c r="{coordinate}"{s_attr} t="n"><v>{float(value)!r}</v></c>'
        else:
            new = f'<c r="{coordinate}"{s_attr} t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
        edited[part] = xml[:match.start()] + new + xml[match.end():]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, edited[info.filename].encode("utf-8") if info.filename in edited else data)
    return Path(target)
