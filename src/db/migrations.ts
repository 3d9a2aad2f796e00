import { NODE_LABELS } from '../domain/labels.js';
import type { Executor } from './executor.js';

/**
 * Schema the queries rely on, applied at every start. Each statement is idempotent and
 * runs in its own transaction (Neo4j does not mix schema and data changes).
 *
 * Every node carries `:Entity` beside its own label, so `node(id)` and lineage roots are
 * one unique-index seek whatever the type; every node carries its project's name in
 * `project` (a property with indexes rather than an IN_PROJECT edge: filtering and
 * isolation become an index predicate instead of an extra expand per row).
 */

export const MIGRATIONS: string[] = [
  'CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE',
  ...NODE_LABELS.map((l) => `CREATE CONSTRAINT ${snake(l)}_id IF NOT EXISTS FOR (n:${l}) REQUIRE n.id IS UNIQUE`),
  'CREATE CONSTRAINT project_name IF NOT EXISTS FOR (n:Project) REQUIRE n.name IS UNIQUE',
  // Names that are unique within a project.
  'CREATE CONSTRAINT tag_name IF NOT EXISTS FOR (n:Tag) REQUIRE (n.project, n.name) IS UNIQUE',
  'CREATE CONSTRAINT alias_name IF NOT EXISTS FOR (n:Alias) REQUIRE (n.project, n.name) IS UNIQUE',
  'CREATE CONSTRAINT model_name IF NOT EXISTS FOR (n:Model) REQUIRE (n.project, n.name) IS UNIQUE',
  'CREATE CONSTRAINT dataset_name IF NOT EXISTS FOR (n:Dataset) REQUIRE (n.project, n.name) IS UNIQUE',
  'CREATE CONSTRAINT model_version_uri IF NOT EXISTS FOR (n:ModelVersion) REQUIRE (n.project, n.uri) IS UNIQUE',
  'CREATE CONSTRAINT dataset_version_uri IF NOT EXISTS FOR (n:DatasetVersion) REQUIRE (n.project, n.uri) IS UNIQUE',
  // An external object's versions share its URI (OpenLineage writes one per run): a datum is
  // unique by (project, uri, version), version '' being the URI's unversioned datum, the one
  // GraphQL's external URIs name; stored files (datum://<id>) have no version.
  'CREATE CONSTRAINT datum_uri_version IF NOT EXISTS FOR (n:Datum) REQUIRE (n.project, n.uri, n.version) IS UNIQUE',
  'CREATE INDEX datum_uri_lookup IF NOT EXISTS FOR (n:Datum) ON (n.uri)',
  // Lists ordered newest first, filtered by project (keyset pagination on createdAt, id).
  'CREATE INDEX datum_project_created IF NOT EXISTS FOR (n:Datum) ON (n.project, n.createdAt)',
  'CREATE INDEX execution_project_created IF NOT EXISTS FOR (n:Execution) ON (n.project, n.createdAt)',
  'CREATE INDEX datum_created IF NOT EXISTS FOR (n:Datum) ON (n.createdAt)',
  'CREATE INDEX execution_created IF NOT EXISTS FOR (n:Execution) ON (n.createdAt)',
  'CREATE INDEX datum_project_path IF NOT EXISTS FOR (n:Datum) ON (n.project, n.path)',
  'CREATE INDEX datum_sha256 IF NOT EXISTS FOR (n:Datum) ON (n.sha256)',
  'CREATE INDEX execution_name IF NOT EXISTS FOR (n:Execution) ON (n.project, n.name)',
  // Access: tokens are looked up by hash; the audit log is listed newest first.
  'CREATE CONSTRAINT token_id IF NOT EXISTS FOR (n:Token) REQUIRE n.id IS UNIQUE',
  'CREATE CONSTRAINT token_hash IF NOT EXISTS FOR (n:Token) REQUIRE n.hash IS UNIQUE',
  'CREATE INDEX audit_created IF NOT EXISTS FOR (n:AuditEntry) ON (n.createdAt)',
  // A retried write meets its own audit entry's id when its first attempt committed (see Executor.write).
  'CREATE CONSTRAINT audit_id IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.id IS UNIQUE',
  // Predicates on the current value of a metadata name (group.key; see src/db/cypher/metadata.ts).
  'CREATE INDEX current_name IF NOT EXISTS FOR (n:Current) ON (n.name)',
  'CREATE INDEX current_name_num IF NOT EXISTS FOR (n:Current) ON (n.name, n.num)',
  'CREATE INDEX current_name_str IF NOT EXISTS FOR (n:Current) ON (n.name, n.str)',
  'CREATE INDEX current_name_bool IF NOT EXISTS FOR (n:Current) ON (n.name, n.bool)',
  // Version aliases (dataset://name/latest): one per name within a dataset.
  'CREATE CONSTRAINT version_alias_name IF NOT EXISTS FOR (n:VersionAlias) REQUIRE (n.project, n.owner, n.name) IS UNIQUE',
  // Impact: the aliases that ever pointed at a datum, from their move history.
  'CREATE INDEX alias_move_to IF NOT EXISTS FOR (n:AliasMove) ON (n.to)',
  // The transactional outbox: one counter per project, events read by (project, seq).
  'CREATE CONSTRAINT event_counter_project IF NOT EXISTS FOR (n:EventCounter) REQUIRE n.project IS UNIQUE',
  'CREATE CONSTRAINT outbox_event_id IF NOT EXISTS FOR (n:OutboxEvent) REQUIRE n.id IS UNIQUE',
  'CREATE INDEX outbox_event_seq IF NOT EXISTS FOR (n:OutboxEvent) ON (n.project, n.seq)',
  // Webhooks (src/db/cypher/webhooks.ts): a project's list; each webhook's queue in event
  // order, by status for the dispatcher and across statuses for webhookDeliveries; what
  // pruning looks for (old events, the deliveries that still need one, finished deliveries).
  'CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (n:Webhook) REQUIRE n.id IS UNIQUE',
  'CREATE INDEX webhook_project IF NOT EXISTS FOR (n:Webhook) ON (n.project)',
  'CREATE CONSTRAINT webhook_delivery_event IF NOT EXISTS FOR (n:WebhookDelivery) REQUIRE (n.webhookId, n.eventId) IS UNIQUE',
  'CREATE INDEX webhook_delivery_queue IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.webhookId, n.status, n.seq)',
  'CREATE INDEX webhook_delivery_seq IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.webhookId, n.seq)',
  'CREATE INDEX webhook_delivery_event_id IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.eventId)',
  'CREATE INDEX webhook_delivery_finished IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.finishedAt)',
  'CREATE INDEX outbox_event_at IF NOT EXISTS FOR (n:OutboxEvent) ON (n.at)',
  // Data migrations run once each; their markers say which ran.
  'CREATE CONSTRAINT migration_id IF NOT EXISTS FOR (n:Migration) REQUIRE n.id IS UNIQUE',
];

/** Indexes of an earlier schema, dropped at start once nothing reads them. */
const RETIRED = ['current_key', 'current_num', 'current_str', 'current_bool'];
/** Constraints of an earlier schema, dropped at start once the data migrations ran. */
const RETIRED_CONSTRAINTS = ['datum_uri'];

/**
 * Data written before a rule existed, brought up to it at start; each statement is
 * idempotent. Alias moves and approvals carry their parent's project so that the project
 * predicate applies to them like to every other node.
 */
const BACKFILLS = [
  'MATCH (a:Alias)-[:MOVED]->(m:AliasMove) WHERE m.project IS NULL SET m.project = a.project',
  'MATCH (v:ModelVersion)-[:DECIDED]->(d:Approval) WHERE d.project IS NULL SET d.project = v.project',
  // a move names its alias, so a move heard as an event can answer AliasMove.alias
  'MATCH (a:Alias)-[:MOVED]->(m:AliasMove) WHERE m.aliasId IS NULL SET m.aliasId = a.id',
];

/** Cypher for `metadataName`: a dot or backslash inside a part is escaped with a backslash. */
const escapedPart = (v: string) => `replace(replace(${v}, '\\\\', '\\\\\\\\'), '.', '\\\\.')`;

/**
 * Changes to stored data too large or too stateful to repeat at every start: each runs
 * once, in batches of its own transactions, and leaves a (:Migration {id}) marker.
 */
const DATA_MIGRATIONS: Array<{ id: string; statement: string }> = [
  {
    // Metadata entries were identified by key alone, so a grouped value and an ungrouped
    // one of the same key superseded each other. Each target's entries get their name
    // (group.key) and, per name, the chain is rebuilt in logging order: each entry
    // supersedes the one before it and the newest is :Current. A target is one
    // transaction, so an interrupted run leaves no target half done.
    id: 'metadata-identity-by-group-and-key',
    statement: `MATCH (n:Entity) WHERE EXISTS { (n)<-[:DESCRIBES]-(:MetadataEntry) }
CALL {
  WITH n
  MATCH (n)<-[:DESCRIBES]-(m:MetadataEntry)
  SET m.name = CASE WHEN m.group IS NULL THEN ${escapedPart('m.key')} ELSE ${escapedPart('m.group')} + '.' + ${escapedPart('m.key')} END
  WITH m ORDER BY m.loggedAt, coalesce(m.round, 0), m.id
  WITH m.name AS name, collect(m) AS chain
  CALL { WITH chain UNWIND chain AS e MATCH (e)-[s:SUPERSEDES]->() DELETE s }
  CALL { WITH chain UNWIND chain AS e REMOVE e:Current }
  CALL { WITH chain UNWIND range(1, size(chain) - 1) AS i WITH chain[i] AS later, chain[i - 1] AS earlier CREATE (later)-[:SUPERSEDES]->(earlier) }
  WITH chain[size(chain) - 1] AS newest
  SET newest:Current
} IN TRANSACTIONS OF 200 ROWS`,
  },
  {
    // Lineage `asOf` follows only edges recorded by then, so every lineage edge carries the
    // time it was recorded. Edges from before that rule get the nearest time known: a READ
    // its CONSUMED_BY twin's, any other the later of its two ends' creation (an edge is
    // never recorded before both of its ends exist).
    id: 'lineage-edge-recorded-at',
    statement: `MATCH (s)-[r:PRODUCED_BY|READ|CONSUMED_BY|CONTAINS]->(t) WHERE r.at IS NULL
CALL {
  WITH s, r, t
  OPTIONAL MATCH (t)-[twin:CONSUMED_BY]->(s) WHERE type(r) = 'READ' AND twin.inputName = r.inputName
  SET r.at = coalesce(twin.at, CASE WHEN s.createdAt > t.createdAt THEN s.createdAt ELSE t.createdAt END)
} IN TRANSACTIONS OF 10000 ROWS`,
  },
  {
    // External datums were unique by (project, uri); with versions of one URI they are unique
    // by (project, uri, version), and the one each URI had is its unversioned datum.
    id: 'external-datums-unversioned',
    statement: `MATCH (d:Datum) WHERE d.external = true AND d.version IS NULL
CALL { WITH d SET d.version = '' } IN TRANSACTIONS OF 10000 ROWS`,
  },
];

function snake(label: string) {
  return label.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The names of every constraint and index above. */
const NAMES = MIGRATIONS.map((m) => /^CREATE (?:CONSTRAINT|INDEX) (\w+)/.exec(m)![1]);

/** Whether every constraint and index is in place (for /readyz; a wiped database is not ready). */
export async function isMigrated(executor: Executor): Promise<boolean> {
  const [row] = await executor.query({ cypher: 'SHOW INDEXES YIELD name RETURN collect(name) AS names' });
  const present = new Set(row.names as string[]);
  return NAMES.every((name) => present.has(name));
}

export async function migrate(executor: Executor): Promise<void> {
  for (const statement of MIGRATIONS) {
    try {
      await executor.schema(statement);
    } catch (error) {
      // Another replica may have created the same rule a moment ago.
      if (!/already exists|equivalent/i.test(String((error as Error).message))) throw error;
    }
  }
  await executor.schema('CALL db.awaitIndexes(300)');
  for (const statement of BACKFILLS) await executor.schema(statement);
  for (const { id, statement } of DATA_MIGRATIONS) {
    const [done] = await executor.query({ cypher: 'MATCH (m:Migration {id: $id}) RETURN m.id AS id', params: { id } });
    if (done) continue;
    await executor.schema(statement);
    await executor.schema(`MERGE (m:Migration {id: '${id}'}) ON CREATE SET m.at = datetime()`);
  }
  for (const name of RETIRED) await executor.schema(`DROP INDEX ${name} IF EXISTS`);
  for (const name of RETIRED_CONSTRAINTS) await executor.schema(`DROP CONSTRAINT ${name} IF EXISTS`);
}
