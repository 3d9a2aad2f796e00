import { json, type MetadataSource, type MetadataValue } from '../../domain/metadata.js';
import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';
import { NOW } from './time.js';

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
export interface EntryRow {
  /** The new entry's id, made before the first attempt of the transaction. */
  id: string;
  target: string;
  value: MetadataValue;
  /** The execution that logged the values, when there is one. */
  execution: string | null;
  source: MetadataSource;
  /** Leave out values equal to the current one (re-ingesting a folder changes nothing). */
  skipUnchanged?: boolean;
}

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
  const entries = rows.map(({ id, target, value: v, execution, source, skipUnchanged }) => {
    const identity = `${target}\0${v.name}`;
    if (seen.has(identity)) throw new Error(`metadata ${v.name} twice for ${target} in one write`);
    seen.add(identity);
    return {
      id,
      target,
      execution,
      source,
      skipUnchanged: skipUnchanged ?? false,
      name: v.name,
      key: v.key,
      group: v.group,
      type: v.type,
      value: json(v.value),
      num: v.type === 'STORAGE_SIZE' ? int(v.value as number | bigint) : v.num,
      str: v.str,
      bool: v.bool,
    };
  });
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
RETURN e.target AS target, m.name AS name, m.id AS entryId${nodes ? ', m' : ''}`,
    params: { entries, by, round: int(round) },
  };
}

/**
 * Locks the targets of a metadata write (each gets its revision bumped, in id order so two
 * writers never wait on each other in a cycle) and returns them.
 */
export const lockTargetsQuery = (ids: string[]): Query => ({
  cypher: `MATCH (n:Entity) WHERE n.id IN $ids AND ${visible('n')}
WITH n ORDER BY n.id
SET n.revision = coalesce(n.revision, 0) + 1
RETURN n`,
  params: { ids },
});

/** The name of each step that is PART_OF the pipeline run it logs onto (ZenML's step_name:: rule). */
export const stepNamesQuery = (pairs: Array<{ step: string; run: string }>): Query => ({
  cypher: `UNWIND $pairs AS pair
MATCH (s:Execution {id: pair.step})-[:PART_OF]->(:Execution {id: pair.run}) WHERE ${visible('s')}
RETURN pair.step AS step, pair.run AS run, s.name AS name`,
  params: { pairs },
});

/** The current type and canonical value of each (target, name). */
export const currentValuesQuery = (pairs: Array<{ target: string; name: string }>): Query => ({
  cypher: `UNWIND $pairs AS pair
MATCH (n:Entity {id: pair.target})<-[:DESCRIBES]-(c:Current {name: pair.name}) WHERE ${visible('n')}
RETURN pair.target AS target, pair.name AS name, c.type AS type, c.value AS value`,
  params: { pairs },
});
