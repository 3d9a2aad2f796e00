// Lineage from start nodes chosen by the size of their answer rather than at random, so
// that each target class (~10, ~100, ~1k, ~10k nodes capped by the limit) is measured in
// both directions, and PROFILE of the statement the API itself sends, so that db hits per
// returned node show whether the walk stays linear as depth grows.
import neo4j from 'neo4j-driver';
import { lineageQuery } from '../dist/src/db/cypher/lineage.js';
import { LINEAGE_QUERY, rawLineage, rawLineageProjected } from './workloads.mjs';

/** The API's largest `limit`: the ~10k class is every walk that reaches it. */
export const LIMIT = 10_000;
const SIZE_CLASSES = [10, 100, 1_000, 10_000];
export const DEPTHS = [1, 2, 5, 10, 20];
/** Enough candidates to find each class, few enough that the walks in memory take a second or two on graph M. */
const CANDIDATES = 10_000;

/** Walk-direction neighbours, as Neo4j follows them: PRODUCED_BY and the READ mirror of CONSUMED_BY. */
export function neighbours(graph) {
  const walk = { UPSTREAM: new Map(), DOWNSTREAM: new Map() };
  const add = (from, to) => {
    for (const [map, a, b] of [[walk.UPSTREAM, from, to], [walk.DOWNSTREAM, to, from]]) {
      if (!map.has(a)) map.set(a, []);
      map.get(a).push(b);
    }
  };
  for (const { from, to } of graph.rels.PRODUCED_BY) add(from, to);
  for (const { from: datum, to: execution } of graph.rels.CONSUMED_BY) add(execution, datum);
  return walk;
}

/** How many nodes (root excluded) the API returns at each depth: breadth-first, up to LIMIT. */
function sizesByDepth(next, root) {
  const seen = new Set([root]);
  const within = [0];
  let frontier = [root];
  for (let edges = 1; edges <= 2 * DEPTHS.at(-1); edges++) {
    const reached = [];
    for (const node of frontier) {
      for (const n of next.get(node) ?? []) {
        if (!seen.has(n)) {
          seen.add(n);
          reached.push(n);
        }
      }
    }
    within.push(Math.min(seen.size - 1, LIMIT));
    frontier = reached;
  }
  return Object.fromEntries(DEPTHS.map((depth) => [depth, within[2 * depth]]));
}

/**
 * One start node per direction and size class, judged by the answer at the deepest depth:
 * candidates are an even sample of datums plus the ends of the incremental chain (the
 * longest thin walks), and the one nearest each class on a log scale wins. A class no
 * walk comes near (nearer another class) is left out rather than measured twice under
 * two names; `largest` says how far each direction reaches.
 */
export function pickStartNodes(graph) {
  const walk = neighbours(graph);
  const datums = graph.nodes.Datum;
  const step = Math.max(1, Math.floor(datums.length / CANDIDATES));
  const candidates = [...new Set([graph.samples.chainStart, graph.samples.chainEnd, ...datums.filter((_, i) => i % step === 0).map((d) => d.id)])];
  const deepest = DEPTHS.at(-1);
  const distance = (c, sizeClass) => Math.abs(Math.log((c.sizes[deepest] + 1) / sizeClass));
  const nearest = (c) => SIZE_CLASSES.reduce((a, b) => (distance(c, b) < distance(c, a) ? b : a));
  const starts = [];
  const largest = {};
  for (const direction of Object.keys(walk)) {
    const measured = candidates.map((id) => ({ id, sizes: sizesByDepth(walk[direction], id) }));
    largest[direction] = Math.max(...measured.map((c) => c.sizes[deepest]));
    for (const sizeClass of SIZE_CLASSES) {
      const best = measured.reduce((a, b) => (distance(b, sizeClass) < distance(a, sizeClass) ? b : a));
      if (nearest(best) === sizeClass) starts.push({ direction, sizeClass, id: best.id, sizes: best.sizes });
    }
  }
  return { starts, largest };
}

/**
 * A workload per start node and depth (quick mode: depths 1, 5 and 20; PROFILE still
 * covers every depth). Runs scale with the expected answer so that the big walks (up to
 * a second a turn on 2 shared cores) do not take over quick mode.
 */
export function lineageBySize({ starts, gql, cypher, quick }) {
  const runs = (nodes) => (nodes > 1_000 ? { warmup: quick ? 1 : 5, runs: quick ? 5 : 50 } : { warmup: quick ? 5 : 20, runs: quick ? 30 : 200 });
  return starts.flatMap(({ direction, sizeClass, id, sizes }) =>
    (quick ? [1, 5, 20] : DEPTHS).map((depth) => ({
      name: `lineage ${direction.toLowerCase()} from a ~${sizeClass.toLocaleString('en')} node, depth ${depth}`,
      lineage: { direction, sizeClass, depth, startNode: id },
      runs: runs(sizes[depth]),
      ours: () => gql(LINEAGE_QUERY, { id, direction, depth }),
      raw: () => cypher(rawLineageProjected(depth, direction), { id, cap: neo4j.int(LIMIT + 1) }),
      rawWhole: () => cypher(rawLineage(depth, direction), { id, cap: neo4j.int(LIMIT + 1) }),
      size: (data) => data.lineage.nodes.length,
    })),
  );
}

const totalDbHits = (plan) => plan.dbHits + plan.children.reduce((sum, child) => sum + totalDbHits(child), 0);
const operators = (plan) => [plan.operatorType, ...plan.children.flatMap(operators)];

/**
 * PROFILE of the API's own lineage statement from each start node at each depth, with
 * `scope` null as the executor sets it for a token of every project. The expand operator
 * is kept to show the walk is a BFS (VarLengthExpand(Pruning,BFS)), not path enumeration.
 */
export async function profileLineage({ starts, cypher }) {
  const rows = [];
  for (const { direction, sizeClass, id } of starts) {
    for (const depth of DEPTHS) {
      const query = lineageQuery([id], direction, depth, LIMIT);
      const { records, summary } = await cypher(`PROFILE ${query.cypher}`, { ...query.params, scope: null });
      const dbHits = totalDbHits(summary.profile);
      rows.push({
        direction, sizeClass, depth, nodes: records.length, dbHits,
        dbHitsPerNode: Math.round((dbHits / records.length) * 10) / 10,
        expand: operators(summary.profile).find((op) => op.startsWith('VarLengthExpand') || op.startsWith('Repeat')) ?? null,
      });
    }
  }
  return rows;
}
