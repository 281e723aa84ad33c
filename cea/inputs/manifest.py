"""Run manifest: what produced an output (package version, git commit when available,
SHA-256 of every input file and of the whole set, settings, seed, overrides, Python and
numpy versions).

Built once per run and written into every output (results.json, manifest.json, the PSA
summary, the workbook's cover, the appendix).  It deliberately holds no wall-clock time,
so that the same inputs and seed give byte-identical CSV and JSON outputs; the time of
each run is recorded only in the output folder's ``run.log`` (one JSON line per run,
written by ``cea.outputs.files.write_atomically``), which is the one file outside that
promise.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cea.inputs.model_inputs import ModelInputs
from cea.version import __version__


@lru_cache(maxsize=1)
def _git_commit() -> str | None:
    """HEAD of the repository holding the package, or None (not a checkout, git missing); once per process.

    Read from the repository's files when they are plain (HEAD → a branch ref, loose or packed; worktrees
    too), which saves starting a git process on every command; otherwise ``git rev-parse HEAD``."""
    try:
        commit = _head_from_files(Path(__file__).resolve().parent)
    except (OSError, ValueError, UnicodeDecodeError):
        commit = None
    return commit or _head_from_git()


def _head_from_files(start: Path) -> str | None:
    """HEAD's commit read from .git (None where it takes more than plain files: git will answer)."""
    folder = next((f for f in (start, *start.parents) if (f / ".git").exists()), None)
    if folder is None:
        return None
    git = folder / ".git"
    if git.is_file():  # a worktree or submodule: "gitdir: <path>"
        text = git.read_text(encoding="utf-8").strip()
        if not text.startswith("gitdir:"):
            return None
        git = (folder / text.removeprefix("gitdir:").strip()).resolve()
    common = git
    if (git / "commondir").is_file():
        common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
    head = (git / "HEAD").read_text(encoding="utf-8").strip()
    if not head.startswith("ref:"):
        return head if _is_sha(head) else None
    ref = head.removeprefix("ref:").strip()
    for base in (git, common):
        if (base / ref).is_file():
            sha = (base / ref).read_text(encoding="utf-8").strip()
            return sha if _is_sha(sha) else None
    if (common / "packed-refs").is_file():
        for line in (common / "packed-refs").read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref and _is_sha(parts[0]):
                return parts[0]
    return None


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _head_from_git() -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


@dataclass(frozen=True)
class RunManifest:
    version: str
    inputs_folder: str
    inputs_sha256: str
    input_files: dict[str, str]
    settings: dict[str, Any]
    seed: int | None
    overrides: dict[str, str]
    git_commit: str | None
    python: str = field(default_factory=platform.python_version)
    numpy: str = field(default_factory=lambda: np.__version__)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_manifest(inputs: ModelInputs, seed: int | None = None, overrides: dict[str, str] | None = None) -> RunManifest:
    return RunManifest(version=__version__, inputs_folder=inputs.folder.name or str(inputs.folder),
                       inputs_sha256=inputs.inputs_sha256, input_files=dict(sorted(inputs.file_hashes.items())),
                       settings=inputs.settings.to_dict(), seed=seed, overrides=dict(overrides or {}),
                       git_commit=_git_commit())
