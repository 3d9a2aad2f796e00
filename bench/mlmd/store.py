"""ML Metadata (MLMD) on SQLite, the bench's second peer: loads the bench's generated graph
and answers the bench's questions, one JSON line in and one out.

  store.py load  <sqlite file> <graph.jsonl>   writes the graph (bench/mlmd.mjs writes the file)
  store.py serve <sqlite file>                 answers requests on stdin until it closes

The graph's shape in MLMD: datums and model versions are artifacts (types Datum and
ModelVersion), executions are executions (type Execution), a PRODUCED_BY edge is an OUTPUT
event and a READ an INPUT event (its input name as the event's path), metadata values are
the datum's custom properties, tags and aliases are contexts (types Tag and Alias) that
their datums are attributed to and their executions associated with. A model version
contains a datum (CONTAINS in Neo4j, one edge) through an execution of type
RegisterModelVersion that reads the datum and outputs the version: MLMD links artifacts only
through executions, so that edge is two hops here.

Requests (each answered by one line; `ms` is the time of the MLMD calls alone, without
turning their protos into the answer):
  {"op": "lineage", "id": <our id>, "direction": "UPSTREAM"|"DOWNSTREAM", "hops": n}
      get_lineage_subgraph from the artifact, max_num_hops n (a hop is one event: artifact
      to execution or execution to artifact, so n is our depth x 2)
      -> {"ms", "nodes": [...], "edges": [...]}, the starting artifact included
  {"op": "list", "tag", "first", "nested": bool}
      get_artifacts filtered on the tag's context and custom property quality > 0.2, newest
      first, `first` of them; nested: also each one's producer (its OUTPUT event's
      execution) and its tags and aliases (its contexts), as our nested list asks
      -> {"ms", "calls", "rows": [...]}
  {"op": "stats"} -> {"peakRssBytes"}
"""

import json
import resource
import sqlite3
import sys
import time

import ml_metadata as mlmd
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

BATCH = 2_000

DATUM_PROPERTIES = {
    'path': pb.STRING, 'size': pb.INT, 'sha256': pb.STRING, 'content_type': pb.STRING,
    'external': pb.BOOLEAN, 'created_at': pb.STRING,
}
EXECUTION_PROPERTIES = {
    'name': pb.STRING, 'kind': pb.STRING, 'status': pb.STRING, 'created_at': pb.STRING,
    'started_at': pb.STRING, 'ended_at': pb.STRING, 'created_by': pb.STRING, 'commit': pb.STRING,
    'repository': pb.STRING, 'image': pb.STRING, 'hardware': pb.STRING, 'host': pb.STRING,
    'parameters': pb.STRING, 'cost_amount': pb.DOUBLE, 'cost_currency': pb.STRING, 'attempt': pb.INT,
}
VERSION_PROPERTIES = {'name': pb.STRING, 'version': pb.INT, 'status': pb.STRING, 'created_at': pb.STRING}


def connect(path, mode):
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = mode
    return metadata_store.MetadataStore(config)


def set_value(value, v):
    """A JSON value into an MLMD Value; the type follows the value (bool before int: a bool is an int in Python)."""
    if isinstance(v, bool):
        value.bool_value = v
    elif isinstance(v, int):
        value.int_value = v
    elif isinstance(v, float):
        value.double_value = v
    else:
        value.string_value = str(v)


def load(path, graph_file):
    store = connect(path, pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE)
    datum_type = store.put_artifact_type(pb.ArtifactType(name='Datum', properties=DATUM_PROPERTIES))
    version_type = store.put_artifact_type(pb.ArtifactType(name='ModelVersion', properties=VERSION_PROPERTIES))
    execution_type = store.put_execution_type(pb.ExecutionType(name='Execution', properties=EXECUTION_PROPERTIES))
    register_type = store.put_execution_type(pb.ExecutionType(name='RegisterModelVersion'))
    tag_type = store.put_context_type(pb.ContextType(name='Tag'))
    alias_type = store.put_context_type(pb.ContextType(name='Alias'))
    artifacts = {}  # our id -> MLMD artifact id
    executions = {}  # our id -> MLMD execution id
    contexts = {}  # our tag id -> MLMD context id

    def datum(r):
        a = pb.Artifact(type_id=datum_type, uri=r['uri'], external_id=r['id'])
        for key, v in (('path', r['path']), ('size', r['size']), ('sha256', r['sha256']), ('content_type', r['contentType']),
                       ('external', r['external']), ('created_at', r['createdAt'])):
            set_value(a.properties[key], v)
        for name, v in r['meta'].items():
            set_value(a.custom_properties[name], v)
        return a

    def version(r):
        a = pb.Artifact(type_id=version_type, uri=r['uri'], external_id=r['id'])
        for key in ('name', 'version', 'status'):
            set_value(a.properties[key], r[key])
        set_value(a.properties['created_at'], r['createdAt'])
        return a

    def execution(r):
        e = pb.Execution(type_id=execution_type, external_id=r['id'], last_known_state=pb.Execution.COMPLETE)
        for key, field in (('name', 'name'), ('kind', 'kind'), ('status', 'status'), ('created_at', 'createdAt'),
                           ('started_at', 'startedAt'), ('ended_at', 'endedAt'), ('created_by', 'createdBy'), ('commit', 'commit'),
                           ('repository', 'repository'), ('image', 'image'), ('hardware', 'hardware'), ('host', 'host'),
                           ('parameters', 'parameters'), ('cost_amount', 'costAmount'), ('cost_currency', 'costCurrency'), ('attempt', 'attempt')):
            set_value(e.properties[key], float(r[field]) if key == 'cost_amount' else r[field])
        return e

    # MLMD keeps one event per artifact, execution and type; an execution that reads one datum
    # under two input names (two READ edges in Neo4j) keeps the first name here
    seen_events = set()
    merged = 0

    def events(candidates):
        nonlocal merged
        kept = []
        for e in candidates:
            key = (e.artifact_id, e.execution_id, e.type)
            if key in seen_events:
                merged += 1
            else:
                seen_events.add(key)
                kept.append(e)
        store.put_events(kept)

    def event(artifact, execution_id, kind, at, input_name=None):
        e = pb.Event(artifact_id=artifacts[artifact], execution_id=execution_id, type=kind, milliseconds_since_epoch=at)
        if input_name:
            e.path.steps.add().key = input_name
        return e

    def flush(kind, rows):
        if kind in ('datum', 'version'):
            ids = store.put_artifacts([datum(r) if kind == 'datum' else version(r) for r in rows])
            artifacts.update(zip((r['id'] for r in rows), ids))
        elif kind == 'execution':
            ids = store.put_executions([execution(r) for r in rows])
            executions.update(zip((r['id'] for r in rows), ids))
        elif kind == 'tag':
            ids = store.put_contexts([pb.Context(type_id=tag_type, name=r['name'], external_id=r['id']) for r in rows])
            contexts.update(zip((r['id'] for r in rows), ids))
        elif kind == 'alias':
            ids = store.put_contexts([pb.Context(type_id=alias_type, name=r['name']) for r in rows])
            store.put_attributions_and_associations([pb.Attribution(artifact_id=artifacts[r['target']], context_id=i) for r, i in zip(rows, ids)], [])
        elif kind == 'produced':
            events(event(r['datum'], executions[r['execution']], pb.Event.OUTPUT, r['at']) for r in rows)
        elif kind == 'read':
            events(event(r['datum'], executions[r['execution']], pb.Event.INPUT, r['at'], r['inputName']) for r in rows)
        elif kind == 'contains':
            ids = store.put_executions([pb.Execution(type_id=register_type, last_known_state=pb.Execution.COMPLETE) for _ in rows])
            events(e for r, i in zip(rows, ids) for e in (event(r['datum'], i, pb.Event.INPUT, r['at']), event(r['version'], i, pb.Event.OUTPUT, r['at'])))
        elif kind == 'tagged':
            store.put_attributions_and_associations(
                [pb.Attribution(artifact_id=artifacts[r['from']], context_id=contexts[r['to']]) for r in rows if r['from'] in artifacts],
                [pb.Association(execution_id=executions[r['from']], context_id=contexts[r['to']]) for r in rows if r['from'] in executions])
        else:
            raise ValueError(f'unknown record kind {kind!r}')

    kind, rows, count = None, [], 0
    with open(graph_file, encoding='utf-8') as lines:
        for line in lines:
            r = json.loads(line)
            if r['k'] != kind or len(rows) == BATCH:
                if rows:
                    flush(kind, rows)
                kind, rows = r['k'], []
            rows.append(r)
            count += 1
    if rows:
        flush(kind, rows)
    print(json.dumps({'records': count, 'artifacts': len(artifacts), 'executions': len(executions), 'events': len(seen_events), 'mergedReads': merged,
                      'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


def node_of_artifact(a, types):
    return {'id': a.external_id, 'type': types[a.type_id], 'uri': a.uri, 'path': a.properties['path'].string_value}


def serve(path):
    store = connect(path, pb.SqliteMetadataSourceConfig.READWRITE)
    # our ids -> MLMD's, read once from the store's table (not through MLMD, whose artifacts
    # would come whole into this process's memory): a client of MLMD holds its ids
    with sqlite3.connect(f'file:{path}?mode=ro', uri=True) as table:
        artifact_id = dict(table.execute('SELECT external_id, id FROM Artifact'))
    artifact_types = {t.id: t.name for t in store.get_artifact_types()}
    directions = {'UPSTREAM': pb.LineageSubgraphQueryOptions.UPSTREAM, 'DOWNSTREAM': pb.LineageSubgraphQueryOptions.DOWNSTREAM}
    event_types = {pb.Event.INPUT: 'INPUT', pb.Event.OUTPUT: 'OUTPUT'}
    print(json.dumps({'ready': True, 'artifacts': len(artifact_id)}), flush=True)

    def lineage(request):
        options = pb.LineageSubgraphQueryOptions(
            starting_artifacts=pb.LineageSubgraphQueryOptions.StartingNodes(filter_query=f"id = {artifact_id[request['id']]}"),
            max_num_hops=request['hops'], direction=directions[request['direction']])
        started = time.perf_counter()
        graph = store.get_lineage_subgraph(options, ['artifacts', 'executions', 'events'])
        ms = (time.perf_counter() - started) * 1000
        ours = {a.id: a.external_id for a in graph.artifacts}
        ours_e = {e.id: e.external_id or f'register-{e.id}' for e in graph.executions}
        nodes = [node_of_artifact(a, artifact_types) for a in graph.artifacts]
        nodes += [{'id': ours_e[e.id], 'type': 'Execution', 'name': e.properties['name'].string_value, 'state': pb.Execution.State.Name(e.last_known_state)} for e in graph.executions]
        edges = [{'artifact': ours[e.artifact_id], 'execution': ours_e[e.execution_id], 'type': event_types.get(e.type, str(e.type)),
                  'inputName': e.path.steps[0].key if e.path.steps else None} for e in graph.events]
        return {'ms': ms, 'nodes': nodes, 'edges': edges}

    def listed(request):
        query = (f"type = 'Datum' AND contexts_t.type = 'Tag' AND contexts_t.name = '{request['tag']}'"
                 " AND custom_properties.quality.double_value > 0.2")
        started = time.perf_counter()
        found = store.get_artifacts(list_options=mlmd.ListOptions(limit=request['first'], order_by=mlmd.OrderByField.ID, is_asc=False, filter_query=query))
        calls = -(-len(found) // metadata_store.MAX_NUM_RESULT) or 1  # pages of MAX_NUM_RESULT
        producers, contexts = {}, {}
        if request['nested'] and found:
            ids = [a.id for a in found]
            outputs = [e for e in store.get_events_by_artifact_ids(ids) if e.type == pb.Event.OUTPUT]
            by_id = {e.id: e for e in store.get_executions_by_id(list({e.execution_id for e in outputs}))}
            producers = {e.artifact_id: by_id[e.execution_id] for e in outputs}
            # MLMD has no call for the contexts of many artifacts at once (get_contexts
            # filtered on artifacts tells which contexts, not whose): one call per row
            contexts = {i: store.get_contexts_by_artifact(i) for i in ids}
            calls += 2 + len(ids)
        ms = (time.perf_counter() - started) * 1000
        rows = []
        for a in found:
            row = {'id': a.external_id, 'uri': a.uri, 'path': a.properties['path'].string_value}
            if request['nested']:
                p = producers.get(a.id)
                row['producer'] = {'id': p.external_id, 'name': p.properties['name'].string_value} if p else None
                row['tags'] = [{'name': c.name} for c in contexts[a.id] if c.type == 'Tag']
                row['aliases'] = [{'name': c.name} for c in contexts[a.id] if c.type == 'Alias']
            rows.append(row)
        return {'ms': ms, 'calls': calls, 'rows': rows}

    ops = {
        'lineage': lineage,
        'list': listed,
        'stats': lambda _: {'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024},
    }
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = ops[request['op']](request)
        except Exception as error:  # the runner reports it and stops: a peer that cannot answer fails the row
            answer = {'error': f'{type(error).__name__}: {error}'}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    command, *rest = sys.argv[1:]
    {'load': load, 'serve': serve}[command](*rest)
