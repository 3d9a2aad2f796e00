"""An Airflow-like DAG reported to Pedigree by the real openlineage-python client, then read back.

The client is configured as an Airflow or Spark user configures it: OPENLINEAGE_URL and
OPENLINEAGE_API_KEY, its HTTP transport, gzip on. The story: a DAG run `orders_daily` with
three tasks, an extract from Postgres to S3, a transform into the marts, and a load that fails
with an error message; the transform's COMPLETE is sent twice (a client retry), the extract's
START arrives again after its COMPLETE, and a second run of the extract writes a new version of
its output. Then GraphQL (PEDIGREE_URL, the same token) must show the executions, their
parentage and statuses, the version each input was, lineage across the jobs and the facets as
typed metadata. Any difference raises.
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import datetime, timedelta, timezone

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import (
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    ownership_job,
    parent_run,
    schema_dataset,
    source_code_location_job,
)
from openlineage.client.transport.http import HttpCompression, HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid

NAMESPACE = "shop"
PRODUCER = "https://github.com/acme/airflow-dags"
ORDERS = ("postgres://db:5432", "shop.public.orders")
STAGED = ("s3://warehouse", "staging/orders")
MART = ("s3://warehouse", "marts/orders_daily")
EXPORT = ("postgres://dw:5432", "analytics.public.orders_daily")
T0 = datetime(2024, 5, 1, 2, 0, tzinfo=timezone.utc)

# What an Airflow user sets: the client reads OPENLINEAGE_URL and OPENLINEAGE_API_KEY
# (sent as `Authorization: Bearer <key>`); gzip as a large deployment would turn it on, and a
# 30 s timeout instead of the default 5 s: CI runs this beside other checks on two cores.
from_env = OpenLineageClient()
client = OpenLineageClient(
    transport=HttpTransport(
        HttpConfig(url=os.environ["OPENLINEAGE_URL"], auth=from_env.transport.config.auth, compression=HttpCompression.GZIP, timeout=30.0)  # type: ignore[union-attr]
    )
)


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def dataset(kind, where, **facets):
    namespace, name = where
    return kind(namespace=namespace, name=name, **facets)


SOURCE = source_code_location_job.SourceCodeLocationJobFacet(
    type="git",
    url="https://github.com/acme/airflow-dags/blob/9c1d2e4/dags/orders_daily.py",
    repoUrl="https://github.com/acme/airflow-dags.git",
    path="dags/orders_daily.py",
    version="9c1d2e4",
)
OWNERS = ownership_job.OwnershipJobFacet(owners=[ownership_job.Owner(name="team:data-eng", type="MAINTAINER")])
SCHEMA = schema_dataset.SchemaDatasetFacet(
    fields=[
        schema_dataset.SchemaDatasetFacetFields(name="order_id", type="int64"),
        schema_dataset.SchemaDatasetFacetFields(name="amount", type="float64"),
        schema_dataset.SchemaDatasetFacetFields(name="placed_at", type="timestamp"),
    ]
)


def task_job(name: str) -> Job:
    facets = {
        "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="AIRFLOW", jobType="TASK"),
        "sourceCodeLocation": SOURCE,
        "ownership": OWNERS,
    }
    return Job(namespace=NAMESPACE, name=f"orders_daily.{name}", facets=facets)


DAG_RUN = str(generate_new_uuid())
DAG_JOB = Job(namespace=NAMESPACE, name="orders_daily", facets={"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="AIRFLOW", jobType="DAG")})


def task_run(run_id: str, **facets) -> Run:
    parent = parent_run.ParentRunFacet(run=parent_run.Run(runId=DAG_RUN), job=parent_run.Job(namespace=NAMESPACE, name="orders_daily"))
    return Run(runId=run_id, facets={"parent": parent, **facets})


def emit(event_type: RunState, run: Run, job: Job, minutes: int, inputs=(), outputs=()) -> RunEvent:
    event = RunEvent(eventType=event_type, eventTime=at(minutes), run=run, job=job, producer=PRODUCER, inputs=list(inputs), outputs=list(outputs))
    client.emit(event)
    return event


def written(where, rows: int, size: int) -> OutputDataset:
    stats = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=rows, size=size)
    return dataset(OutputDataset, where, facets={"schema": SCHEMA}, outputFacets={"outputStatistics": stats})


# --- the story ---------------------------------------------------------------------------
emit(RunState.START, Run(runId=DAG_RUN), DAG_JOB, 0)

extract, transform, load, extract_again = (str(generate_new_uuid()) for _ in range(4))
late_start = emit(RunState.START, task_run(extract), task_job("extract"), 1, inputs=[dataset(InputDataset, ORDERS)])
emit(RunState.COMPLETE, task_run(extract), task_job("extract"), 3, inputs=[dataset(InputDataset, ORDERS)], outputs=[written(STAGED, 1200, 98_304)])
client.emit(late_start)  # the extract's START again, after its COMPLETE

emit(RunState.START, task_run(transform), task_job("transform"), 4, inputs=[dataset(InputDataset, STAGED)])
complete = emit(RunState.COMPLETE, task_run(transform), task_job("transform"), 6, inputs=[dataset(InputDataset, STAGED)], outputs=[written(MART, 31, 4_096)])
client.emit(complete)  # a retried COMPLETE

emit(RunState.START, task_run(load), task_job("load"), 7, inputs=[dataset(InputDataset, MART)])
failure = error_message_run.ErrorMessageRunFacet(message="could not connect to server: Connection refused", programmingLanguage="python", stackTrace="Traceback (most recent call last): ...")
emit(RunState.FAIL, task_run(load, errorMessage=failure), task_job("load"), 8, inputs=[dataset(InputDataset, MART)], outputs=[dataset(OutputDataset, EXPORT)])
emit(RunState.FAIL, Run(runId=DAG_RUN), DAG_JOB, 9)

# the next day's extract writes a new version of the staging table
emit(RunState.START, task_run(extract_again), task_job("extract"), 24 * 60 + 1, inputs=[dataset(InputDataset, ORDERS)])
emit(RunState.COMPLETE, task_run(extract_again), task_job("extract"), 24 * 60 + 3, inputs=[dataset(InputDataset, ORDERS)], outputs=[written(STAGED, 1300, 106_496)])


# --- what GraphQL shows --------------------------------------------------------------------
def graphql(query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        os.environ["PEDIGREE_URL"].rstrip("/") + "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {os.environ['OPENLINEAGE_API_KEY']}"},
    )
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise AssertionError(f"GraphQL errors: {answer['errors']}")
    return answer["data"]


EXECUTION = """query($id: ID!) { execution(id: $id) {
  name kind status startedAt endedAt repository commit
  parent { id name kind status }
  inputs(first: 10) { id uri }
  outputs(first: 10) { id uri size }
  metadata(first: 100) { name type value }
} }"""


def execution(run_id: str) -> dict:
    return graphql(EXECUTION, {"id": run_id})["execution"]


def values(metadata: list[dict]) -> dict:
    return {m["name"]: (m["type"], m["value"]) for m in metadata}


def check(what: str, got, expected) -> None:
    if got != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {got!r}")
    print(f"ok  {what}")


dag = execution(DAG_RUN)
check("the DAG run is a failed PIPELINE", (dag["name"], dag["kind"], dag["status"]), ("orders_daily", "PIPELINE", "FAILED"))
steps = graphql("query($id: ID!) { execution(id: $id) { steps(first: 10) { id } } }", {"id": DAG_RUN})["execution"]["steps"]
check("its steps are the four task runs", sorted(s["id"] for s in steps), sorted([extract, transform, load, extract_again]))

first = execution(extract)
check("the extract completed, and its late START did not reopen it", (first["status"], first["startedAt"], first["endedAt"]), ("COMPLETED", "2024-05-01T02:01:00.000Z", "2024-05-01T02:03:00.000Z"))
check("each task is PART_OF the DAG run", first["parent"]["id"], DAG_RUN)
check("the extract read the orders table", [d["uri"] for d in first["inputs"]], ["postgres://db:5432/shop.public.orders"])
check("and wrote the staging table", [(d["uri"], d["size"]) for d in first["outputs"]], [("s3://warehouse/staging/orders", 98_304)])
check("its repository and commit come from sourceCodeLocation", (first["repository"], first["commit"]), ("https://github.com/acme/airflow-dags.git", "9c1d2e4"))
staged = graphql("query($id: ID!) { node(id: $id) { ... on Datum { metadata(first: 20) { name type value } } } }", {"id": first["outputs"][0]["id"]})["node"]
check(
    "the staging table's facets are typed metadata",
    {k: v for k, v in values(staged["metadata"]).items() if k.startswith(("schema.", "outputStatistics."))},
    {
        "schema.order_id": ("DTYPE", "int64"),
        "schema.amount": ("DTYPE", "float64"),
        "schema.placed_at": ("DTYPE", "timestamp"),
        "outputStatistics.rowCount": ("NUMBER", 1200),
        "outputStatistics.size": ("STORAGE_SIZE", 98_304),
    },
)

second = execution(extract_again)
middle = execution(transform)
check("the transform read the version the first extract wrote", [d["id"] for d in middle["inputs"]], [first["outputs"][0]["id"]])
check("the second extract wrote a new version of the same URI", (second["outputs"][0]["uri"], second["outputs"][0]["id"] != first["outputs"][0]["id"]), ("s3://warehouse/staging/orders", True))
newest = graphql('{ datum(uri: "s3://warehouse/staging/orders", project: "shop") { id } }')["datum"]
check("datum(uri) answers the newest version", newest["id"], second["outputs"][0]["id"])
marts = graphql('{ datums(filter: {project: "shop", pathPrefix: "marts/"}) { totalCount } }')["datums"]
check("the retried COMPLETE wrote no second version of the mart", (marts["totalCount"], len(middle["outputs"]), middle["status"]), (1, 1, "COMPLETED"))

failed = execution(load)
check("the load FAILED", (failed["status"], failed["endedAt"]), ("FAILED", "2024-05-01T02:08:00.000Z"))
meta = values(failed["metadata"])
check("its errorMessage facet is metadata of the execution", (meta["errorMessage.message"], meta["errorMessage.programmingLanguage"]), (("STRING", "could not connect to server: Connection refused"), ("STRING", "python")))
check("so are jobType and ownership", (meta["jobType.jobType"], meta["ownership.team:data-eng"]), (("STRING", "TASK"), ("STRING", "MAINTAINER")))

upstream = graphql(
    "query($id: ID!) { lineage(id: $id, direction: UPSTREAM, depth: 10) { nodes { distance kind node { ... on Datum { uri } ... on Execution { name } } } } }",
    {"id": failed["outputs"][0]["id"]},
)["lineage"]["nodes"]
check(
    "lineage runs across the jobs, from what the load wrote back to Postgres",
    sorted((n["distance"], n["kind"], n["node"].get("uri") or n["node"].get("name")) for n in upstream),
    [
        (1, "DATUM", "s3://warehouse/marts/orders_daily"),
        (1, "EXECUTION", "orders_daily.load"),
        (2, "DATUM", "s3://warehouse/staging/orders"),
        (2, "EXECUTION", "orders_daily.transform"),
        (3, "DATUM", "postgres://db:5432/shop.public.orders"),
        (3, "EXECUTION", "orders_daily.extract"),
    ],
)
