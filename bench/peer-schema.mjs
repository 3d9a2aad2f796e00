// The SDL @neo4j/graphql serves for the comparison: ours' Datum, Execution, Tag and Alias
// over the labels, relationship types and directions bench/load.mjs writes, with the
// current metadata entries as a relationship so that the list's `quality > 0.2`
// predicate is a plain generated filter, and lineage as @cypher fields.

/** Depths the lineage workloads use (quick and full mode). */
export const PEER_DEPTHS = [1, 2, 5, 10, 20];

// One field per depth: Cypher takes no parameter as a variable-length bound, and the
// parameterised alternative (`*1..100` with `WHERE length(p) <= 2 * $depth`) is planned
// as VarLengthExpand(All), which enumerates paths, instead of the VarLengthExpand(Pruning,BFS)
// our walk gets (src/db/cypher/lineage.ts). With a literal bound the peer runs our walk.
// `kept` filters edges and frontier against the nodes returned, as our resolver does.
const upstream = (depth) => `
  upstream${depth}(limit: Int! = 10000): [LineageNode!]!
    @cypher(
      statement: """
      CALL {
        WITH this
        MATCH p = (this)-[:PRODUCED_BY|READ|CONTAINS*1..${2 * depth}]->(n)
        WITH n, min(length(p)) AS edges
        ORDER BY edges, n.id
        LIMIT $limit
        RETURN collect({node: n, edges: edges}) AS found
      }
      WITH [{node: this, edges: 0}] + found AS found
      WITH found, [f IN found | f.node.id] AS kept
      UNWIND found AS f
      WITH f.node AS n, f.edges AS edges, kept
      WITH n, edges, kept,
           [(n)-[r:PRODUCED_BY|READ|CONTAINS]->(m) | {from: n.id, to: m.id, type: type(r), inputName: r.inputName}] AS rels
      RETURN n {
        .id, .uri, .path, .name, .status,
        kind: CASE WHEN n:Datum THEN 'DATUM' WHEN n:Execution THEN 'EXECUTION' WHEN n:ModelVersion THEN 'MODEL_VERSION' ELSE 'DATASET_VERSION' END,
        distance: (edges + 1) / 2,
        frontier: any(r IN rels WHERE NOT r.to IN kept),
        edges: [r IN rels WHERE r.to IN kept]
      } AS node
      """
      columnName: "node"
    )`;

export function peerTypeDefs() {
  return `
type Datum @node @plural(value: "datums") {
  id: ID!
  uri: String!
  path: String!
  createdAt: DateTime!
  project: String!
  producer: Execution @relationship(type: "PRODUCED_BY", direction: OUT)
  tags: [Tag!]! @relationship(type: "TAGGED", direction: OUT)
  aliases: [Alias!]! @relationship(type: "POINTS_TO", direction: IN)
  metadata: [CurrentMetadata!]! @relationship(type: "DESCRIBES", direction: IN)
${PEER_DEPTHS.map(upstream).join('\n')}
}

type Execution @node {
  id: ID!
  name: String!
  status: String!
}

type Tag @node {
  name: String!
}

type Alias @node {
  name: String!
}

type CurrentMetadata @node(labels: ["Current"]) {
  name: String!
  num: Float
}

type LineageNode {
  id: ID!
  kind: String!
  distance: Int!
  frontier: Boolean!
  uri: String
  path: String
  name: String
  status: String
  edges: [LineageEdge!]!
}

type LineageEdge {
  from: ID!
  to: ID!
  type: String!
  inputName: String
}
`;
}
