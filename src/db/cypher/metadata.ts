import { randomUUID } from 'node:crypto';
import type { Query } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import { int } from '../db/records.js';
import type { MetadataValue } from './rules.js';
import { visible } from '../db/cypher/scope.js';

/**
 * How metadata is stored. Neo4j properties cannot hold maps, so each logged value is a
 * node: (:MetadataEntry {name, key, group, type, value (canonical JSON text), num | str |
 * bool, loggedAt, loggedBy, source})-[:DESCRIBES]->(target). A value's identity is its
 * group and key together, kept in `name` (its address, `group.key`; see `metadataName`).
 * The newest entry per (target, name) also carries the label :Current; logging the value
 * again moves the label and links the new entry to the one it supersedes. Indexes on
 * (:Current {name, num|str|bool}) serve predicates on current values without scanning
 * history or the targets.
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

/** Canonical JSON text of a value (bigints as digits), as stored in `value`. */
export const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Writes entries for many targets in one statement; the targets must already be locked,
 * and each (target, name) may appear once (a second value for one identity in the same
 * call is the caller's to refuse or to write as a later `round`: entries of one
 * transaction share `loggedAt`, and `round` orders them). Rows carry `target` and
 * `name`, and the entry node `m` only with `nodes`: an ingest chunk writes 10,000 entries
 * and needs none of them back.
 */
export function writeEntriesQuery(rows: EntryRow[], by: string, { nodes, round = 0 }: { nodes: boolean; round?: number }): Query {
  const seen = new Set<string>();
  const entries = rows.flatMap((row) =>
    row.values.map((v) => {
      const identity = `${row.target}\0${v.name}`;
      if (seen.has(identity)) throw new Error(`metadata ${v.name} twice for ${row.target} in one write`);
      seen.add(identity);
      return {
        id: randomUUID(),
        target: row.target,
        execution: row.execution,
        source: row.source,
        skipUnchanged: row.skipUnchanged ?? false,
        name: v.name,
        key: v.key,
        group: v.group,
        type: v.type,
        value: json(v.value),
        num: v.type === 'STORAGE_SIZE' ? int(v.value as number | bigint) : v.num,
        str: v.str,
        bool: v.bool,
      };
    }),
  );
  return {
    cypher: `UNWIND $entries AS e
MATCH (n:Entity {id: e.target}) WHERE ${visible('n')}
OPTIONAL MATCH (n)<-[:DESCRIBES]-(old:Current {name: e.name})
WITH n, e, old WHERE NOT (e.skipUnchanged AND old IS NOT NULL AND old.type = e.type AND old.value = e.value)
CREATE (m:Entity:MetadataEntry:Current {id: e.id, project: n.project, name: e.name, key: e.key, group: e.group, type: e.type, value: e.value,
        num: e.num, str: e.str, bool: e.bool, loggedAt: ${NOW}, round: $round, loggedBy: $by, source: e.source})
CREATE (m)-[:DESCRIBES]->(n)
FOREACH (o IN CASE WHEN old IS NULL THEN [] ELSE [old] END | REMOVE o:Current CREATE (m)-[:SUPERSEDES]->(o))
WITH m, e
OPTIONAL MATCH (x:Execution {id: e.execution}) WHERE ${visible('x')}
FOREACH (l IN CASE WHEN x IS NULL THEN [] ELSE [x] END | CREATE (m)-[:LOGGED_IN]->(l))
RETURN e.target AS target, m.name AS name${nodes ? ', m' : ''}`,
    params: { entries, by, round: int(round) },
  };
}
