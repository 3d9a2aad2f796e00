// OpenLineage events per second: the START and COMPLETE of `runs` runs (2 inputs and 1
// output each, as an Airflow task or a Spark job reports them) sent to POST /api/v1/lineage
// by 16 concurrent clients and to POST /api/v1/lineage/batch in batches, against raw
// Cypher writing the same graph (the execution and its status and times, the datums, the
// lineage edges with their READ mirrors, the system record's entries and an audit entry per
// event) one transaction per event from 16 concurrent sessions, as the API writes it.
// Each of the three writes into a project of its own (`<prefix>-single`, `-batch`, `-raw`),
// on top of whatever the database holds.
// Run alone: `node bench/deps.mjs && node bench/openlineage.mjs [runs]` (the API built;
// a local Neo4j on a temporary store, or NEO4J_URI, whose database it writes into).
import { randomUUID } from 'node:crypto';

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python';
const CLIENTS = 16;
const BATCH = 2_000;

/** The events of `runs` runs of 20 jobs over 50 raw partitions and one dimension table every run reads. */
export function openLineageEvents(namespace, runs) {
  return Array.from({ length: runs }, (_, r) => {
    const runId = randomUUID();
    const at = (minute) => new Date(Date.UTC(2024, 4, 1, 10, 0) + (r * 2 + minute) * 1000).toISOString();
    const event = (eventType, minute) => ({
      eventType,
      eventTime: at(minute),
      producer: PRODUCER,
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId },
      job: { namespace, name: `etl.job-${r % 20}` },
      inputs: [{ namespace: 's3://lake', name: `raw/part-${r % 50}` }, { namespace: 'postgres://db:5432', name: 'shop.public.customers' }],
      outputs: [{ namespace: 's3://lake', name: `clean/run-${r}` }],
    });
    return [event('START', 0), event('COMPLETE', 1)];
  }).flat();
}

/**
 * The graph the API writes for one event, by hand, as someone who knows Neo4j writes it:
 * one statement, the execution written first (its lock keeps the run's events apart, so
 * edges are created where missing rather than merged, which would lock the datums every run
 * reads). Not written: the change events of the outbox.
 */
const RAW_EVENT = `MERGE (p:Entity:Project {name: $project})
ON CREATE SET p.id = $projectId, p.project = $project, p.createdAt = datetime()
CREATE (:AuditEntry {id: $auditId, createdAt: datetime(), principal: 'bench', operation: 'recordOpenLineageEvent', targetId: $runId, project: $project, summary: $summary})
MERGE (e:Entity:Execution {id: $runId})
ON CREATE SET e.project = $project, e.name = $name, e.kind = 'STEP', e.status = 'QUEUED', e.attempt = 1, e.createdAt = datetime(), e.createdBy = 'bench'
SET e.status = coalesce($final, CASE WHEN e.status = 'QUEUED' THEN 'RUNNING' ELSE e.status END),
    e.startedAt = CASE WHEN $final IS NULL THEN datetime($at) ELSE e.startedAt END,
    e.endedAt = CASE WHEN $final IS NULL THEN e.endedAt ELSE datetime($at) END
WITH e
CALL (e) {
  UNWIND $outputs AS o
  MERGE (d:Entity:Datum {project: $project, uri: o.uri, version: $runId})
  ON CREATE SET d.id = o.id, d.external = true, d.path = o.path, d.createdAt = datetime()
  SET d.writtenAt = datetime($at)
  WITH e, d WHERE NOT EXISTS { (d)-[:PRODUCED_BY]->(e) }
  CREATE (d)-[:PRODUCED_BY {at: datetime()}]->(e)
}
CALL (e) {
  UNWIND $inputs AS i
  MERGE (d:Entity:Datum {project: $project, uri: i.uri, version: ''})
  ON CREATE SET d.id = i.id, d.external = true, d.path = i.path, d.createdAt = datetime()
  WITH e, i, d WHERE NOT EXISTS { (d)-[:CONSUMED_BY {inputName: i.uri}]->(e) }
  CREATE (d)-[:CONSUMED_BY {inputName: i.uri, at: datetime(), readAt: datetime($at), byVersion: false}]->(e)
  CREATE (e)-[:READ {inputName: i.uri, at: datetime()}]->(d)
}
CALL (e) {
  UNWIND $system AS m
  CREATE (x:Entity:MetadataEntry:Current {id: m.id, project: $project, name: m.name, key: m.key, group: 'system', type: m.type, value: m.value,
          num: m.num, str: m.str, loggedAt: datetime(), round: 0, loggedBy: 'bench', source: 'SYSTEM'})-[:DESCRIBES]->(e)
}`;

/** One event as RAW_EVENT's parameters: the system record gets attempt and startedAt on START, endedAt and duration on COMPLETE. */
function rawEvent(project, event) {
  const final = event.eventType === 'COMPLETE' ? 'COMPLETED' : null;
  const entry = (key, type, value, column) => ({ id: randomUUID(), name: `system.${key}`, key, type, value: JSON.stringify(value), num: null, str: null, ...column });
  const system = final
    ? [entry('endedAt', 'DATETIME', event.eventTime, { str: event.eventTime }), entry('duration', 'NUMBER', 1, { num: 1 })]
    : [entry('attempt', 'NUMBER', 1, { num: 1 }), entry('startedAt', 'DATETIME', event.eventTime, { str: event.eventTime })];
  const dataset = (d, version) => ({ uri: `${d.namespace}/${d.name}`, path: d.name, id: randomUUID(), version });
  return {
    project,
    projectId: randomUUID(),
    auditId: randomUUID(),
    runId: event.run.runId,
    name: event.job.name,
    summary: JSON.stringify({ project, event: 'RunEvent', id: event.run.runId, eventType: event.eventType }),
    final,
    at: event.eventTime,
    outputs: event.outputs.map((d) => dataset(d)),
    inputs: event.inputs.map((d) => dataset(d)),
    system,
  };
}

/**
 * Sends every item through `send` from `clients` loops; events/s over the whole run, and the
 * CPU milliseconds per event of each process `cpu` reports (null where it cannot tell).
 */
async function timed(events, clients, send, cpu, count = events.length) {
  let next = 0;
  const before = await cpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < events.length) await send(events[next++]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await cpu();
  const perEvent = (name) => (before[name] == null || after[name] == null ? null : Math.round(((after[name] - before[name]) / count) * 100) / 100);
  return { events: count, seconds: Math.round(seconds * 10) / 10, eventsPerSecond: Math.round(count / seconds), cpuMsPerEvent: { api: perEvent('api'), neo4j: perEvent('neo4j') } };
}

/**
 * Our single POSTs (16 clients) and batches (BATCH events a request, one request at a time),
 * and the raw writes (16 sessions). `cypher(statement, params)` runs one auto-commit
 * statement in a session of its own, as the runner's helper does.
 */
export async function openLineageComparison({ url, token, cypher, runs, log = () => {}, prefix = 'bench-ol', cpu = async () => ({}) }) {
  const post = async (path, body) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    await response.arrayBuffer();
  };
  const single = await timed(openLineageEvents(`${prefix}-single`, runs), CLIENTS, (event) => post('/api/v1/lineage', event), cpu);
  log(`OpenLineage single POSTs at ${CLIENTS} clients: ${single.eventsPerSecond} events/s`);
  const batches = [];
  const all = openLineageEvents(`${prefix}-batch`, runs);
  for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
  const batch = await timed(batches, 1, (b) => post('/api/v1/lineage/batch', b), cpu, all.length);
  log(`OpenLineage batches of ${BATCH}: ${batch.eventsPerSecond} events/s`);
  const raw = await timed(openLineageEvents(`${prefix}-raw`, runs), CLIENTS, (event) => cypher(RAW_EVENT, rawEvent(`${prefix}-raw`, event)), cpu);
  log(`raw Cypher, one transaction per event at ${CLIENTS} sessions: ${raw.eventsPerSecond} events/s`);
  const ratio = (ours) => Math.round((ours.eventsPerSecond / raw.eventsPerSecond) * 100) / 100;
  return { runs, events: all.length, clients: CLIENTS, batchSize: BATCH, single: { ...single, ratio: ratio(single) }, batch: { ...batch, ratio: ratio(batch) }, raw };
}

/** The targets: ≥ 500 events/s single at 16 clients, ≥ 2,000 in batches, each ≥ 0.7× raw. */
export const openLineageTargets = (r) => ({
  single: { target: '≥ 500 events/s, ≥ 0.7× raw', met: r.single.eventsPerSecond >= 500 && r.single.ratio >= 0.7 },
  batch: { target: '≥ 2,000 events/s, ≥ 0.7× raw', met: r.batch.eventsPerSecond >= 2_000 && r.batch.ratio >= 0.7 },
});

const cpuCell = (row) => `${row.cpuMsPerEvent.api ?? '–'}, ${row.cpuMsPerEvent.neo4j ?? '–'}`;

/** The rows for the report. */
export function openLineageMarkdown(r) {
  const targets = openLineageTargets(r);
  return [
    `OpenLineage events (${r.runs.toLocaleString('en')} runs: START + COMPLETE, 2 inputs and 1 output each):`,
    '',
    '| writer | events | s | events/s | ours / raw | CPU ms per event (API, Neo4j) | target |',
    '|---|---:|---:|---:|---:|---|---|',
    `| POST /api/v1/lineage, ${r.clients} clients | ${r.single.events} | ${r.single.seconds} | ${r.single.eventsPerSecond} | ${r.single.ratio} | ${cpuCell(r.single)} | ${targets.single.target} (${targets.single.met ? 'met' : 'missed'}) |`,
    `| POST /api/v1/lineage/batch, ${r.batchSize} a request | ${r.batch.events} | ${r.batch.seconds} | ${r.batch.eventsPerSecond} | ${r.batch.ratio} | ${cpuCell(r.batch)} | ${targets.batch.target} (${targets.batch.met ? 'met' : 'missed'}) |`,
    `| raw Cypher, a transaction per event, ${r.clients} sessions | ${r.raw.events} | ${r.raw.seconds} | ${r.raw.eventsPerSecond} | 1 | ${cpuCell(r.raw)} | |`,
  ].join('\n');
}

// Alone: a local Neo4j on a temporary store (or NEO4J_URI), the API in its own process, and the rows printed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadConfig } = await import('../dist/src/config.js');
  const { createDriver } = await import('../dist/src/db/driver.js');
  const { autoCommit, benchNeo4j } = await import('./neo4j.mjs');
  const { startServerProcess } = await import('./server-process.mjs');
  const { processCpuMs } = await import('./throughput.mjs');
  const runs = Number(process.argv[2] ?? 5_000);
  const log = (line) => console.error(`[bench] ${line}`);
  const cleanups = [];
  try {
    const { uri, pid: neo4jPid, stop } = await benchNeo4j({ log });
    cleanups.push(stop);
    const config = loadConfig();
    const driver = createDriver({ ...config.neo4j, uri });
    cleanups.push(() => driver.close());
    const token = `pdg_bench_${randomUUID().replace(/-/g, '')}`;
    const api = await startServerProcess('api-process.mjs', { ...process.env, NEO4J_URI: uri, NODE_ENV: 'production', PEDIGREE_ADMIN_TOKEN: token, PORT: '0' }, 'the API process');
    cleanups.push(api.close);
    const cypher = autoCommit(driver, config.neo4j.database);
    const cpu = async () => ({ api: (await api.ask('stats')).cpuMs, neo4j: neo4jPid ? processCpuMs(neo4jPid) : null });
    // warm-up: planning and the JIT, in projects of their own
    await openLineageComparison({ url: api.url, token, cypher, runs: 500, prefix: 'bench-ol-warm' });
    console.log(openLineageMarkdown(await openLineageComparison({ url: api.url, token, cypher, runs, log, cpu })));
  } finally {
    while (cleanups.length) await cleanups.pop()().catch((error) => log(`cleanup: ${error.message}`));
  }
}
