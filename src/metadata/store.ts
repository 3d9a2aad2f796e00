import { randomUUID } from 'node:crypto';
import type { Query } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import { int } from '../db/records.js';
import type { MetadataValue } from './rules.js';
import { visible } from '../db/cypher/scope.js';

/**
 * How metadata is stored. Neo4j properties cannot hold maps, so each logged value is a
 * node: (:MetadataEntry {key, group, type, value (canonical JSON text), num | str | bool,
 * loggedAt, loggedBy, source})-[:DESCRIBES]->(target). The newest entry per (target, key)
 * also carries the label :Current; logging the key again moves the label and links the
 * new entry to the one it supersedes. Indexes on (:Current {key, num|str|bool}) serve
 * predicates on current values without scanning history or the targets.
 */
export type MetadataSource = 'API' | 'SIDECAR' | 'MANIFEST' | 'SYSTEM';

export interface EntryRow {
  target: string;
  values: MetadataValue[];
  /** The execution that logged the values, when there is one. */
  execution: string | null;
  source: MetadataSource;
  /** Leave out values equal to the current one (re-ingesting a folder changes nothing). */
  skipUnchanged?: boolean;
}

const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Writes entries for many targets in one statement; the targets must already be locked.
 * Rows carry `target` and `key`, and the entry node `m` only with `nodes`: an ingest
 * chunk writes 10,000 entries and needs none of them back.
 */
export function writeEntriesQuery(rows: EntryRow[], by: string, { nodes }: { nodes: boolean }): Query {
  // The same key twice for one target in one write: the last one wins, as in a JSON parser.
  const latest = new Map<string, { row: EntryRow; value: MetadataValue }>();
  for (const row of rows) for (const value of row.values) latest.set(`${row.target}\0${value.key}`, { row, value });
  const entries = [...latest.values()].map(({ row, value: v }) => ({
    id: randomUUID(),
    target: row.target,
    execution: row.execution,
    source: row.source,
    skipUnchanged: row.skipUnchanged ?? false,
    key: v.key,
    group: v.group,
    type: v.type,
    value: json(v.value),
    num: v.type === 'STORAGE_SIZE' ? int(v.value as number | bigint) : v.num,
    str: v.str,
    bool: v.bool,
  }));
  return {
    cypher: `UNWIND $entries AS e
MATCH (n:Entity {id: e.target}) WHERE ${visible('n')}
OPTIONAL MATCH (n)<-[:DESCRIBES]-(old:Current {key: e.key})
WITH n, e, old WHERE NOT (e.skipUnchanged AND old IS NOT NULL AND old.type = e.type AND old.value = e.value AND coalesce(old.group, '') = coalesce(e.group, ''))
CREATE (m:Entity:MetadataEntry:Current {id: e.id, project: n.project, key: e.key, group: e.group, type: e.type, value: e.value,
        num: e.num, str: e.str, bool: e.bool, loggedAt: ${NOW}, loggedBy: $by, source: e.source})
CREATE (m)-[:DESCRIBES]->(n)
FOREACH (o IN CASE WHEN old IS NULL THEN [] ELSE [old] END | REMOVE o:Current CREATE (m)-[:SUPERSEDES]->(o))
WITH m, e
OPTIONAL MATCH (x:Execution {id: e.execution}) WHERE ${visible('x')}
FOREACH (l IN CASE WHEN x IS NULL THEN [] ELSE [x] END | CREATE (m)-[:LOGGED_IN]->(l))
RETURN e.target AS target, m.key AS key${nodes ? ', m' : ''}`,
    params: { entries, by },
  };
}
