// Scale-out on one machine: API replicas (each its own process, connected through
// neo4j:// as it would be to a cluster) over one Neo4j. Measures point-lookup throughput
// with 1, 2 and 3 replicas at 16 and 64 connections, what a client's Pedigree-Bookmark
// costs a read, and alias compare-and-set at 16 writers spread over 3 replicas against 16
// writers on one. Every throughput row says the CPU each side spent per request: on a
// small machine the cores are the ceiling, shared by Neo4j, the replicas and the load
// generator alike.
//
//   npm run build && node bench/deps.mjs && node bench/replicas.mjs [--quick]
//
// Alone, it starts a local Neo4j on a temporary store (or uses NEO4J_URI, into which it
// writes 20,000 datums and two small projects), writes bench/results/<date>-replicas.json
// and prints Markdown rows. run.mjs calls measureReplicas on its own graph.
import autocannon from 'autocannon';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../dist/src/config.js';
import { createDriver } from '../dist/src/db/driver.js';
import { BOOKMARK_HEADER } from '../dist/src/domain/bookmarks.js';
import { aliasContention } from './alias-cas.mjs';
import { autoCommit, benchNeo4j } from './neo4j.mjs';
import { graphqlClient, startServerProcess } from './server-process.mjs';
import { processCpuMs } from './throughput.mjs';
import { ms, timeInTurns } from './timing.mjs';
import { LOOKUP_QUERY } from './workloads.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));

/** `total` connections shared out over `n` replicas as evenly as they go (16 over 3: 6, 5, 5). */
const shares = (total, n) => Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));

/** autocannon against each replica at once, its share of the connections each, for `seconds`; requests and latency over all of them. */
async function spread({ urls, connections, seconds, headers, body }) {
  const results = await Promise.all(
    shares(connections, urls.length).map((c, i) =>
      autocannon({ url: `${urls[i]}/graphql`, method: 'POST', connections: c, duration: seconds, headers, requests: [{ setupRequest: (r) => ({ ...r, body: body() }) }] }),
    ),
  );
  const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
  return {
    requests,
    requestsPerSecond: Math.round(results.reduce((sum, r) => sum + r.requests.average, 0)),
    // requests-weighted p50; the worst replica's p99, which a client behind a balancer meets
    p50: Math.round(results.reduce((sum, r) => sum + r.latency.p50 * r.requests.total, 0) / Math.max(requests, 1)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    failures: results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0),
  };
}

/**
 * Starts three replicas over the Neo4j at `uri` (`neo4jPid`, when known, is read for its
 * CPU), measures, stops them and returns the rows. `ids` are datums to look up (run.mjs
 * passes its graph's); without them 20,000 are written first.
 */
export async function measureReplicas({ uri, neo4jPid = null, ids = null, quick = false, log = () => {} }) {
  const seconds = quick ? 5 : 15;
  // Neo4j's JIT compiles its hot paths over thousands of statements (a cold point lookup
  // costs it about three times the CPU it settles at), and V8 does in each replica
  const warmup = quick ? { lookups: 8_000, ms: 20_000 } : { lookups: 30_000, ms: 60_000 };
  const config = loadConfig();
  const database = config.neo4j.database;
  const cleanups = [];
  const driver = createDriver({ ...config.neo4j, uri });
  cleanups.push(() => driver.close());
  const cypher = autoCommit(driver, database);
  try {
    const token = `pdg_bench_${randomBytes(16).toString('hex')}`;
    const routing = uri.replace(/^(bolt|neo4j)(\+s|\+ssc)?:/, 'neo4j$2:');
    const env = { ...process.env, NEO4J_URI: routing, NODE_ENV: 'production', PEDIGREE_ADMIN_TOKEN: token, PORT: '0', PEDIGREE_LOG_LEVEL: 'warn' };
    const apis = [];
    // one after another: started at once, their migrations only wait on each other's locks
    for (let i = 0; i < 3; i++) {
      const api = await startServerProcess('api-process.mjs', env, `replica ${i + 1}`);
      cleanups.push(api.close);
      apis.push(api);
    }
    log(`replicas at ${apis.map((a) => a.url).join(', ')}, Neo4j at ${routing}`);

    if (!ids) {
      ids = Array.from({ length: 20_000 }, () => randomUUID());
      for (let i = 0; i < ids.length; i += 5_000) {
        await cypher(
          `UNWIND $ids AS id CREATE (:Entity:Datum {id: id, project: 'bench', uri: 'datum://' + id, path: 'out/' + id + '.bin', size: 1024, sha256: id, createdAt: datetime()})`,
          { ids: ids.slice(i, i + 5_000) },
        );
      }
      log(`wrote ${ids.length} datums to look up`);
    }
    // each compare-and-set row moves its alias among datums of a project of its own
    const casDatums = {};
    for (const project of ['replicas-cas-1', 'replicas-cas-3']) {
      casDatums[project] = Array.from({ length: 50 }, () => randomUUID());
      await cypher(`UNWIND $ids AS id CREATE (:Entity:Datum {id: id, project: $project, uri: 'datum://' + id, createdAt: datetime()})`, { ids: casDatums[project], project });
    }

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const urls = apis.map((a) => a.url);
    let next = 0;
    const lookup = () => JSON.stringify({ query: LOOKUP_QUERY, variables: { id: ids[next++ % ids.length] } });
    const cpu = async () => ({
      apis: (await Promise.all(apis.map(async (a) => (await a.ask('stats')).cpuMs))).reduce((x, y) => x + y, 0),
      neo4j: neo4jPid ? processCpuMs(neo4jPid) : null,
      loadGenerator: ((u) => (u.user + u.system) / 1000)(process.cpuUsage()),
    });
    /** `run`'s result, with the CPU milliseconds each side spent per request while it ran. */
    const measured = async (run) => {
      const before = await cpu();
      const result = await run();
      const after = await cpu();
      const per = (side) => (before[side] === null || after[side] === null ? null : Math.round(((after[side] - before[side]) / result.requests) * 100) / 100);
      return { ...result, cpuMsPerRequest: { replicas: per('apis'), neo4j: per('neo4j'), loadGenerator: per('loadGenerator') } };
    };

    const warming = Date.now();
    for (let done = 0; done < warmup.lookups || Date.now() - warming < warmup.ms; ) {
      done += (await spread({ urls, connections: 16, seconds: 5, headers, body: lookup })).requests;
      log(`warming up: ${done} lookups in ${Math.round((Date.now() - warming) / 1000)} s`);
    }

    const throughput = [];
    for (const connections of [16, 64]) {
      for (const n of [1, 2, 3]) {
        const row = { replicas: n, connections, ...(await measured(() => spread({ urls: urls.slice(0, n), connections, seconds, headers, body: lookup }))) };
        throughput.push(row);
        log(`lookups, ${n} replica(s), ${connections} connections: ${row.requestsPerSecond} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, CPU ms/request ${JSON.stringify(row.cpuMsPerRequest)}`);
      }
    }

    // A client's bookmark, from a write through the first replica, sent with lookups to the second.
    const written = await fetch(`${urls[0]}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: 'mutation { createExecution(input: {project: "bench", name: "bookmark"}) { id } }' }) });
    const bookmark = written.headers.get(BOOKMARK_HEADER);
    if (!bookmark) throw new Error('the write was answered without a bookmark');
    const plain = graphqlClient(urls[1], 'lookup', { authorization: headers.authorization });
    const bookmarked = graphqlClient(urls[1], 'lookup with a bookmark', { authorization: headers.authorization, [BOOKMARK_HEADER]: bookmark });
    const sequential = await timeInTurns(
      { without: (i) => plain(LOOKUP_QUERY, { id: ids[i % ids.length] }), with: (i) => bookmarked(LOOKUP_QUERY, { id: ids[i % ids.length] }) },
      quick ? { warmup: 100, runs: 500 } : { warmup: 300, runs: 2_000 },
    );
    // back to back, so that whatever else the machine does weighs on both alike
    const withBookmark = { ...headers, [BOOKMARK_HEADER]: bookmark };
    const concurrent = {
      without: { replicas: 3, connections: 16, ...(await measured(() => spread({ urls, connections: 16, seconds, headers, body: lookup }))) },
      with: { replicas: 3, connections: 16, ...(await measured(() => spread({ urls, connections: 16, seconds, headers: withBookmark, body: lookup }))) },
    };
    log(`a bookmark on a lookup: p50 ${sequential.without.p50} -> ${sequential.with.p50} ms one at a time; ${concurrent.without.requestsPerSecond} -> ${concurrent.with.requestsPerSecond} req/s at 16 connections over 3 replicas`);

    // Compare-and-set: 16 writers on one alias, all through one replica, then spread over three.
    const clients = urls.map((url) => graphqlClient(url, 'GraphQL', { authorization: headers.authorization }));
    let turn = 0;
    const roundRobin = (query, variables) => clients[turn++ % clients.length](query, variables);
    const compareAndSet = [];
    for (const [n, project] of [[1, 'replicas-cas-1'], [3, 'replicas-cas-3']]) {
      const gql = n === 1 ? clients[0] : roundRobin;
      await aliasContention({ gql, cypher, project, datumIds: casDatums[project], writers: 4, seconds: 2, separate: true }); // warms the write path; not reported
      const row = { replicas: n, ...(await aliasContention({ gql, cypher, project, datumIds: casDatums[project], writers: 16, seconds })) };
      compareAndSet.push(row);
      log(`compare-and-set, 16 writers over ${n} replica(s): ${row.moves} moves, ${row.conflicts} conflicts, ${row.lostUpdates} lost, p50 ${row.latency.p50} ms, p99 ${row.latency.p99} ms`);
    }
    return { seconds, throughput, bookmark: { sequential, concurrent }, compareAndSet };
  } finally {
    while (cleanups.length) await cleanups.pop()().catch((error) => log(`cleanup: ${error.message}`));
  }
}

/** The rows as Markdown tables. */
export function replicasMarkdown(r, machine = `${cpus().length} cores`) {
  const cpu = (c) => `${c.replicas ?? '?'} / ${c.neo4j ?? '?'} / ${c.loadGenerator ?? '?'}`;
  const { sequential: s, concurrent: c } = r.bookmark;
  return [
    `Point lookups (\`node(id)\`) through API replicas over one Neo4j (${machine}), ${r.seconds} s a row, the connections shared out over the replicas:`,
    '',
    '| replicas | connections | req/s | p50 ms | p99 ms (worst replica) | failures | CPU ms per request: replicas / Neo4j / load generator |',
    '|---|---|---|---|---|---|---|',
    ...r.throughput.map((t) => `| ${t.replicas} | ${t.connections} | ${t.requestsPerSecond} | ${t.p50} | ${t.p99} | ${t.failures} | ${cpu(t.cpuMsPerRequest)} |`),
    '',
    "What a client's `Pedigree-Bookmark` costs a lookup (the request first waits, once, until the database has reached it):",
    '',
    '| | without | with |',
    '|---|---|---|',
    `| one at a time, p50 / p95 / p99 ms | ${ms(s.without)} | ${ms(s.with)} |`,
    `| 16 connections over 3 replicas: req/s, p99 ms, CPU ms per request (replicas / Neo4j) | ${c.without.requestsPerSecond}, ${c.without.p99}, ${c.without.cpuMsPerRequest.replicas} / ${c.without.cpuMsPerRequest.neo4j ?? '?'} | ${c.with.requestsPerSecond}, ${c.with.p99}, ${c.with.cpuMsPerRequest.replicas} / ${c.with.cpuMsPerRequest.neo4j ?? '?'} |`,
    '',
    'Alias compare-and-set, 16 writers on one alias (each reads, then moves with expectedDatumId; latency of every setAlias):',
    '',
    '| replicas | moves | conflicts | lost updates | setAlias p50 / p95 / p99 ms |',
    '|---|---|---|---|---|',
    ...r.compareAndSet.map((x) => `| ${x.replicas} | ${x.moves} | ${x.conflicts} | ${x.lostUpdates} | ${ms(x.latency)} |`),
  ].join('\n');
}

/** Alone: a local Neo4j of its own (or NEO4J_URI), the rows, their JSON and Markdown. */
async function main() {
  const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const log = (line) => console.error(`[replicas] ${line}`);
  const neo4j = await benchNeo4j({ log });
  try {
    const rows = await measureReplicas({ uri: neo4j.uri, neo4jPid: neo4j.pid, quick: args.quick, log });
    const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), node: process.version };
    const results = { date: new Date().toISOString(), mode: args.quick ? 'quick' : 'full', machine, ...rows };
    mkdirSync(join(benchDir, 'results'), { recursive: true });
    const file = join(benchDir, 'results', `${results.date.slice(0, 10)}-replicas${args.quick ? '-quick' : ''}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(replicasMarkdown(results, `${machine.cpus} cores, ${machine.cpuModel}`));
    log(`wrote ${file}`);
  } finally {
    await neo4j.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
