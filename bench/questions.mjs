// The lineage questions (impact, paths, diff, a kinds filter and asOf), each on the part
// of the generated graph it is about: impact from the big downstream start nodes, paths
// between datums of one pipeline run where join steps make them meet again, a diff of the
// two versions of the retrained model. Impact, paths and diff are compared with
// hand-written Cypher; the filter and asOf with the same walk through the API without them.
// PROFILE of the statements the API sends for a question shows what its work grows with.
import neo4j from 'neo4j-driver';
import { neighbours } from './lineage.mjs';
import { rawLineage } from './workloads.mjs';

/** The size classes whose downstream (and upstream, where one is that big) the questions start from. */
const QUESTION_CLASSES = [1_000, 10_000];
/** `lineagePaths` as a user asks it: the default hop bound, and the most paths it answers. */
export const PATH_MAX_HOPS = 10;
const PATH_LIMIT = 100;
/** Hops apart of the timed path pairs. */
const PATH_HOPS = [5, 10];
/** `impact` over the whole class: the depth the start nodes were judged at, the largest limit. */
const IMPACT_DEPTH = 20;
const IMPACT_LIMIT = 10_000;

const IMPACT = `query ($id: ID!, $depth: Int!, $limit: Int!) {
  impact(id: $id, depth: $depth, limit: $limit) {
    root { id } nodes { id kind distance frontier }
    deployments { id name } modelVersions { id status } datasetVersions { id }
    aliases { alias { name } datum { id } current } truncated
  }
}`;

const PATHS = `query ($from: ID!, $to: ID!, $maxHops: Int!, $limit: Int!) {
  lineagePaths(from: $from, to: $to, maxHops: $maxHops, limit: $limit) {
    direction truncated paths { nodes { id kind distance } edges { from to type inputName } }
  }
}`;

const DIFF = `query ($a: ID!, $b: ID!, $depth: Int!) {
  lineageDiff(a: $a, b: $b, depth: $depth) {
    common { id } onlyInA { id } onlyInB { id }
    executions { name a { id } b { id } changes { field a b } }
  }
}`;

const WALK = `query ($id: ID!, $depth: Int!, $direction: LineageDirection!, $filter: LineageFilter, $asOf: DateTime) {
  lineage(id: $id, direction: $direction, depth: $depth, limit: 10000, filter: $filter, asOf: $asOf) {
    depthReached truncated
    nodes { id kind distance frontier node { id ... on Datum { uri path } ... on Execution { name status } } }
    edges { from to type inputName via }
  }
}`;

/** Aliases that point, or pointed, at any of the datums, and whether they point there now: the API's statement without the project predicate. */
const RAW_ALIASES = `UNWIND $datumIds AS datumId
MATCH (a:Alias)-[:MOVED]->(:AliasMove {to: datumId})
WITH DISTINCT a, datumId
CALL { WITH a MATCH (a)-[:MOVED]->(last:AliasMove) RETURN last.to AS pointing ORDER BY last.seq DESC LIMIT 1 }
RETURN a AS alias, datumId, pointing = datumId AS current`;

/** Neo4j's own k shortest paths between two bound nodes, downstream (`to` reads from `from`): the best a hand-written statement does. */
const rawPaths = (maxHops, limit) => `MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
MATCH p = SHORTEST ${limit + 1} (a)<-[:PRODUCED_BY|READ|CONTAINS]-{1,${2 * maxHops}}(b)
RETURN [n IN nodes(p) | n {.id, labels: labels(n)}] AS nodes, [r IN relationships(p) | [type(r), startNode(r).id, endNode(r).id, r.inputName]] AS rels`;

/** Both upstreams (each at most 5,000 nodes, as the API's diff walks them), with what a diff compares of each execution. */
const rawDiff = (depth) => `UNWIND [$a, $b] AS rootId
MATCH (root:Entity {id: rootId})
CALL {
  WITH root
  MATCH p = (root)-[:PRODUCED_BY|READ|CONTAINS*1..${2 * depth}]->(n)
  WITH n, min(length(p)) AS edges
  ORDER BY edges, n.id
  LIMIT 5001
  RETURN collect({node: n, edges: edges}) AS found
}
UNWIND found AS f
WITH rootId, f.node AS n, f.edges AS edges
RETURN rootId, n.id AS id, edges,
  CASE WHEN n:Execution THEN n {.name, .commit, .image, .hardware, .parameters,
    metadata: [(n)<-[:DESCRIBES]-(m:Current) | [m.name, m.value]],
    reads: [(n)-[r:READ]->(i) | [r.inputName, i.id]]} END AS execution`;

/** What the API's diff answers, from the raw rows: the nodes in both or one upstream, and the changed fields of each step run in both. */
function diffOf(records, a) {
  const sides = { a: new Map(), b: new Map() };
  for (const r of records) sides[r.get('rootId') === a ? 'a' : 'b'].set(r.get('id'), r.get('execution'));
  const nearestByName = (side) => {
    const byName = new Map();
    for (const [id, e] of side) if (e && !byName.has(e.name)) byName.set(e.name, { id, ...e });
    return byName;
  };
  const [na, nb] = [nearestByName(sides.a), nearestByName(sides.b)];
  const changes = (x, y) => {
    const out = [];
    const compare = (field, u, v) => JSON.stringify(u ?? null) !== JSON.stringify(v ?? null) && out.push({ field, a: u ?? null, b: v ?? null });
    for (const field of ['commit', 'image', 'hardware']) compare(field, x[field], y[field]);
    const [px, py] = [JSON.parse(x.parameters ?? '{}'), JSON.parse(y.parameters ?? '{}')];
    for (const key of new Set([...Object.keys(px), ...Object.keys(py)])) compare(`parameters.${key}`, px[key], py[key]);
    const [mx, my] = [new Map(x.metadata), new Map(y.metadata)];
    for (const key of new Set([...mx.keys(), ...my.keys()])) compare(`metadata.${key}`, mx.get(key), my.get(key));
    const [ix, iy] = [new Map(x.reads), new Map(y.reads)];
    for (const key of new Set([...ix.keys(), ...iy.keys()])) compare(`input.${key}`, ix.get(key), iy.get(key));
    return out;
  };
  return {
    common: [...sides.a.keys()].filter((id) => sides.b.has(id)),
    executions: [...na].filter(([name, e]) => nb.has(name) && nb.get(name).id !== e.id).map(([name, e]) => ({ name, changes: changes(e, nb.get(name)) })),
  };
}

/**
 * Pairs of datums for `lineagePaths`, found by walking the generated graph: from every
 * datum of a pipeline or sweep run, the paths of up to 2 x PATH_MAX_HOPS edges to each
 * datum downstream of it in the same run are counted layer by layer (a path that leaves a
 * run never comes back: a run reads only earlier runs' outputs). For each hop distance
 * (the shortest path's), the pair with the most paths is kept (`most`: the diamond-heavy
 * part of the graph, where join steps read 2-5 earlier outputs) and the pair with the
 * fewest (`fewest`), ties to the earliest datum.
 */
export function pickPathPairs(graph) {
  const { DOWNSTREAM: next } = neighbours(graph);
  const runOf = new Map(graph.rels.PART_OF.map(({ from, to }) => [from, to]));
  for (const { from, to } of graph.rels.PRODUCED_BY) runOf.set(from, runOf.get(to));
  const most = new Map();
  const fewest = new Map();
  for (const { id: from } of graph.nodes.Datum) {
    const run = runOf.get(from);
    if (!run) continue;
    const paths = new Map();
    const shortest = new Map();
    let layer = new Map([[from, 1]]);
    for (let edges = 1; edges <= 2 * PATH_MAX_HOPS && layer.size; edges++) {
      const reached = new Map();
      for (const [node, count] of layer) {
        for (const n of next.get(node) ?? []) if (runOf.get(n) === run) reached.set(n, (reached.get(n) ?? 0) + count);
      }
      for (const [n, count] of reached) {
        paths.set(n, (paths.get(n) ?? 0) + count);
        if (!shortest.has(n)) shortest.set(n, edges);
      }
      layer = reached;
    }
    for (const [to, edges] of shortest) {
      // executions sit at odd edge counts; datum to datum is whole hops
      if (edges % 2) continue;
      const pair = { hops: edges / 2, from, to, paths: paths.get(to) };
      if (!(most.get(pair.hops)?.paths >= pair.paths)) most.set(pair.hops, { ...pair, rank: 'most' });
      if (!(fewest.get(pair.hops)?.paths <= pair.paths)) fewest.set(pair.hops, { ...pair, rank: 'fewest' });
    }
  }
  return [...most.values(), ...fewest.values()].sort((a, b) => a.hops - b.hops || a.paths - b.paths);
}

/**
 * The timed question workloads. Each has `question` (what is asked, for the report and
 * targets) and `versus` (what its `raw` side is). Runs scale with the answer as the
 * lineage rows do.
 */
export function questionWorkloads({ graph, starts, pairs, gql, cypher, quick }) {
  const runs = (heavy) => (heavy ? { warmup: quick ? 1 : 5, runs: quick ? 5 : 50 } : { warmup: quick ? 5 : 20, runs: quick ? 30 : 200 });
  const big = starts.filter((s) => QUESTION_CLASSES.includes(s.sizeClass));
  const cap = neo4j.int(IMPACT_LIMIT + 1);
  const impact = big.filter((s) => s.direction === 'DOWNSTREAM').map(({ sizeClass, id, sizes }) => ({
    name: `impact from a ~${sizeClass.toLocaleString('en')} node, depth ${IMPACT_DEPTH}`,
    question: { kind: 'impact', sizeClass, startNode: id },
    versus: 'raw Cypher: the walk, then the aliases (2 statements)',
    runs: runs(sizes[IMPACT_DEPTH] > 1_000),
    ours: () => gql(IMPACT, { id, depth: IMPACT_DEPTH, limit: IMPACT_LIMIT }),
    raw: async () => {
      const { records } = await cypher(rawLineage(IMPACT_DEPTH, 'DOWNSTREAM'), { id, cap });
      const datumIds = [id, ...records.map((r) => r.get('n')).filter((n) => n.labels.includes('Datum')).map((n) => n.properties.id)];
      return cypher(RAW_ALIASES, { datumIds });
    },
    size: (data) => data.impact.nodes.length,
  }));
  const paths = PATH_HOPS.map((hops) => pairs.find((p) => p.hops === hops && p.rank === 'most')).filter(Boolean).map(({ hops, from, to, paths: count }) => ({
    name: `paths between datums ${hops} hops apart (${count.toLocaleString('en')} paths within ${PATH_MAX_HOPS} hops)`,
    question: { kind: 'paths', hops, paths: count, from, to },
    versus: `raw Cypher: SHORTEST ${PATH_LIMIT + 1} paths`,
    runs: runs(false),
    ours: () => gql(PATHS, { from, to, maxHops: PATH_MAX_HOPS, limit: PATH_LIMIT }),
    raw: () => cypher(rawPaths(PATH_MAX_HOPS, PATH_LIMIT), { from, to }),
    size: (data) => data.lineagePaths.paths.length,
  }));
  const [a, b] = graph.samples.retrained;
  const diff = [5, 20].map((depth) => ({
    name: `diff of the two retrained sweep models, depth ${depth}`,
    question: { kind: 'diff', depth, a, b },
    versus: 'raw Cypher: both upstreams with what is compared, paired in the bench',
    runs: runs(false),
    ours: () => gql(DIFF, { a, b, depth }),
    raw: async () => diffOf((await cypher(rawDiff(depth), { a, b })).records, a),
    size: (data) => data.lineageDiff.executions.length,
  }));
  // The same walk with and without: the filter keeps datums and joins them across the
  // executions it hides; asOf the time of the last recorded edge answers the whole graph,
  // so the difference is the cost of the predicate alone.
  const walk = (id, direction, extra) => gql(WALK, { id, direction, depth: 20, ...extra });
  const against = big.flatMap(({ direction, sizeClass, id, sizes }) => {
    const where = `lineage ${direction.toLowerCase()} from a ~${sizeClass.toLocaleString('en')} node, depth 20`;
    const plain = () => walk(id, direction, {});
    return [
      { name: `${where}, filter kinds [DATUM]`, question: { kind: 'filter', direction, sizeClass, startNode: id }, versus: 'the same walk without the filter (API)', ours: () => walk(id, direction, { filter: { kinds: ['DATUM'] } }) },
      { name: `${where}, asOf the last recorded edge`, question: { kind: 'asOf', direction, sizeClass, startNode: id }, versus: 'the same walk without asOf (API)', ours: () => walk(id, direction, { asOf: graph.samples.recordedUntil }) },
    ].map((w) => ({ ...w, runs: runs(sizes[20] > 1_000), raw: plain, size: (data) => data.lineage.nodes.length }));
  });
  return [...impact, ...paths, ...diff, ...against];
}

const totalDbHits = (plan) => plan.dbHits + plan.children.reduce((sum, child) => sum + totalDbHits(child), 0);
const operators = (plan) => [plan.operatorType.split('@')[0], ...plan.children.flatMap(operators)];
const revive = (value) =>
  Array.isArray(value) ? value.map(revive)
  : value && typeof value === 'object' ? ('int' in value && Object.keys(value).length === 1 ? neo4j.int(value.int) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)])))
  : value;

/**
 * PROFILE of every statement the API sent for one request (recorded by the API process,
 * with the parameters it sent, `scope` included): rows, db hits, and the expand operators.
 */
async function profileRequest({ api, cypher, ask }) {
  await api.ask('record');
  await ask();
  const { queries } = await api.ask('recorded');
  let rows = 0;
  let dbHits = 0;
  const expands = new Set();
  for (const q of queries) {
    const { records, summary } = await cypher(`PROFILE ${q.cypher}`, revive(q.params));
    rows += records.length;
    dbHits += totalDbHits(summary.profile);
    for (const op of operators(summary.profile)) if (/VarLengthExpand|Repeat|Trail|Shortest/.test(op)) expands.add(op);
  }
  return { statements: queries.length, rows, dbHits, dbHitsPerRow: Math.round((dbHits / rows) * 10) / 10, expands: [...expands] };
}

/**
 * PROFILE of `lineagePaths` for the pairs with the fewest and the most paths at each hop
 * distance, so that db hits can be read against the number of paths, and of the lineage walk with and
 * without asOf from the big start nodes (the plan must stay the pruning BFS).
 */
export async function profileQuestions({ graph, starts, pairs, gql, api, cypher }) {
  const paths = [];
  for (const { hops, rank, from, to, paths: count } of pairs) {
    let answered;
    const profile = await profileRequest({ api, cypher, ask: async () => (answered = (await gql(PATHS, { from, to, maxHops: PATH_MAX_HOPS, limit: PATH_LIMIT })).lineagePaths) });
    paths.push({ hops, rank, paths: count, answered: answered.paths.length, truncated: answered.truncated, ...profile });
  }
  const asOf = [];
  for (const { direction, sizeClass, id } of starts.filter((s) => QUESTION_CLASSES.includes(s.sizeClass))) {
    for (const at of [null, graph.samples.recordedUntil]) {
      const profile = await profileRequest({ api, cypher, ask: () => gql(WALK, { id, direction, depth: 20, asOf: at }) });
      asOf.push({ direction, sizeClass, asOf: at, ...profile });
    }
  }
  return { paths, asOf };
}
