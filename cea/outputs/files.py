"""Atomic output writing: build every file in a staging folder, move into place only on success.

A failed or interrupted run (bad input, an exception, Ctrl-C) leaves the previous
outputs untouched; files are moved one by one with os.replace (atomic per file) only
after the whole set has been built.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np


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


def write_atomically(target: Path, build: Callable[[Path], None]) -> list[Path]:
    """Call ``build(staging_dir)``; on success move every file it wrote into ``target`` (keeping
    sub-folders).  Returns the written paths.  On failure nothing in ``target`` changes."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target, prefix=".staging-"))
    try:
        build(staging)
        written = []
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            destination = target / path.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
            written.append(destination)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
