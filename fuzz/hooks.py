"""Schemathesis hooks for the GraphQL fuzz run (loaded through SCHEMATHESIS_HOOKS).

The built-in `not_a_server_error` check counts any error with a `path` whose code it does not
know (NOT_FOUND, CONFLICT, LIMIT_EXCEEDED, FORBIDDEN) as a server failure, so fuzzed ids that
name nothing would drown the real findings. `coded_errors` replaces it with this API's
contract: no 5xx, a JSON answer, every error with an `extensions.code` that is not
INTERNAL_SERVER_ERROR, and no stack trace or source path anywhere in the answer.
"""

import atexit
import json
import os
import re
import threading
from datetime import timezone

import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# Values for the API's own scalars: well-formed ones, so queries get past the scalar and
# into the resolvers, mixed with arbitrary ones, so the scalars' own rejections get fuzzed.
text = st.text(max_size=64)
graphql_name = st.from_regex(r"\A[_A-Za-z][_0-9A-Za-z]{0,15}\Z")
json_node = st.recursive(
    st.one_of(
        st.just(nodes.Null),
        st.booleans().map(nodes.Boolean),
        st.integers(min_value=-(2**53), max_value=2**53).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        text.map(nodes.String),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(nodes.List),
        st.lists(st.tuples(graphql_name, children), max_size=4, unique_by=lambda kv: kv[0]).map(
            lambda kvs: nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in kvs])
        ),
    ),
    max_leaves=12,
)
json_object = st.lists(st.tuples(graphql_name, json_node), max_size=5, unique_by=lambda kv: kv[0]).map(
    lambda kvs: nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in kvs])
)

schemathesis.graphql.scalar("JSON", json_node)
schemathesis.graphql.scalar("JSONObject", json_object)
schemathesis.graphql.scalar(
    "StorageSize",
    st.one_of(
        st.integers(min_value=0, max_value=2**63 - 1).map(nodes.Int),
        st.integers().map(nodes.Int),
        st.from_regex(r"\A\d{1,25}\Z").map(nodes.String),
        text.map(nodes.String),
    ),
)
schemathesis.graphql.scalar(
    "Uri", st.one_of(st.from_regex(r"\A(s3|gs|https|datum|model|dataset)://[a-z0-9.-]{1,12}(/[A-Za-z0-9._-]{1,12}){0,3}\Z"), text).map(nodes.String)
)
schemathesis.graphql.scalar("Path", st.one_of(st.from_regex(r"\A[A-Za-z0-9_-]{1,8}(/[A-Za-z0-9._-]{1,8}){0,3}\Z"), text).map(nodes.String))
schemathesis.graphql.scalar(
    "DType", st.one_of(st.sampled_from(["int64", "float32", "string", "bool", "datetime64[ns]", "decimal(10, 2)"]), text).map(nodes.String)
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat().replace("+00:00", "Z")), text).map(nodes.String),
)

LEAK = re.compile(r"\s{2,}at\s+\S+|node_modules|file://|\.(?:ts|js):\d+")

_lock = threading.Lock()
_calls = 0


@schemathesis.hook
def after_call(context, case, response):
    global _calls
    with _lock:
        _calls += 1


@atexit.register
def _write_count():
    path = os.environ.get("FUZZ_COUNT_FILE")
    if path:
        with open(path, "w") as f:
            f.write(str(_calls))


@schemathesis.check
def coded_errors(ctx, response, case):
    """Every answer is JSON without a stack trace, every GraphQL error carries a client code."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    text = response.content.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        raise AssertionError(f"HTTP {response.status_code} answer is not JSON: {text[:200]}")
    if LEAK.search(text):
        raise AssertionError(f"stack trace or source path in the answer: {text[:300]}")
    for error in (body.get("errors") or []) if isinstance(body, dict) else []:
        extensions = error.get("extensions") or {}
        code = extensions.get("code")
        if not isinstance(code, str):
            raise AssertionError(f"error without extensions.code: {error.get('message')}")
        if code == "INTERNAL_SERVER_ERROR":
            raise AssertionError(f"INTERNAL_SERVER_ERROR at {error.get('path')}")
