// The Markdown form of a results object (the JSON file holds the same numbers).
import { targetCell } from './targets.mjs';
import { ms } from './timing.mjs';

const n = (x) => x.toLocaleString('en');
const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];

export function markdown(results) {
  const { graph, load, apiPeakRssMb, machine, mode, profile, questionsProfile, aliasCas, throughput, ingest } = results;
  const questions = results.workloads.filter((w) => w.question);
  return [
    `Mode ${mode}, ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.neo4j}, seed ${results.seed}.`,
    `Graph: ${n(graph.nodes)} nodes, ${n(graph.relationships)} relationships ` +
      `(${Object.entries(graph.byLabel).map(([l, c]) => `${l} ${n(c)}`).join(', ')}).`,
    `Load (batched UNWIND through the driver): ${n(load.rows)} rows in ${load.seconds.toFixed(1)} s, ` +
      `${n(load.rowsPerSecond)} rows/s. API peak RSS: ${apiPeakRssMb} MB${results.apiPeakRssTarget ? ` (${targetCell(results.apiPeakRssTarget)})` : ''}.`,
    '',
    'Raw Cypher is the best statement for the same answer: on lineage rows the walk returning only the fields the query selects; ' +
      'the walk returning whole nodes (the raw side of earlier results) is timed beside it for history.',
    '',
    ...table(
      ['workload', 'items (first start node)', 'ours p50 / p95 / p99 ms', 'raw Cypher p50 / p95 / p99 ms', 'ours / raw (p50)', 'raw whole nodes p50 ms (ours / it)', 'round trips', 'target'],
      results.workloads.filter((w) => !w.question).map((w) => [w.name, w.items ?? '', ms(w.ours), ms(w.raw), w.ratio ?? '', w.rawWhole ? `${w.rawWhole.p50} (${w.ratioWhole})` : '', w.roundTrips, targetCell(w.target)]),
    ),
    '',
    'The lineage questions (items: nodes for impact and walks, paths for paths, paired steps for diff):',
    '',
    ...table(
      ['question', 'items', 'ours p50 / p95 / p99 ms', 'compared with', 'its p50 / p95 / p99 ms', 'ours / it (p50)', 'round trips', 'target'],
      questions.map((w) => [w.name, w.items ?? '', ms(w.ours), w.versus, ms(w.raw), w.ratio, w.roundTrips, targetCell(w.target)]),
    ),
    '',
    "PROFILE of the API's lineage statement (limit 10,000; nodes include the root):",
    '',
    ...table(
      ['start node', 'depth', 'nodes', 'db hits', 'db hits / node', 'expand operator', 'target'],
      profile.map((p) => [`${p.direction.toLowerCase()} ~${n(p.sizeClass)}`, p.depth, n(p.nodes), n(p.dbHits), p.dbHitsPerNode, p.expand ?? '', targetCell(p.target)]),
    ),
    '',
    "PROFILE of the statements lineagePaths sends (maxHops 10, limit 100), for the pairs with the fewest and the most paths at each hop distance (rows: what the statements returned, the nodes the two walks reached):",
    '',
    ...table(
      ['hops apart', 'paths within 10 hops', 'paths answered', 'statements', 'rows', 'db hits', 'db hits / row', 'expand operators', 'target'],
      questionsProfile.paths.map((p) => [p.hops, n(p.paths), `${p.answered}${p.truncated ? ' (truncated)' : ''}`, p.statements, n(p.rows), n(p.dbHits), p.dbHitsPerRow, p.expands.join(', '), targetCell(p.target)]),
    ),
    '',
    'PROFILE of the lineage walk at depth 20 with and without asOf (the time of the last recorded edge, so the same answer):',
    '',
    ...table(
      ['start node', 'asOf', 'statements', 'rows', 'db hits', 'db hits / row', 'expand operators'],
      questionsProfile.asOf.map((p) => [`${p.direction.toLowerCase()} ~${n(p.sizeClass)}`, p.asOf ?? '', p.statements, n(p.rows), n(p.dbHits), p.dbHitsPerRow, p.expands.join(', ')]),
    ),
    '',
    'Alias compare-and-set through the API (each writer reads, then moves with expectedDatumId; latency of every setAlias request):',
    '',
    ...table(
      ['writers', 'aliases', 'seconds', 'moves', 'conflicts', 'moves in history', 'lost updates', 'setAlias p50 / p95 / p99 ms', 'target'],
      aliasCas.map((c) => [c.writers, c.aliases > 1 ? `${c.aliases} (one each: no contention)` : c.aliases, c.seconds, c.moves, c.conflicts, c.historyMoves, c.lostUpdates, ms(c.latency), targetCell(c.target)]),
    ),
    '',
    ...table(
      ['throughput', 'connections', 'req/s', 'p50 / p99 ms', 'requests', 'failures', 'CPU ms per request: API / Neo4j', 'target'],
      throughput.map((t) => [`${t.name}, ${t.seconds} s`, t.connections, n(t.requestsPerSecond), `${t.latency.p50} / ${t.latency.p99}`, n(t.requests), t.failures, `${t.cpuMsPerRequest.api ?? '-'} / ${t.cpuMsPerRequest.neo4j ?? '-'}`, targetCell(t.target)]),
    ),
    '',
    ...table(
      ['ingest', 'lines', 'API rows/s (s)', 'raw UNWIND rows/s (s)', 'API / raw', 'target'],
      [
        [`manifest through ingestOutputs, ${n(ingest.chunk)} files per request`, n(ingest.lines), ingest.error ? `failed: ${ingest.error}` : `${n(ingest.api.rowsPerSecond)} (${ingest.api.seconds})`, ingest.error ? '' : `${n(ingest.raw.rowsPerSecond)} (${ingest.raw.seconds})`, ingest.ratio ?? '', targetCell(ingest.target)],
        // results from before the validation-only pass have no such row
        ...(ingest.cli ? [[`the same as \`pedigree ingest\` sends it: every request validated, then written`, n(ingest.lines), `${n(ingest.cli.rowsPerSecond)} (${ingest.cli.seconds})`, `${n(ingest.raw.rowsPerSecond)} (${ingest.raw.seconds})`, ingest.cliRatio, targetCell(ingest.cliTarget)]] : []),
      ],
    ),
  ].join('\n');
}
