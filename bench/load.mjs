// Loads a generated graph with batched UNWIND statements straight through the driver,
// writing the shape the API writes (src/db/cypher/executions.ts, metadata.ts, tags.ts,
// aliases.ts, versions.ts): `:Entity` and `project` on every node, a READ mirror beside
// every CONSUMED_BY, `at` (when it was recorded) on every lineage edge, metadata as
// MetadataEntry:Current nodes, alias moves as AliasMove nodes, and model versions with
// HAS_VERSION and CONTAINS. One writer stream: parallel batches would lock the
// same hub nodes and spend the time in deadlock retries.

const BATCH = 5_000;

/** Node rows become properties as they are; timestamps travel as ISO text and become DateTimes. */
const NODE_STATEMENTS = {
  Project: `UNWIND $rows AS r CREATE (n:Entity:Project) SET n = r, n.createdAt = datetime(r.createdAt)`,
  Tag: `UNWIND $rows AS r CREATE (n:Entity:Tag) SET n = r, n.createdAt = datetime(r.createdAt)`,
  Datum: `UNWIND $rows AS r CREATE (n:Entity:Datum) SET n = r, n.size = toInteger(r.size), n.createdAt = datetime(r.createdAt)`,
  Execution: `UNWIND $rows AS r CREATE (n:Entity:Execution)
SET n = r, n.attempt = toInteger(r.attempt), n.createdAt = datetime(r.createdAt),
    n.startedAt = datetime(r.startedAt), n.endedAt = datetime(r.endedAt)`,
  // rows are {target, entries}: one index seek per target, not per entry
  MetadataEntry: `UNWIND $rows AS r MATCH (t:Entity {id: r.target})
UNWIND r.entries AS e
CREATE (m:Entity:MetadataEntry:Current)-[:DESCRIBES]->(t)
SET m = e, m.loggedAt = datetime(e.loggedAt)`,
  Alias: `UNWIND $rows AS r MATCH (d:Datum {id: r.target})
CREATE (a:Entity:Alias {id: r.id, project: r.project, name: r.name, protected: false, revision: size(r.moves),
        createdAt: datetime(r.createdAt), updatedAt: datetime(r.updatedAt), updatedBy: 'bench'})-[:POINTS_TO]->(d)
WITH a, r UNWIND r.moves AS m
CREATE (a)-[:MOVED]->(:AliasMove {id: m.id, project: r.project, seq: m.seq, at: datetime(m.at), by: 'bench', from: m.from, to: m.to})`,
  Model: `UNWIND $rows AS r
CREATE (o:Entity:Model {id: r.id, project: r.project, name: r.name, createdAt: datetime(r.createdAt), versionCount: size(r.versions)})
WITH o, r UNWIND r.versions AS v
CREATE (o)-[:HAS_VERSION]->(n:Entity:ModelVersion)
SET n = v, n.version = toInteger(v.version), n.createdAt = datetime(v.createdAt)`,
};

const RELATIONSHIP_STATEMENTS = {
  PRODUCED_BY: `UNWIND $rows AS r MATCH (a:Entity {id: r.from}) MATCH (b:Entity {id: r.to}) CREATE (a)-[:PRODUCED_BY {at: datetime(r.at)}]->(b)`,
  CONSUMED_BY: `UNWIND $rows AS r MATCH (d:Entity {id: r.from}) MATCH (e:Entity {id: r.to})
CREATE (d)-[:CONSUMED_BY {inputName: r.inputName, at: datetime(r.at)}]->(e)
CREATE (e)-[:READ {inputName: r.inputName, at: datetime(r.at)}]->(d)`,
  CONTAINS: `UNWIND $rows AS r MATCH (v:Entity {id: r.from}) MATCH (d:Entity {id: r.to}) CREATE (v)-[:CONTAINS {at: datetime(r.at)}]->(d)`,
  PART_OF: `UNWIND $rows AS r MATCH (a:Entity {id: r.from}) MATCH (b:Entity {id: r.to}) CREATE (a)-[:PART_OF]->(b)`,
  TAGGED: `UNWIND $rows AS r MATCH (a:Entity {id: r.from}) MATCH (b:Entity {id: r.to}) CREATE (a)-[:TAGGED]->(b)`,
};

/** Graph rows one statement row stands for: nodes and relationships it creates. */
const rowsOf = {
  MetadataEntry: (r) => 2 * r.entries.length,
  Alias: (r) => 2 + 2 * r.moves.length,
  Model: (r) => 1 + 2 * r.versions.length,
  CONSUMED_BY: () => 2,
};

/**
 * Writes every node group, then every relationship group, in batches of BATCH rows, one
 * transaction each. Returns the seconds taken and the graph rows (nodes + relationships) written.
 */
export async function loadGraph(driver, database, graph, log) {
  const started = performance.now();
  let written = 0;
  const run = async (name, statement, rows) => {
    const count = rowsOf[name] ?? (() => 1);
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      await driver.executeQuery(statement, { rows: batch }, { database });
      written += batch.reduce((sum, r) => sum + count(r), 0);
    }
    log(`loaded ${name}: ${rows.length} rows, ${written} graph rows so far, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  for (const [label, statement] of Object.entries(NODE_STATEMENTS)) await run(label, statement, graph.nodes[label]);
  for (const [type, statement] of Object.entries(RELATIONSHIP_STATEMENTS)) await run(type, statement, graph.rels[type]);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rows: written, rowsPerSecond: Math.round(written / seconds) };
}
