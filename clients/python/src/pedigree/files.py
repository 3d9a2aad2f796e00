"""Local files as Pedigree sees them: a relative path, a size and a SHA-256."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

SIDECAR_SUFFIX = ".metadata.json"


@dataclass(frozen=True)
class LocalFile:
    """A file to record: `path` is relative to the outputs root, subfolders kept."""

    local: Path
    path: str
    size: int
    sha256: str
    content_type: str | None


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe(file: Path, root: Path) -> LocalFile:
    """A file's relative path under `root` (POSIX separators), size, hash and guessed type."""
    absolute = file.resolve()
    try:
        relative = absolute.relative_to(root.resolve())
    except ValueError:
        raise ValueError(f"{file} is outside the outputs root {root}; pass root= a folder that holds it") from None
    return LocalFile(
        local=absolute,
        path=str(PurePosixPath(*relative.parts)),
        size=absolute.stat().st_size,
        sha256=sha256_of(absolute),
        content_type=mimetypes.guess_type(absolute.name)[0],
    )


def expand(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and every file under folders named, in a stable order; no duplicates."""
    seen: dict[Path, None] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                seen.setdefault(file.resolve(), None)
        elif path.is_file():
            seen.setdefault(path.resolve(), None)
        else:
            raise FileNotFoundError(f"no file or folder at {path}")
    return list(seen)


def with_sidecars(files: list[Path]) -> list[tuple[Path, dict[str, Any] | None]]:
    """Each file with its Valohai-style sidecar `<file>.metadata.json`, when one lies beside
    it; a sidecar is metadata for its file, not an output of its own."""
    names = set(files)
    out: list[tuple[Path, dict[str, Any] | None]] = []
    for file in files:
        if file.name.endswith(SIDECAR_SUFFIX) and file.with_name(file.name[: -len(SIDECAR_SUFFIX)]) in names:
            continue
        sidecar = file.with_name(file.name + SIDECAR_SUFFIX)
        metadata = None
        if sidecar.is_file():
            loaded = json.loads(sidecar.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError(f"{sidecar} must hold a JSON object, got {type(loaded).__name__}")
            metadata = loaded
        out.append((file, metadata))
    return out
