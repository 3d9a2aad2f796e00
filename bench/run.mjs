// The benchmark: a seeded ML lineage graph loaded into Neo4j, then each workload through
// the API and as hand-written Cypher, with percentiles, ratios, Cypher round trips per
// request and the API's peak RSS. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../dist/src/config.js';
import { createDriver } from '../dist/src/db/driver.js';
import { pinnedNeo4jVersion } from '../dist/src/neo4j-local/launcher.js';
import { aliasContention } from './alias-cas.mjs';
import { eventsMarkdown, eventTargets, measureEvents } from './events.mjs';
import { generateGraph } from './generate.mjs';
import { CHUNK as INGEST_CHUNK, ingestComparison } from './ingest.mjs';
import { DEPTHS, lineageBySize, pickStartNodes, profileLineage } from './lineage.mjs';
import { loadGraph } from './load.mjs';
import { autoCommit, benchNeo4j } from './neo4j.mjs';
import { openLineageComparison, openLineageMarkdown, openLineageTargets } from './openlineage.mjs';
import { markdown } from './report.mjs';
import { comparePeer, peerMarkdown } from './peer.mjs';
import { pickPathPairs, profileQuestions, questionWorkloads } from './questions.mjs';
import { measureReplicas, replicasMarkdown } from './replicas.mjs';
import { graphqlClient, startServerProcess } from './server-process.mjs';
import { apiRssTarget, casTarget, ingestTarget, cliIngestTarget, pathsProfileTarget, profileTargets, questionTarget, throughputTarget, workloadTarget } from './targets.mjs';
import { lookupThroughput, processCpuMs } from './throughput.mjs';
import { p50Ratio, runPlan, timeInTurns } from './timing.mjs';
import { lookupIds, workloads } from './workloads.mjs';
import { compareMlmd, mlmdMarkdown, mlmdVenv } from './mlmd.mjs';

const HELP = `npm run bench -- [--quick] [--seed N] [--nodes N] [--skip-mlmd]

Loads a seeded ML lineage graph and measures point lookups, lineage (upstream and
downstream, from start nodes chosen by answer size) and nested lists through the API
(production mode, on an ephemeral port) against hand-written Cypher through the same
driver (on lineage rows the walk returning only what the query selects, and beside it
the walk returning whole nodes, the raw side of earlier results), plus the driver and
HTTP floors; the lineage questions (impact, paths, diff against hand-written Cypher; a
kinds filter and asOf against the same walk without them); then PROFILE db hits of the
lineage statement and of the questions' statements, point-lookup throughput at 16
connections, alias compare-and-set with 1-64 writers and a manifest ingest against raw
UNWIND. Two peers answer the same questions over the same graph, timed in turns with
ours: @neo4j/graphql (the upstream walks and the nested lists) and Google ML Metadata
on SQLite (every lineage row by answer size and the nested lists), the latter from
bench/.venv, made from bench/mlmd/requirements.txt on first use.

  --quick      graph S (1e5 nodes) and fewer runs: about 15 minutes on 2 cores
  --seed N     generator seed (default 1); the same seed gives the same graph
  --nodes N    graph size in nodes (default 1e5 with --quick, 1e6 without)
  --skip-mlmd  leave out the ML Metadata rows (they are left out by themselves, with
               the reason printed and written to the results, when Python cannot make
               bench/.venv or pip cannot install ml-metadata into it)
  --help       this text

Neo4j: NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE) when set, which
must point at an empty database (everything in it is deleted at the end); else a
local embedded Neo4j on a temporary store, removed at the end.
Writes bench/results/<date>-<mode>.json and prints a Markdown table.`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    nodes: { type: 'string' },
    'skip-mlmd': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const mode = args.quick ? 'quick' : 'full';
const seed = Number(args.seed);
const targetNodes = Number(args.nodes ?? (args.quick ? 100_000 : 1_000_000));
if (!Number.isInteger(seed) || !Number.isInteger(targetNodes) || targetNodes < 10_000) {
  console.error(`--seed must be an integer and --nodes an integer >= 10000, got seed '${args.seed}', nodes '${args.nodes}'\n\n${HELP}`);
  process.exit(2);
}
/** Timed runs per workload: light ones (lookups, small walks) and heavy ones (big walks, long lists). */
const WARMUP_MS = args.quick ? 15_000 : 60_000;
const RUNS = args.quick ? { light: { warmup: 50, runs: 200 }, heavy: { warmup: 3, runs: 20 } } : { light: { warmup: 100, runs: 1000 }, heavy: { warmup: 5, runs: 100 } };

const benchDir = dirname(fileURLToPath(import.meta.url));
const log = (line) => console.error(`[bench] ${line}`);
const cleanups = [];
const cleanup = async () => {
  while (cleanups.length) await cleanups.pop()().catch((error) => log(`cleanup: ${error.message}`));
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

/** Neo4j from NEO4J_URI, or a local one on a temporary store, stopped and removed at the end. */
async function neo4jServer() {
  const neo4j = await benchNeo4j({ heap: args.quick ? '1g' : '2g', log });
  cleanups.push(neo4j.stop);
  return neo4j;
}

/** The API in its own process, stopped with the rest at the end. */
async function startApi(env) {
  const api = await startServerProcess('api-process.mjs', env, 'the API process');
  cleanups.push(api.close);
  return api;
}

async function main() {
  // first, so that a missing ML Metadata is said before the long part rather than after it
  const mlmdState = args['skip-mlmd'] ? { skipped: 'left out by --skip-mlmd' } : mlmdVenv(log);
  if (mlmdState.skipped) log(`ML METADATA ROWS WILL BE SKIPPED: ${mlmdState.skipped}`);
  const config = loadConfig();
  const { uri, pid: neo4jPid } = await neo4jServer();
  const driver = createDriver({ ...config.neo4j, uri });
  cleanups.push(() => driver.close());
  const database = config.neo4j.database;
  const cypher = autoCommit(driver, database);

  const [{ c: existing }] = (await cypher('MATCH (n) RETURN count(n) AS c')).records.map((r) => r.toObject());
  if (existing.toNumber() > 0) throw new Error(`the database at ${uri} holds ${existing} nodes; the bench needs an empty one`);
  if (process.env.NEO4J_URI) {
    // CALL … IN TRANSACTIONS runs only in an implicit transaction, hence session.run
    cleanups.push(async () => {
      const session = driver.session({ database });
      try {
        await session.run('MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
      } finally {
        await session.close();
      }
    });
  }

  // The API first: its migrations create the constraints and indexes the load relies on.
  const token = `pdg_bench_${randomBytes(16).toString('hex')}`;
  const api = await startApi({ ...process.env, NEO4J_URI: uri, NODE_ENV: 'production', PEDIGREE_ADMIN_TOKEN: token, PORT: '0' });
  log(`API at ${api.url}`);

  let started = performance.now();
  const graph = generateGraph({ seed, targetNodes, chainLength: 1000 });
  log(`generated ${graph.nodeCount} nodes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const load = await loadGraph(driver, database, graph, log);

  const gql = graphqlClient(api.url, 'GraphQL', { authorization: `Bearer ${token}` });

  const { starts, largest } = pickStartNodes(graph);
  log(`lineage start nodes: ${starts.map((s) => `${s.direction.toLowerCase()} ~${s.sizeClass} (${s.sizes[DEPTHS.at(-1)]} at depth ${DEPTHS.at(-1)})`).join(', ')}; largest walks: ${JSON.stringify(largest)}`);
  const all = [...workloads({ graph, gql, cypher, quick: args.quick }), ...lineageBySize({ starts, gql, cypher, quick: args.quick })];
  // Neo4j's JIT compiles its hot paths over thousands of statements: measured cold, a point
  // lookup costs it three times the CPU it settles at, which no per-row warm-up absorbs.
  started = performance.now();
  for (let i = 0; performance.now() - started < WARMUP_MS; i++) for (const w of all) await Promise.all([w.ours(i), w.raw(i), w.rawWhole?.(i)]);
  log(`warmed up for ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const measured = [];
  const measure = async (w, targetOf) => {
    await api.ask('reset');
    const data = await w.ours(0);
    const { statements } = await api.ask('stats');
    const runs = runPlan(w, RUNS);
    started = performance.now();
    const { ours, raw, rawWhole } = await timeInTurns({ ours: w.ours, raw: w.raw, ...(w.rawWhole && { rawWhole: w.rawWhole }) }, runs);
    const ratio = p50Ratio(ours, raw);
    // `rawKind` tells compare.mjs which floor `raw` is (files before it have whole nodes there)
    const whole = rawWhole && { rawKind: 'projected', rawWhole, ratioWhole: p50Ratio(ours, rawWhole) };
    const row = { name: w.name, lineage: w.lineage, question: w.question, versus: w.versus, items: w.size?.(data), ours, raw, ratio, ...whole, roundTrips: statements };
    measured.push({ ...row, target: targetOf(row) });
    log(`${w.name}: ours p50 ${ours.p50} ms, ${w.versus ?? 'raw'} p50 ${raw.p50} ms (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };
  for (const w of all) await measure(w, () => null);
  // The walks' targets read the HTTP floor, which is measured among the rows.
  const floor = measured.find((r) => r.name.startsWith('floor: HTTP'));
  for (const row of measured) row.target = workloadTarget(row, floor);
  // The questions come after the rows above, which so see the same run as before they existed.
  const pairs = pickPathPairs(graph);
  log(`path pairs (hops: paths): ${pairs.map((p) => `${p.hops}: ${p.paths}`).join(', ')}`);
  const questions = questionWorkloads({ graph, starts, pairs, gql, cypher, quick: args.quick });
  started = performance.now();
  for (let i = 0; performance.now() - started < WARMUP_MS / 3; i++) for (const w of questions) await Promise.all([w.ours(i), w.raw(i)]);
  for (const w of questions) await measure(w, questionTarget);
  const peer = await comparePeer({ uri, graph, gql, quick: args.quick, runs: RUNS, log });
  const mlmd = mlmdState.skipped ? mlmdState : await compareMlmd({ graph, all, quick: args.quick, runs: RUNS, log });
  const profile = profileTargets(await profileLineage({ starts, cypher }));
  log('profiled the lineage statement');
  const questionsProfile = await profileQuestions({ graph, starts, pairs, gql, api, cypher });
  questionsProfile.paths = pathsProfileTarget(questionsProfile.paths);
  log('profiled the questions');
  const cpu = async () => ({ api: (await api.ask('stats')).cpuMs, neo4j: neo4jPid ? processCpuMs(neo4jPid) : null });
  const throughput = await lookupThroughput({ url: api.url, token, cypher, ids: lookupIds(graph), connections: 16, seconds: args.quick ? 5 : 20, cpu });
  for (const t of throughput) log(`${t.name} at 16 connections: ${t.requestsPerSecond} req/s, p99 ${t.latency.p99} ms, CPU ms per request ${JSON.stringify(t.cpuMsPerRequest)}`);

  const counts = (await cypher('MATCH (n) RETURN labels(n) AS labels, count(*) AS c')).records.map((r) => r.toObject());
  const byLabel = {};
  for (const { labels, c } of counts) {
    const label = labels.find((l) => !['Entity', 'Current'].includes(l)) ?? labels[0];
    byLabel[label] = (byLabel[label] ?? 0) + c.toNumber();
  }
  const [{ r: relationships }] = (await cypher('MATCH ()-[r]->() RETURN count(r) AS r')).records.map((r) => r.toObject());

  // The writes come last, after the graph is counted, so that every read above saw the generated graph only.
  const aliasCas = [];
  const contention = (writers, separate = false) => aliasContention({ gql, cypher, project: graph.project, datumIds: lookupIds(graph), writers, seconds: args.quick ? 2 : 10, separate });
  await contention(4, true); // warms up the write path; not reported
  for (const [writers, separate] of [[1], [4], [16], [16, true], [64]]) {
    const row = await contention(writers, separate);
    aliasCas.push({ ...row, target: casTarget(row) });
    log(`alias compare-and-set, ${writers} writers on ${row.aliases} aliases: ${row.moves} moves, ${row.conflicts} conflicts, ${row.lostUpdates} lost, p99 ${row.latency.p99} ms`);
  }
  // Measured cold, the first 6,000 lines took five times as long as the next: planning and JIT.
  // A refused ingest (a transaction past its time limit) is a result too: it is reported, and the rest kept.
  const lines = args.quick ? 6_000 : 100_000;
  let ingest;
  try {
    await ingestComparison({ gql, cypher, project: graph.project, lines: 4_000 });
    const ingested = await ingestComparison({ gql, cypher, project: graph.project, lines });
    ingest = { ...ingested, target: ingestTarget(ingested), cliTarget: cliIngestTarget(ingested) };
    log(`ingest of ${ingest.lines} manifest lines: API ${ingest.api.rowsPerSecond} rows/s (validated first: ${ingest.cli.rowsPerSecond}), raw UNWIND ${ingest.raw.rowsPerSecond} rows/s`);
  } catch (error) {
    ingest = { lines, chunk: INGEST_CHUNK, error: error.message, target: { target: 'the ingest to finish', met: false } };
    log(`ingest failed: ${error.message}`);
  }
  // OpenLineage, change events and replicas write projects of their own, after everything above.
  await openLineageComparison({ url: api.url, token, cypher, runs: 500, prefix: 'bench-ol-warm' });
  const ol = await openLineageComparison({ url: api.url, token, cypher, runs: args.quick ? 2_000 : 5_000, log, cpu });
  const openLineage = { ...ol, targets: openLineageTargets(ol) };
  const { peakRssBytes } = await api.ask('stats');
  // Stopped before the sections that start APIs of their own: on the same Neo4j it would be
  // one more replica delivering their webhooks, without their settings (allowed hosts).
  await api.close();
  const events = await measureEvents({ uri, quick: args.quick, log });
  const replicas = await measureReplicas({ uri, neo4jPid, ids: lookupIds(graph), quick: args.quick, log });
  const serverInfo = await driver.getServerInfo({ database });
  const results = {
    date: new Date().toISOString(),
    mode,
    seed,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), node: process.version, neo4j: serverInfo.agent ?? pinnedNeo4jVersion() },
    graph: { targetNodes, nodes: Object.values(byLabel).reduce((a, b) => a + b, 0), relationships: relationships.toNumber(), byLabel },
    load,
    apiPeakRssMb: Math.round(peakRssBytes / 2 ** 20),
    apiPeakRssTarget: apiRssTarget(Math.round(peakRssBytes / 2 ** 20)),
    workloads: measured,
    peer,
    mlmd,
    lineageReach: largest,
    profile,
    questionsProfile,
    aliasCas,
    throughput: throughput.map((t, i) => ({ ...t, target: i === 0 ? throughputTarget(t) : null })),
    ingest,
    openLineage,
    events: { ...events, targets: eventTargets(events) },
    replicas,
  };
  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${results.date.slice(0, 10)}-${mode}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(markdown(results));
  console.log(`\n${peerMarkdown(results)}`);
  console.log(`\n${mlmdMarkdown(results)}`);
  const machine = `${results.machine.cpus} cores, ${results.machine.cpuModel}`;
  for (const section of [openLineageMarkdown(openLineage), eventsMarkdown(events, machine), replicasMarkdown(replicas, machine)]) console.log(`\n${section}`);
  log(`wrote ${file}`);
  if (mlmd.skipped) log(`ML METADATA ROWS SKIPPED: ${mlmd.skipped}`);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
