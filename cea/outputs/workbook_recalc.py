"""Recalculate exported workbooks in LibreOffice (headless) and read values back.

Used by the test suite (and available to a `--check` option): ``recalculate`` converts
xlsx → xlsx with ``soffice --headless --convert-to xlsx`` in a throwaway user profile that
is told to recalculate every formula on load, so the converted files hold LibreOffice's
values for every cell.  Several files go through one LibreOffice start.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# Always recalculate on load (0 = always, 1 = never, 2 = prompt), for OOXML and ODF files.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(paths: list[Path], out_dir: Path, timeout: float = 600.0) -> list[Path]:
    """Recalculate and re-save each workbook into ``out_dir`` (same file names); raises RuntimeError when
    LibreOffice is missing, fails, or does not write every file."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    paths = [Path(p).resolve() for p in paths]
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(p.parent == out_dir for p in paths):
        raise ValueError("out_dir must differ from the folder of the workbooks (same file names)")
    with tempfile.TemporaryDirectory(prefix="cea-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        command = [binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "xlsx:Calc Office Open XML", "--outdir", str(out_dir),
                   *map(str, paths)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    outputs = [out_dir / p.name for p in paths]
    missing = [p.name for p in outputs if not p.exists()]
    if done.returncode != 0 or missing or "Error" in done.stderr:
        raise RuntimeError(f"LibreOffice failed (exit {done.returncode}; missing {missing}):\n{done.stdout}\n{done.stderr}")
    return outputs
