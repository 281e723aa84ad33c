"""Atomic output writing: build every file in a staging folder, move into place only on success.

* A failed or interrupted run (bad input, an exception, Ctrl-C) leaves the previous
  outputs untouched: files are built in ``<target>/.staging-*`` and moved into place with
  os.replace (atomic per file) only after the whole set has been built; a Ctrl-C that
  arrives while they are being moved is held until the move is complete.
* Every successful run appends one JSON line to ``<target>/run.log``: the UTC time, the
  files written, and the manifest's identity (version, git commit, inputs hash, seed,
  overrides).  When the folder held results of different inputs (or overrides, seed or
  version), the line records what was replaced and a note goes to stderr, so nothing is
  overwritten silently.  Files the previous run of the same command wrote and this one did
  not (e.g. the trace of an arm that no longer exists) are removed, so a folder never mixes
  two runs; files of other commands sharing the folder are left alone.
* ``run.log`` is the only file that differs between two runs with the same inputs and
  seed (it holds the time); every CSV and JSON output is byte-identical.
* Spreadsheet formula injection: any CSV cell written here that starts with = + - @ or a
  tab/carriage return and is not a number gets a leading apostrophe, so that Excel shows
  it as text instead of evaluating it (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from cea.errors import InputError, OutputError, Problem

RUN_LOG = "run.log"
MANIFEST = "manifest.json"
IDENTITY = ("version", "git_commit", "inputs_sha256", "seed", "overrides")  # manifest keys compared between runs
STALE_STAGING_SECONDS = 24 * 3600


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, Path):
        return str(value)
    return value


def to_json(document: Any) -> str:
    """Deterministic JSON text (non-finite numbers become null)."""
    return json.dumps(_clean(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- formula injection
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# a cell that starts with a formula prefix, except a plain (possibly negative) number
_SUSPECT = re.compile(r'(?:^|,)"?(?:[=+@\t\r]|-(?![\d.]+(?:[eE][+-]?\d+)?(?:,|"|\r?\n|$)))', re.MULTILINE)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it, never evaluates it: formula-like text gets a leading apostrophe."""
    if text and text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def neutralise_csv(path: Path) -> bool:
    """Rewrite ``path`` with every formula-like text cell made safe; True if anything changed."""
    text = path.read_text(encoding="utf-8")
    if not _SUSPECT.search(text):
        return False
    rows = list(csv.reader(io.StringIO(text, newline="")))
    safe = [[safe_cell(cell) for cell in row] for row in rows]
    if safe == rows:
        return False
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(safe)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return True


# --------------------------------------------------------------------------- run log
def _manifest_of(folder: Path) -> dict[str, Any] | None:
    """The run manifest of a results folder: manifest.json, else a 'manifest' object in a JSON file."""
    candidates = [folder / MANIFEST] + sorted(p for p in folder.glob("*.json") if p.name != MANIFEST)
    for path in candidates:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if path.name == MANIFEST and isinstance(document, dict):
            return document
        if isinstance(document, dict) and isinstance(document.get("manifest"), dict):
            return document["manifest"]
    return None


def _runs(target: Path) -> list[dict[str, Any]]:
    """The records of run.log, oldest first (unreadable lines skipped)."""
    try:
        lines = (target / RUN_LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("files"), list):
            records.append(record)
    return records


def _signature(files: list[str]) -> tuple[str, ...]:
    """What identifies the command that wrote a set of files: its top-level JSON files."""
    return tuple(sorted(f for f in files if isinstance(f, str) and f.endswith(".json") and "/" not in f))


def _stale_files(target: Path, produced: list[str]) -> list[str]:
    """Files written by the last run of the same command (same JSON files) that this run does not
    write and no later run of another command wrote: left alone they would mix two runs.  Several
    commands may share one folder (run, appendix, all), so nothing written by another is touched."""
    signature = _signature(produced)
    if not signature:
        return []
    keep, later = set(produced), set()
    for record in reversed(_runs(target)):
        files = [f for f in record["files"] if isinstance(f, str)]
        if _signature(files) == signature:
            return [f for f in files if f not in keep and f not in later and ".." not in Path(f).parts
                    and not Path(f).is_absolute() and f != RUN_LOG]
        later |= set(files)
    return []


def _identity(manifest: dict[str, Any] | None) -> dict[str, Any]:
    return {k: manifest.get(k) for k in IDENTITY} if manifest else {}


def _replaced(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    """The identity fields of the previous results that differ from the new ones (None if none do)."""
    if not old or not new:
        return None
    before, after = _identity(old), _identity(new)
    diff = {k: before[k] for k in IDENTITY if before[k] != after[k]}
    return diff or None


def _short(value: Any) -> str:
    text = str(value)
    if re.fullmatch(r"[0-9a-f]{40,64}", text):  # a hash or a commit
        return text[:12]
    return text if len(text) <= 60 else text[:57] + "..."


@contextmanager
def _interrupts_held() -> Iterator[list[int]]:
    """Hold SIGINT (Ctrl-C) while files are moved, so the folder is never half old, half new."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    except (ValueError, OSError):
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


def _prepare(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise InputError(Problem(str(target), "output folder is a file; --out takes a folder"))
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(Problem(str(target), f"cannot create the output folder: {exc.strerror or exc}")) from None
    now = time.time()
    for old in target.glob(".staging-*"):  # left by a killed run (SIGKILL, power loss)
        try:
            if old.is_dir() and now - old.stat().st_mtime > STALE_STAGING_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def write_atomically(target: Path, build: Callable[[Path], None]) -> list[Path]:
    """Call ``build(staging_dir)``; on success move every file it wrote into ``target`` (keeping
    sub-folders), remove files of the previous run that this one did not write, and append the
    run to ``target/run.log``.  Returns the written paths.  On failure nothing in ``target`` changes."""
    target = Path(target)
    _prepare(target)
    try:
        staging = Path(tempfile.mkdtemp(dir=target, prefix=".staging-"))
    except OSError as exc:
        raise InputError(Problem(str(target), f"cannot write into the output folder: {exc.strerror or exc}")) from None
    try:
        build(staging)
        produced = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        for relative in produced:
            if relative.suffix.lower() == ".csv":
                neutralise_csv(staging / relative)
        new_manifest = _manifest_of(staging)
        replaced = _replaced(_manifest_of(target), new_manifest)
        stale = _stale_files(target, [r.as_posix() for r in produced])
        record = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  **_identity(new_manifest), "files": [r.as_posix() for r in produced],
                  "removed": stale or None, "replaced": replaced}
        written = []
        try:
            with _interrupts_held() as interrupted:
                for relative in produced:
                    destination = target / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staging / relative, destination)
                    written.append(destination)
                for name in stale:
                    (target / name).unlink(missing_ok=True)
                with open(target / RUN_LOG, "a", encoding="utf-8") as log:
                    log.write(json.dumps(_clean(record), sort_keys=False) + "\n")
        except OSError as exc:
            state = ("earlier outputs are unchanged" if not written else
                     f"only {len(written)} of {len(produced)} files were replaced; rerun the command")
            raise OutputError(f"could not write outputs into {target}: {exc.strerror or exc}; {state}") from None
        if replaced:
            what = ", ".join(f"{k} {_short(v)}" for k, v in replaced.items())
            print(f"note: {target} held results of a different run ({what}); they were replaced "
                  f"(recorded in {target / RUN_LOG})", file=sys.stderr)
        if interrupted:
            print("note: Ctrl-C arrived while outputs were being moved into place; the move was completed",
                  file=sys.stderr)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
