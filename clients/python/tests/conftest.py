"""Every test here talks to a real Pedigree API (and its Neo4j) at PEDIGREE_URL with the
admin token PEDIGREE_TOKEN; run-tests.sh starts a throwaway one. Each test writes into a
project of its own, so tests never see each other's data."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from pedigree import Pedigree


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("PEDIGREE_URL") or not os.environ.get("PEDIGREE_TOKEN"):
        raise pytest.UsageError("these tests need a running API: run clients/python/run-tests.sh, or set PEDIGREE_URL and PEDIGREE_TOKEN")


@pytest.fixture
def project() -> str:
    return f"sdk-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def pd(project: str) -> Iterator[Pedigree]:
    with Pedigree(project=project) as client:
        yield client


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh current folder: output paths are relative to it, spools go under it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path

