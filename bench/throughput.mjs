// Throughput at `connections` requests in flight: point lookups through the API, and two
// floors measured the same way, HTTP `{ __typename }` (no database) and the raw lookup
// through the driver (no API). Each row says the CPU time the API process and Neo4j spent
// per request, so a ceiling can be read off: two cores divided by the CPU one request
// costs. The load generator runs in the bench's own process and shares the cores too.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { percentile } from './timing.mjs';
import { LOOKUP_QUERY } from './workloads.mjs';

/** CPU milliseconds a process has used so far (Linux), or null where /proc cannot tell. */
export function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Runs `load` (resolving to {requests, ...}) and adds the CPU ms per request of each process `cpu` names. */
async function withCpu(cpu, load) {
  const before = await cpu();
  const result = await load();
  const after = await cpu();
  const perRequest = (name) => (before[name] === null || after[name] === null ? null : Math.round(((after[name] - before[name]) / result.requests) * 100) / 100);
  return { ...result, cpuMsPerRequest: { api: perRequest('api'), neo4j: perRequest('neo4j') } };
}

const summary = (name, connections, seconds, result) => ({
  name,
  connections,
  seconds,
  requests: result.requests.total,
  requestsPerSecond: Math.round(result.requests.average),
  latency: { p50: result.latency.p50, p99: result.latency.p99 },
  failures: result.errors + result.timeouts + result.non2xx,
});

function overHttp({ url, token, connections, seconds, body }) {
  return autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
}

/** `connections` loops sending the raw lookup through the driver for `seconds`. */
async function overDriver({ cypher, ids, connections, seconds }) {
  const latencies = [];
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await cypher('MATCH (n:Entity {id: $id}) RETURN n', { id: ids[next++ % ids.length] });
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (p) => Math.round(percentile(latencies, p));
  return { requests: { total: latencies.length, average: latencies.length / seconds }, latency: { p50: at(50), p99: at(99) }, errors: 0, timeouts: 0, non2xx: 0 };
}

export async function lookupThroughput({ url, token, cypher, ids, connections, seconds, cpu }) {
  let next = 0;
  const lookup = () => JSON.stringify({ query: LOOKUP_QUERY, variables: { id: ids[next++ % ids.length] } });
  const typename = () => JSON.stringify({ query: '{ __typename }' });
  const run = async (name, load) => withCpu(cpu, async () => summary(name, connections, seconds, await load()));
  return [
    await run('point lookups node(id) through the API', () => overHttp({ url, token, connections, seconds, body: lookup })),
    await run('floor: HTTP { __typename } (no database)', () => overHttp({ url, token, connections, seconds, body: typename })),
    await run('floor: raw lookup through the driver (no API)', () => overDriver({ cypher, ids, connections, seconds })),
  ];
}
