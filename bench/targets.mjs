// The targets (set for graph M on 2 cores shared by Neo4j, the API and the load
// generator; the second round's where it set new ones), each as {target, met} beside the
// row it applies to. Quick mode checks the same numbers on graph S, which flatters them.
import { LIMIT } from './lineage.mjs';

const check = (target, met) => ({ target, met });
/** A target of several parts: each part says whether it was met, the whole is met when all are. */
const checkAll = (parts) => check(parts.map(([target, met]) => `${target} (${met ? 'met' : 'missed'})`).join('; '), parts.every(([, met]) => met));

/**
 * Lineage rows from a fixed start node, by the size of the answer, against the projected
 * raw walk; the list of 500 by its ratio and round trips. `floor` is the HTTP floor row
 * ({ __typename } against RETURN 1): what a walk of ≤ 100 nodes may cost beyond raw.
 */
/** A target as a table cell: what it asks, and whether it was met. */
export const targetCell = (t) => (t ? `${t.target}: **${t.met ? 'met' : 'missed'}**` : '');

export function workloadTarget(w, floor) {
  if (w.name.startsWith('nested list of 500')) return checkAll([['≤ 1.5× raw', w.ratio <= 1.5], ['≤ 4 round trips', w.roundTrips <= 4]]);
  if (!w.lineage) return null;
  if (w.items >= LIMIT) return check('p50 ≤ 300 ms', w.ours.p50 <= 300);
  if (w.items <= 100) {
    const allowed = Math.round((floor.ours.p50 + 0.5) * 100) / 100;
    return check(`ours − raw ≤ HTTP floor + 0.5 = ${allowed} ms (is ${Math.round((w.ours.p50 - w.raw.p50) * 100) / 100})`, w.ours.p50 - w.raw.p50 <= allowed);
  }
  if (w.items >= 500 && w.items <= 2_000) return checkAll([['p50 ≤ 30 ms', w.ours.p50 <= 30], ['≤ 1.3× raw', w.ratio <= 1.3]]);
  return null;
}

/** The API process's peak RSS over the whole run, the 10,000-node walks included. */
export const apiRssTarget = (mb) => check('API peak RSS ≤ 300 MB', mb <= 300);

/** Beside each peer (@neo4j/graphql, ML Metadata): ahead of it at every size. */
export const peerTarget = (row) => check('ahead (p50 below the peer\'s)', row.ratio < 1);

/** On the deepest row of each start node: db hits per returned node at no depth above 1.2× their value at depth 2. */
export function profileTargets(rows) {
  return rows.map((row) => {
    if (row.depth !== 20) return { ...row, target: null };
    const same = rows.filter((r) => r.direction === row.direction && r.sizeClass === row.sizeClass && r.depth >= 2);
    const base = same.find((r) => r.depth === 2).dbHitsPerNode;
    return { ...row, target: check('db hits per node flat from depth 2 to 20 (≤ 1.2× depth 2)', same.every((r) => r.dbHitsPerNode <= 1.2 * base)) };
  });
}

/** Rows with an alias per writer are the no-contention floor beside the contended row, and have no target. */
export const casTarget = (row) =>
  row.aliases > 1 ? null : row.writers === 16 ? checkAll([['0 lost updates', row.lostUpdates === 0], ['p99 ≤ 30 ms', row.latency.p99 <= 30]]) : check('0 lost updates', row.lostUpdates === 0);

export const throughputTarget = (t) =>
  checkAll([['≥ 1,500 req/s', t.requestsPerSecond >= 1_500 && t.failures === 0], ['p99 ≤ 25 ms', t.latency.p99 <= 25], ['API CPU ≤ 0.5 ms per request', t.cpuMsPerRequest.api !== null && t.cpuMsPerRequest.api <= 0.5]]);

export const ingestTarget = (i) => check('≥ 0.9× raw', i.ratio >= 0.9);
/** What `pedigree ingest` sends for a folder of several requests: validated, then written. */
export const cliIngestTarget = (i) => check('≥ 0.75× raw', i.cliRatio >= 0.75);

/** The lineage questions: impact of ~1k nodes, paths 10 hops apart, a diff of two sweep models, asOf against the plain walk. */
export function questionTarget(w) {
  const { kind, sizeClass, hops } = w.question;
  if (kind === 'impact' && sizeClass === 1_000) return check('p50 ≤ 100 ms', w.ours.p50 <= 100);
  if (kind === 'paths' && hops === 10) return check('p50 ≤ 50 ms', w.ours.p50 <= 50);
  if (kind === 'diff') return check('p50 ≤ 50 ms', w.ours.p50 <= 50);
  if (kind === 'asOf') return check('≤ 1.2× the plain walk', w.ratio <= 1.2);
  return null;
}

/**
 * PROFILE of lineagePaths by pair: db hits per row the statements returned, on the pair
 * with the most paths, at most 1.2x those on the pair with the fewest, so the work follows
 * the nodes walked, not the paths between them.
 */
export function pathsProfileTarget(rows) {
  const fewest = rows.reduce((a, b) => (b.paths < a.paths ? b : a));
  const most = rows.reduce((a, b) => (b.paths > a.paths ? b : a));
  return rows.map((row) => ({ ...row, target: row === most ? check(`db hits per row ≤ 1.2× the pair with the fewest paths (${fewest.paths})`, row.dbHitsPerRow <= 1.2 * fewest.dbHitsPerRow) : null }));
}
