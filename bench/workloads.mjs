// The measured pairs: each workload asks the same question through the API (GraphQL over
// HTTP) and as the best hand-written Cypher through the same driver, so record decoding
// counts on both sides and the ratio is what the API layer costs.
import neo4j from 'neo4j-driver';

/** The walk the API runs (src/db/cypher/lineage.ts) without the project predicate: one BFS visiting each node once. */
const walk = (depth, l, r) => `MATCH (root:Entity {id: $id})
CALL {
  WITH root
  MATCH p = (root)${l}[:PRODUCED_BY|READ|CONTAINS*1..${2 * depth}]${r}(n)
  WITH n, min(length(p)) AS edges
  ORDER BY edges, n.id
  LIMIT $cap
  RETURN collect({node: n, edges: edges}) AS found
}`;
const arrows = (direction) => (direction === 'UPSTREAM' ? ['-', '->'] : ['<-', '-']);

/**
 * The walk returning whole nodes, the root left out: the raw side of every lineage row
 * until the API fetched only what its selection reads, kept beside the projected walk
 * for history (the `raw whole nodes` column) and as the first statement of raw impact.
 */
export const rawLineage = (depth, direction = 'UPSTREAM') => {
  const [l, r] = arrows(direction);
  return `${walk(depth, l, r)}
UNWIND found AS f
WITH f.node AS n, f.edges AS edges
RETURN n, edges, [(n)${l}[r:PRODUCED_BY|READ|CONTAINS]${r}(m) | [type(r), m.id, r.inputName]] AS rels`;
};

/**
 * The fair floor for LINEAGE_QUERY: the same walk returning what that selection reads
 * and nothing more: each node's id, labels (its kind) and the four properties the
 * fragments ask for (uri and path of a datum, name and status of an execution), and its
 * walk-direction edges, the root's included (the answer's edges start there). The API
 * reads `project` besides, for redaction, which a raw client does not need.
 */
export const rawLineageProjected = (depth, direction = 'UPSTREAM') => {
  const [l, r] = arrows(direction);
  return `${walk(depth, l, r)}
UNWIND [{node: root, edges: 0}] + found AS f
WITH f.node AS n, f.edges AS edges
RETURN n {.id, .uri, .path, .name, .status, labels: labels(n)} AS node, edges,
  [(n)${l}[r:PRODUCED_BY|READ|CONTAINS]${r}(m) | [type(r), m.id, r.inputName]] AS rels`;
};

export const LINEAGE_QUERY = `query ($id: ID!, $depth: Int!, $direction: LineageDirection = UPSTREAM) {
  lineage(id: $id, direction: $direction, depth: $depth, limit: 10000) {
    depthReached truncated
    nodes { id kind distance frontier node { id ... on Datum { uri path } ... on Execution { name status } } }
    edges { from to type inputName }
  }
}`;

export const LOOKUP_QUERY = 'query ($id: ID!) { node(id: $id) { id ... on Datum { uri path size createdAt } } }';
/** Every 97th datum: spread over the graph's whole history. */
export const lookupIds = (graph) => graph.nodes.Datum.filter((_, i) => i % 97 === 0).map((d) => d.id);

const LIST_QUERY = `query ($first: Int!, $tag: String!) {
  datums(filter: {project: "bench", tagsAny: [$tag], metadata: [{key: "quality", gt: 0.2}]}, first: $first) {
    edges { node { id uri path producer { id name } tags { name } aliases { name } } }
  }
}`;

// From the tag's unique (project, name) seek to its datums, then the predicate per datum.
// The first form tried, from the datums with both conditions in EXISTS, took 0.86 s p50
// for 50 rows on a 39k-node graph and made raw Cypher look slower than the API. The hint
// keeps that start: planned right after the load, before Neo4j had sampled the new
// indexes, the statement once ran past the 60 s transaction limit.
const RAW_LIST = `MATCH (t:Tag {project: $project, name: $tag})<-[:TAGGED]-(n:Datum) USING INDEX t:Tag(project, name)
WHERE EXISTS { MATCH (n)<-[:DESCRIBES]-(m:Current) WHERE m.name = 'quality' AND m.num > 0.2 }
WITH n ORDER BY n.createdAt DESC, n.id DESC LIMIT $first
RETURN n {.id, .uri, .path,
  producer: [(n)-[:PRODUCED_BY]->(e:Execution) | e {.id, .name}][0],
  tags: [(n)-[:TAGGED]->(t:Tag) | t.name],
  aliases: [(n)<-[:POINTS_TO]-(a:Alias) | a.name]} AS datum`;

/**
 * Every workload as {name, ours(i), raw(i)?, rawWhole(i)?, size(data)?}: `i` rotates
 * through start nodes; `size` says how many items the API's answer holds (lineage nodes,
 * list rows); `rawWhole`, on lineage rows, is the walk returning whole nodes, timed as a
 * third side for history. The list's raw side already returns what its query selects.
 */
export function workloads({ graph, gql, cypher, quick }) {
  const roots = graph.samples.published;
  const lookups = lookupIds(graph);
  const pick = (list, i) => list[i % list.length];
  const depths = quick ? [1, 2, 5, 10] : [1, 2, 5, 10, 20];
  // The floors run last: right after the load, Neo4j's own background work inflated them.
  return [
    {
      name: 'point lookup node(id)',
      ours: (i) => gql(LOOKUP_QUERY, { id: pick(lookups, i) }),
      raw: (i) => cypher('MATCH (n:Entity {id: $id}) RETURN n', { id: pick(lookups, i) }),
    },
    ...depths.map((depth) => ({
      name: `lineage upstream depth ${depth}`,
      heavy: depth >= 5,
      ours: (i) => gql(LINEAGE_QUERY, { id: pick(roots, i), depth }),
      raw: (i) => cypher(rawLineageProjected(depth), { id: pick(roots, i), cap: neo4j.int(10_001) }),
      rawWhole: (i) => cypher(rawLineage(depth), { id: pick(roots, i), cap: neo4j.int(10_001) }),
      size: (data) => data.lineage.nodes.length,
    })),
    ...[50, 500].map((first) => ({
      name: `nested list of ${first} datums (producer, tags, aliases)`,
      heavy: true,
      list: { first, tag: graph.samples.topTag },
      ours: () => gql(LIST_QUERY, { first, tag: graph.samples.topTag }),
      raw: () => cypher(RAW_LIST, { project: graph.project, tag: graph.samples.topTag, first: neo4j.int(first) }),
      size: (data) => data.datums.edges.length,
    })),
    { name: 'floor: HTTP {__typename} vs driver RETURN 1', ours: () => gql('{ __typename }'), raw: () => cypher('RETURN 1') },
  ];
}
