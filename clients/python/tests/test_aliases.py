"""Moving aliases with compare-and-set: a stale reading cannot overwrite someone's move."""

from __future__ import annotations

from pathlib import Path

import pytest

from pedigree import ConflictError, Pedigree
from support import write


def test_a_stale_move_is_refused_and_changes_nothing(pd: Pedigree, workdir: Path) -> None:
    with pd.run("train", capture_environment=False) as run:
        first, best, other = run.outputs(*(write(workdir / f"model-{i}.pkl", f"model {i}") for i in range(3)))
    pd.alias("model-prod").move(first, reason="first candidate")

    alice = pd.alias("model-prod")
    bob = pd.alias("model-prod")
    assert alice.target is not None and alice.target.id == first.id

    alice.move(best.uri, reason="best accuracy")
    assert alice.target is not None and alice.target.id == best.id

    with pytest.raises(ConflictError) as refused:
        bob.move(other, reason="looked fine to me")
    assert refused.value.code == "CONFLICT"
    assert first.id in refused.value.message and best.id in refused.value.message
    assert pd.datum("datum://model-prod").id == best.id
    assert bob.target is not None and bob.target.id == first.id  # still what bob saw

    # bob reads again, and may now move it knowingly; an explicit expectation works the same
    bob.refresh().move(other, reason="after a look")
    with pytest.raises(ConflictError):
        alice.move(first, expected=best)
    pd.alias("model-prod").move(first, expected=other.id, reason="roll back")

    moves = [(m.from_id, m.to_id, m.reason) for m in pd.alias("model-prod").history()]
    assert moves == [
        (other.id, first.id, "roll back"),
        (best.id, other.id, "after a look"),
        (first.id, best.id, "best accuracy"),
        (None, first.id, "first candidate"),
    ]


def test_expected_none_moves_unconditionally(pd: Pedigree, workdir: Path) -> None:
    with pd.run("train", capture_environment=False) as run:
        a, b = run.outputs(write(workdir / "a", "a"), write(workdir / "b", "b"))
    stale = pd.alias("latest")
    pd.alias("latest").move(a)
    stale.move(b, expected=None)
    assert pd.datum("datum://latest").id == b.id
