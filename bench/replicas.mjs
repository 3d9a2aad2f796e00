// Scale-out on one machine: API replicas (each its own process, connected through
// neo4j:// as it would be to a cluster) over one local Neo4j. Measures point-lookup
// throughput with 1, 2 and 3 replicas at 16 and 64 connections, what a client's
// Pedigree-Bookmark costs a read, and alias compare-and-set at 16 writers spread over 3
// replicas against 16 writers on one. Every row says the CPU each process spent per
// request: on a small machine the cores are the ceiling, and they are shared by Neo4j,
// the replicas and the load generator alike.
//
//   npm run build && node bench/deps.mjs && node bench/replicas.mjs [--quick]
//
// Writes bench/results/<date>-replicas.json and prints Markdown rows.
import autocannon from 'autocannon';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../dist/src/config.js';
import { createDriver } from '../dist/src/db/driver.js';
import { BOOKMARK_HEADER } from '../dist/src/domain/bookmarks.js';
import { startLocalNeo4j } from '../dist/src/neo4j-local/launcher.js';
import { aliasContention } from './alias-cas.mjs';
import { graphqlClient, startServerProcess } from './server-process.mjs';
import { processCpuMs } from './throughput.mjs';
import { timeInTurns } from './timing.mjs';
import { LOOKUP_QUERY } from './workloads.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const SECONDS = args.quick ? 5 : 15;
/**
 * Neo4j's JIT compiles its hot paths over thousands of statements (a cold point lookup
 * costs it about three times the CPU it settles at), and so does V8 in each replica: every
 * row is measured after this many lookups and at least WARMUP_MS.
 */
const WARMUP_LOOKUPS = args.quick ? 8_000 : 30_000;
const WARMUP_MS = args.quick ? 20_000 : 60_000;
const DATUMS = 20_000;
const benchDir = dirname(fileURLToPath(import.meta.url));
const log = (line) => console.error(`[replicas] ${line}`);
const cleanups = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `total` connections shared out over `n` replicas as evenly as they go (16 over 3: 6, 5, 5). */
const shares = (total, n) => Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));

/** autocannon against each replica at once, its share of the connections each; requests and latency over all of them. */
async function spread({ urls, connections, headers, body }) {
  const results = await Promise.all(
    shares(connections, urls.length).map((c, i) =>
      autocannon({ url: `${urls[i]}/graphql`, method: 'POST', connections: c, duration: SECONDS, headers, requests: [{ setupRequest: (r) => ({ ...r, body: body() }) }] }),
    ),
  );
  const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
  return {
    requests,
    requestsPerSecond: Math.round(results.reduce((sum, r) => sum + r.requests.average, 0)),
    // requests-weighted p50; the worst replica's p99, which a client behind the balancer meets
    p50: Math.round(results.reduce((sum, r) => sum + r.latency.p50 * r.requests.total, 0) / requests),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    failures: results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0),
  };
}

async function main() {
  const config = loadConfig();
  let uri = process.env.NEO4J_URI;
  let neo4jPid = null;
  if (!uri) {
    const dataDir = mkdtempSync(join(tmpdir(), 'pedigree-replicas-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const local = await startLocalNeo4j({ dataDir, port: await freePort(), heap: '1g' });
    cleanups.push(() => local.stop());
    uri = local.uri;
    neo4jPid = local.pid;
  }
  const routing = uri.replace(/^(bolt|neo4j)(\+s|\+ssc)?:/, 'neo4j$2:');
  const driver = createDriver({ ...config.neo4j, uri });
  cleanups.push(() => driver.close());
  const database = config.neo4j.database;
  const cypher = async (statement, params = {}) => {
    const session = driver.session({ database });
    try {
      return await session.run(statement, params);
    } finally {
      await session.close();
    }
  };

  const token = `pdg_bench_${randomBytes(16).toString('hex')}`;
  const env = { ...process.env, NEO4J_URI: routing, NODE_ENV: 'production', PEDIGREE_ADMIN_TOKEN: token, PORT: '0', PEDIGREE_LOG_LEVEL: 'warn' };
  // one after another: their migrations would only wait on each other's locks
  const apis = [];
  for (let i = 0; i < 3; i++) {
    const api = await startServerProcess('api-process.mjs', env, `replica ${i + 1}`);
    cleanups.push(api.close);
    apis.push(api);
  }
  log(`replicas at ${apis.map((a) => a.url).join(', ')}, Neo4j at ${routing}`);

  // Datums as the API stores them, for lookups; two small projects for the compare-and-set rows.
  const ids = Array.from({ length: DATUMS }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 5_000) {
    await cypher(
      `UNWIND $ids AS id CREATE (:Entity:Datum {id: id, project: 'bench', uri: 'datum://' + id, path: 'out/' + id + '.bin', size: 1024, sha256: id, createdAt: datetime()})`,
      { ids: ids.slice(i, i + 5_000) },
    );
  }
  const casDatums = {};
  for (const project of ['cas-1', 'cas-3']) {
    casDatums[project] = Array.from({ length: 50 }, () => randomUUID());
    await cypher(`UNWIND $ids AS id CREATE (:Entity:Datum {id: id, project: $project, uri: 'datum://' + id, createdAt: datetime()})`, { ids: casDatums[project], project });
  }
  log(`seeded ${DATUMS} datums`);

  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  let next = 0;
  const lookup = () => JSON.stringify({ query: LOOKUP_QUERY, variables: { id: ids[next++ % ids.length] } });
  const cpu = async () => ({ apis: await Promise.all(apis.map(async (a) => (await a.ask('stats')).cpuMs)), neo4j: neo4jPid ? processCpuMs(neo4jPid) : null, bench: process.cpuUsage() });
  const perRequest = (before, after, requests) => {
    const ms = (a, b) => (a === null || b === null ? null : Math.round(((b - a) / requests) * 100) / 100);
    const bench = ((after.bench.user + after.bench.system - before.bench.user - before.bench.system) / 1000 / requests).toFixed(2);
    return { apis: ms(before.apis.reduce((x, y) => x + y, 0), after.apis.reduce((x, y) => x + y, 0)), neo4j: ms(before.neo4j, after.neo4j), loadGenerator: Number(bench) };
  };
  const measured = async (run) => {
    const before = await cpu();
    const result = await run();
    return { ...result, cpuMsPerRequest: perRequest(before, await cpu(), result.requests) };
  };

  const warming = Date.now();
  for (let done = 0; done < WARMUP_LOOKUPS || Date.now() - warming < WARMUP_MS; ) {
    done += (await spread({ urls: apis.map((a) => a.url), connections: 16, headers, body: lookup })).requests;
    log(`warming up: ${done} lookups in ${Math.round((Date.now() - warming) / 1000)} s`);
  }

  const throughput = [];
  for (const connections of [16, 64]) {
    for (const n of [1, 2, 3]) {
      const row = { replicas: n, connections, ...(await measured(() => spread({ urls: apis.slice(0, n).map((a) => a.url), connections, headers, body: lookup }))) };
      throughput.push(row);
      log(`lookups, ${n} replica(s), ${connections} connections: ${row.requestsPerSecond} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, CPU ms/request ${JSON.stringify(row.cpuMsPerRequest)}`);
    }
  }

  // A client's bookmark, from a write through the first replica, sent with reads to the others.
  const write = await fetch(`${apis[0].url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: 'mutation { createExecution(input: {project: "bench", name: "bookmark"}) { id } }' }) });
  const bookmark = write.headers.get(BOOKMARK_HEADER);
  if (!bookmark) throw new Error('the write answered without a bookmark');
  const withBookmark = { ...headers, [BOOKMARK_HEADER]: bookmark };
  const plain = graphqlClient(apis[1].url, 'lookup', { authorization: headers.authorization });
  const bookmarked = graphqlClient(apis[1].url, 'lookup with a bookmark', { authorization: headers.authorization, [BOOKMARK_HEADER]: bookmark });
  const runs = args.quick ? { warmup: 100, runs: 500 } : { warmup: 300, runs: 2_000 };
  const sequential = await timeInTurns({ without: (i) => plain(LOOKUP_QUERY, { id: ids[i % ids.length] }), with: (i) => bookmarked(LOOKUP_QUERY, { id: ids[i % ids.length] }) }, runs);
  const urls = apis.map((a) => a.url);
  // back to back, so that what else the machine does weighs on both alike
  const bookmarkThroughput = {
    without: { replicas: 3, connections: 16, ...(await measured(() => spread({ urls, connections: 16, headers, body: lookup }))) },
    with: { replicas: 3, connections: 16, ...(await measured(() => spread({ urls, connections: 16, headers: withBookmark, body: lookup }))) },
  };
  log(`a bookmark on a lookup: p50 ${sequential.without.p50} -> ${sequential.with.p50} ms one at a time; ${bookmarkThroughput.without.requestsPerSecond} -> ${bookmarkThroughput.with.requestsPerSecond} req/s at 16 connections over 3 replicas`);

  // Compare-and-set: 16 writers on one alias, all through one replica, then spread over three.
  const clients = apis.map((a) => graphqlClient(a.url, 'GraphQL', { authorization: headers.authorization }));
  let turn = 0;
  const roundRobin = (query, variables) => clients[turn++ % clients.length](query, variables);
  const compareAndSet = [];
  for (const [n, project] of [[1, 'cas-1'], [3, 'cas-3']]) {
    const gql = n === 1 ? clients[0] : roundRobin;
    await aliasContention({ gql, cypher, project, datumIds: casDatums[project], writers: 4, seconds: 2, separate: true }); // warms the write path
    const row = { replicas: n, ...(await aliasContention({ gql, cypher, project, datumIds: casDatums[project], writers: 16, seconds: SECONDS })) };
    compareAndSet.push(row);
    log(`compare-and-set, 16 writers over ${n} replica(s): ${row.moves} moves, ${row.conflicts} conflicts, ${row.lostUpdates} lost, p50 ${row.latency.p50} ms, p99 ${row.latency.p99} ms`);
  }

  const results = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), node: process.version, neo4j: (await driver.getServerInfo({ database })).agent },
    seconds: SECONDS,
    throughput,
    bookmark: { sequential, throughput: bookmarkThroughput },
    compareAndSet,
  };
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  const file = join(benchDir, 'results', `${results.date.slice(0, 10)}-replicas.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(markdown(results));
  log(`wrote ${file}`);
}

function markdown(r) {
  const cpu = (c) => `${c.apis ?? '?'} / ${c.neo4j ?? '?'} / ${c.loadGenerator}`;
  const lines = [
    `Point lookups (\`node(id)\`) over one Neo4j, ${r.seconds} s a row, connections shared out over the replicas (${r.machine.cpus} cores, ${r.machine.cpuModel}):`,
    '',
    '| replicas | connections | req/s | p50 ms | p99 ms (worst replica) | failures | CPU ms per request: replicas / Neo4j / load generator |',
    '|---|---|---|---|---|---|---|',
    ...r.throughput.map((t) => `| ${t.replicas} | ${t.connections} | ${t.requestsPerSecond} | ${t.p50} | ${t.p99} | ${t.failures} | ${cpu(t.cpuMsPerRequest)} |`),
    '',
    'What a client\'s `Pedigree-Bookmark` costs a lookup (the request first waits, once, until the database has reached it):',
    '',
    '| | without | with |',
    '|---|---|---|',
    `| one at a time, p50 / p95 / p99 ms | ${r.bookmark.sequential.without.p50} / ${r.bookmark.sequential.without.p95} / ${r.bookmark.sequential.without.p99} | ${r.bookmark.sequential.with.p50} / ${r.bookmark.sequential.with.p95} / ${r.bookmark.sequential.with.p99} |`,
    `| 16 connections over 3 replicas, req/s (p99 ms) | ${r.bookmark.throughput.without.requestsPerSecond} (${r.bookmark.throughput.without.p99}) | ${r.bookmark.throughput.with.requestsPerSecond} (${r.bookmark.throughput.with.p99}) |`,
    '',
    'Alias compare-and-set, 16 writers on one alias (each reads, then moves with expectedDatumId):',
    '',
    '| replicas | moves | conflicts | lost updates | setAlias p50 / p95 / p99 ms |',
    '|---|---|---|---|---|',
    ...r.compareAndSet.map((c) => `| ${c.replicas} | ${c.moves} | ${c.conflicts} | ${c.lostUpdates} | ${c.latency.p50} / ${c.latency.p95} / ${c.latency.p99} |`),
  ];
  return lines.join('\n');
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  while (cleanups.length) await cleanups.pop()().catch((error) => log(`cleanup: ${error.message}`));
}
