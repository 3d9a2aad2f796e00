"""pd.events(): a project's change events over the API's WebSocket subscription, in commit
order, from the moment it returns; refusals raise the SDK's errors."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import time
import uuid
from typing import Any

import pytest

from pedigree import BadUserInputError, ChangeEvent, EventTimeoutError, Events, ForbiddenError, Pedigree, UnauthenticatedError, UnreachableError
from test_errors import closed_port

CREATE = """mutation($project: String!, $model: String!) {
  createModelVersion(project: $project, model: $model, datumIds: []) { id uri }
}"""


def new_version(pd: Pedigree, project: str, model: str = "churn") -> dict[str, Any]:
    version: dict[str, Any] = pd.graphql(CREATE, {"project": project, "model": model})["createModelVersion"]
    return version


def decide(pd: Pedigree, decision: str, version_id: str, comment: str | None = None) -> None:
    pd.graphql(f"mutation($id: ID!, $comment: String) {{ {decision}ModelVersion(id: $id, comment: $comment) {{ status }} }}", {"id": version_id, "comment": comment})


def token(pd: Pedigree, role: str, projects: list[str]) -> tuple[str, str]:
    """A new token and its id."""
    created = pd.graphql(
        "mutation($name: String!, $role: Role!, $projects: [String!]!) { createToken(name: $name, role: $role, projects: $projects) { token record { id } } }",
        {"name": f"sdk-{role}-{uuid.uuid4().hex[:6]}", "role": role, "projects": projects},
    )["createToken"]
    return created["token"], created["record"]["id"]


def test_events_arrive_in_commit_order_with_their_fields(pd: Pedigree, project: str) -> None:
    with pd.events() as events:
        # every change is made right after subscribing: none may be missed
        version = new_version(pd, project)
        decide(pd, "approve", version["id"], "looks good")
        decide(pd, "reject", version["id"], "drifted")
        decide(pd, "archive", version["id"])
        received = [events.next(timeout=10) for _ in range(4)]

    principal = pd.graphql("query($id: ID) { modelVersion(id: $id) { createdBy } }", {"id": version["id"]})["modelVersion"]["createdBy"]
    assert [e.type for e in received] == ["model_version.created"] + ["model_version.status_changed"] * 3
    assert [e.seq for e in received] == [1, 2, 3, 4]  # a new project's first events, with no gaps
    assert all(isinstance(e, ChangeEvent) and e.project == project and e.by == principal for e in received)
    assert len({e.id for e in received}) == 4
    assert all(e.at.tzinfo is not None and abs(e.at - _dt.datetime.now(_dt.timezone.utc)) < _dt.timedelta(minutes=1) for e in received)
    assert [e.at for e in received] == sorted(e.at for e in received)
    changes = [(e.data["from"], e.data["to"], e.data["comment"]) for e in received[1:]]
    assert changes == [("PENDING", "APPROVED", "looks good"), ("APPROVED", "REJECTED", "drifted"), ("REJECTED", "ARCHIVED", None)]
    assert {e.data["versionId"] for e in received[1:]} == {version["id"]} and received[1].data["uri"] == version["uri"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        received[0].seq = 9  # type: ignore[misc]


def test_types_narrow_the_events_and_a_wait_times_out(pd: Pedigree, project: str) -> None:
    with pd.events(types="model_version.status_changed", timeout=0.3) as events:
        started = time.monotonic()
        with pytest.raises(EventTimeoutError) as timeout:
            events.next()
        waited = time.monotonic() - started
        assert 0.3 <= waited < 5 and isinstance(timeout.value, TimeoutError) and timeout.value.code == "TIMEOUT"
        assert "model_version.status_changed" in timeout.value.message and project in timeout.value.message

        # still subscribed after a timeout; the creation and the other project's approval are not heard
        other = new_version(pd, f"{project}-other")
        version = new_version(pd, project)
        decide(pd, "approve", other["id"])
        decide(pd, "approve", version["id"])
        decide(pd, "reject", version["id"])
        heard = [events.next(timeout=10), events.next(timeout=10)]
        with pytest.raises(EventTimeoutError):
            events.next(timeout=0.5)
    assert [(e.data["versionId"], e.data["to"]) for e in heard] == [(version["id"], "APPROVED"), (version["id"], "REJECTED")]
    assert [e.seq for e in heard] == [2, 3]


def test_iterating_and_closing(pd: Pedigree, project: str) -> None:
    events = pd.events(types=["model_version.created"], timeout=10)
    versions = [new_version(pd, project, f"m{i}") for i in range(3)]
    assert [e.data["uri"] for _, e in zip(range(3), events)] == [v["uri"] for v in versions]
    events.close()
    with pytest.raises(StopIteration):
        events.next()


def test_a_project_outside_the_token_is_forbidden(pd: Pedigree, project: str) -> None:
    reader, _ = token(pd, "reader", [project])
    with Pedigree(token=reader, project=project) as limited:
        with pytest.raises(ForbiddenError) as forbidden:
            limited.events(project=f"{project}-elsewhere")
        with limited.events() as own:  # its own project is fine
            version = new_version(pd, project)
            assert own.next(timeout=10).data["versionId"] == version["id"]
    assert forbidden.value.code == "FORBIDDEN" and f"{project}-elsewhere" in forbidden.value.message


def test_unknown_types_are_bad_input(pd: Pedigree) -> None:
    with pytest.raises(BadUserInputError) as bad:
        pd.events(types=["model.approved"])
    assert bad.value.field == "types" and "model_version.status_changed" in bad.value.message


def test_a_refused_token_says_how_to_fix_it(pd: Pedigree, project: str) -> None:
    with Pedigree(token="pdg_not_a_token", project=project) as stranger:
        with pytest.raises(UnauthenticatedError) as unknown:
            stranger.events()
    assert unknown.value.code == "UNAUTHENTICATED" and "4403" in unknown.value.message and "PEDIGREE_TOKEN" in unknown.value.message

    with pytest.raises(UnauthenticatedError) as missing:
        Events(os.environ["PEDIGREE_URL"], None, project)
    assert "4401" in missing.value.message and "PEDIGREE_TOKEN" in missing.value.message


def test_a_revoked_token_ends_its_subscription(pd: Pedigree, project: str) -> None:
    revoked, revoked_id = token(pd, "reader", [project])
    with Pedigree(token=revoked, project=project) as doomed, doomed.events() as events:
        pd.graphql("mutation($id: ID!) { revokeToken(id: $id) { id } }", {"id": revoked_id})
        with pytest.raises(UnauthenticatedError) as ended:
            events.next(timeout=20)  # the API checks open connections' tokens every 2 s
    assert "revoked" in ended.value.message


def test_an_api_that_is_not_there_is_unreachable(project: str) -> None:
    with Pedigree(url=f"http://127.0.0.1:{closed_port()}", token="t", project=project) as nowhere:
        with pytest.raises(UnreachableError) as unreachable:
            nowhere.events()
    assert not unreachable.value.sent and "ws://127.0.0.1:" in unreachable.value.message and "/graphql" in unreachable.value.message
