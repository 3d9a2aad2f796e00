"""What a run records about where it ran, without being asked."""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import subprocess
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

#: Environment variables that name the container image a run is in, first found wins.
IMAGE_VARIABLES = ("PEDIGREE_IMAGE", "CONTAINER_IMAGE")


@dataclass(frozen=True)
class Git:
    commit: str
    dirty: bool
    repository: str | None


@dataclass(frozen=True)
class Environment:
    host: str
    python: str
    platform: str
    git: Git | None
    image: str | None
    packages_sha256: str
    packages: int


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(cwd: Path) -> Git | None:
    """The commit checked out where the code runs, whether tracked files differ from it
    (untracked files do not count: outputs and caches live beside code), and the remote."""
    commit = _git(cwd, "rev-parse", "HEAD")
    if not commit:
        return None
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    return Git(commit=commit, dirty=bool(status), repository=_git(cwd, "config", "--get", "remote.origin.url") or None)


def packages_fingerprint() -> tuple[str, int]:
    """SHA-256 of the sorted `name==version` lines of every installed distribution, and how
    many there are: two runs with the same hash ran on the same packages."""
    lines = sorted(
        {f"{(d.metadata['Name'] or '').lower()}=={d.version}" for d in importlib_metadata.distributions() if d.metadata["Name"]}
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest(), len(lines)


def collect(cwd: Path | None = None) -> Environment:
    digest, count = packages_fingerprint()
    return Environment(
        host=socket.gethostname(),
        python=platform.python_version(),
        platform=platform.platform(),
        git=git_state(cwd or Path.cwd()),
        image=next((os.environ[v] for v in IMAGE_VARIABLES if os.environ.get(v)), None),
        packages_sha256=digest,
        packages=count,
    )
