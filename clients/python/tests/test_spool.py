"""Offline: writes go to a spool; pedigree-sync replays it, and replaying again applies nothing twice."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pedigree import Pedigree, SpoolError, StorageSize, sync
from support import write


def record_offline(project: str, workdir: Path) -> Pedigree:
    """A pipeline recorded with no API at all: inputs, outputs with metadata, step metrics, a
    failure. `train` names its input by the local file, resolved to a datum only at replay."""
    offline = Pedigree(project=project, offline=True)
    with offline.run("nightly", kind="PIPELINE") as pipeline:
        with offline.run("preprocess") as preprocess:
            preprocess.inputs("s3://bucket/raw.csv", name="raw")
            (features,) = preprocess.outputs(write(workdir / "out/features.parquet", "features"), metadata={"rows": 1})
        with offline.run("train", parameters={"lr": 0.1}) as train:
            train.inputs(workdir / "out/features.parquet", name="features")
            (model,) = train.outputs(write(workdir / "out/model.pkl", "model"), metadata={"size": StorageSize(5)})
            train.log_metadata({"accuracy": 0.9})
            offline.log_metadata({"checked": True}, datum=model)
        with pytest.raises(RuntimeError):
            with offline.run("evaluate") as evaluate:
                evaluate.inputs(model, name="model")
                raise RuntimeError("out of memory")
    assert pipeline.id.startswith("local-") and features.id.startswith("local-") and model.id.startswith("local-")
    return offline


def server_state(pd: Pedigree) -> dict[str, object]:
    executions = list(pd.executions())
    datums = list(pd.datums())
    train = next(e for e in executions if e.name == "train")
    model = next(d for d in datums if d.path == "out/model.pkl")
    return {
        "executions": sorted((e.name, e.status) for e in executions),
        "datums": sorted(d.path or d.uri for d in datums),
        "accuracy history": len(pd.metadata_history(train, "accuracy")),
        "checked history": len(pd.metadata_history(model, "checked")),
        "runtime.started_at history": len(pd.metadata_history(train, "runtime.started_at")),
        "train inputs": sorted((i.name, i.path) for i in train.inputs),
        "evaluate inputs": sorted((i.name, i.path) for e in executions if e.name == "evaluate" for i in e.inputs),
    }


EXPECTED = {
    "executions": [("evaluate", "FAILED"), ("nightly", "COMPLETED"), ("preprocess", "COMPLETED"), ("train", "COMPLETED")],
    "datums": ["out/features.parquet", "out/model.pkl", "raw.csv"],
    "accuracy history": 1,
    "checked history": 1,
    "runtime.started_at history": 1,
    "train inputs": [("features", "out/features.parquet")],
    "evaluate inputs": [("model", "out/model.pkl")],
}


def test_the_spool_replayed_twice_applies_everything_once(pd: Pedigree, project: str, workdir: Path) -> None:
    offline = record_offline(project, workdir)
    assert offline.spool_file is not None and offline.spool_file.parent == workdir / ".pedigree-spool"
    assert pd.executions().count() == 0  # nothing reached the API

    first = sync(pd)
    assert first.ok and first.count("applied") == len(first.steps) > 10
    assert server_state(pd) == EXPECTED
    evaluate = next(iter(pd.executions(name="evaluate")))
    assert evaluate.metadata["runtime.error"] == "RuntimeError: out of memory"
    assert pd.execution(next(iter(pd.executions(name="train")))).parameters == {"lr": 0.1}
    assert next(iter(pd.executions(name="nightly"))).metadata["train::accuracy"] == 0.9

    second = sync(pd)
    assert second.ok and second.count("applied") == 0 and second.count("before") == len(first.steps)
    assert server_state(pd) == EXPECTED


def test_operations_in_doubt_are_checked_before_they_are_applied_again(pd: Pedigree, project: str, workdir: Path) -> None:
    """A replay that died after the API applied operations but before it journaled them:
    a second replay finds them on the server instead of applying them twice."""
    offline = record_offline(project, workdir)
    assert sync(pd).ok
    assert offline.spool_file is not None
    journal = offline.spool_file.with_name(offline.spool_file.name + ".journal")
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    # keep every "started" line and drop every "done" (and the ids they learned): all of it is in doubt
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines if line["state"] == "started"))

    again = sync(pd)
    assert again.ok and again.count("before") == 0
    found = [s.description for s in again.steps if s.outcome == "found"]
    assert sum(d.startswith("create execution") for d in found) == 4
    assert sum(d.startswith(("start execution", "finish execution")) for d in found) == 8
    assert sum(d.startswith("log ") for d in found) > 4
    assert server_state(pd) == EXPECTED


def test_pedigree_sync_reports_what_it_applied(project: str, workdir: Path) -> None:
    record_offline(project, workdir)
    command = [str(Path(sys.executable).with_name("pedigree-sync"))]
    first = subprocess.run(command, capture_output=True, text=True, cwd=workdir)
    assert first.returncode == 0, first.stderr
    assert "  applied  create execution 'train' (local-" in first.stdout
    assert first.stdout.strip().splitlines()[-1].startswith("pedigree-sync: ") and " 0 applied before, 0 failed" in first.stdout
    second = subprocess.run([*command, "--quiet", ".pedigree-spool"], capture_output=True, text=True, cwd=workdir)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1].startswith("pedigree-sync: 0 applied, 0 found already on the server, ")
    assert "  applied" not in second.stdout


def test_spool_mode_goes_offline_when_the_api_cannot_be_reached(pd: Pedigree, project: str, workdir: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    unreachable = Pedigree(url=f"http://127.0.0.1:{port}", project=project, spool=True, retries=1, backoff=0.01)
    with pytest.warns(UserWarning, match="spooling writes"):
        with unreachable.run("train", capture_environment=False) as run:
            run.log_metadata({"loss": 0.2})
    assert unreachable.offline and run.id.startswith("local-")
    report = sync(pd)
    assert report.ok and [s.description.split(" ")[0] for s in report.steps] == ["create", "start", "log", "log", "log", "finish"]
    assert report.count("applied") == 6
    (train,) = pd.executions()
    assert (train.name, train.status, train.metadata["loss"]) == ("train", "COMPLETED", 0.2)
    assert f"pedigree-client-id:{run.id}" in train.tags


def test_a_spool_naming_an_unknown_client_id_stops_with_a_reason(pd: Pedigree, project: str, workdir: Path) -> None:
    offline = Pedigree(project=project, offline=True, spool_dir=workdir / "spool")
    offline.log_metadata({"x": 1}, execution="local-0000")
    report = sync(pd, workdir / "spool")
    assert report.failure is not None
    step, error = report.failure
    assert isinstance(error, SpoolError) and "local-0000" in str(error) and step.seq == 0
    assert os.path.exists(workdir / "spool")
