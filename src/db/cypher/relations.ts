import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';

/**
 * The closed set of per-parent relations the loaders fetch. Each pattern starts at the
 * parent `n` and binds the related node `m`; only these fragments are ever written into
 * Cypher. A `one` relation returns at most one node. Every other relation is a list with a
 * bound beside its pattern: the items one parent answers by default and at most (a field
 * asked for more is LIMIT_EXCEEDED; the full list is a paged root field where named).
 */
export interface Relation {
  pattern: string;
  order: string;
  one?: boolean;
  first?: { default: number; max: number };
}

const newestFirst = 'm.createdAt DESC, m.id DESC';
const oldestFirst = 'm.createdAt, m.id';
/** A list of a parent's neighbours: a hundred by default, a thousand at most. */
const NEIGHBOURS = { default: 100, max: 1_000 } as const;

export const RELATIONS = {
  /** The execution that wrote a datum. */
  producerOf: { pattern: '(n)-[:PRODUCED_BY]->(m:Execution)', order: oldestFirst, one: true },
  /** Executions that read a datum or a model/dataset version (all of them: `executions` has no such filter yet). */
  consumersOf: { pattern: '(n)<-[:READ]-(m:Execution)', order: oldestFirst, first: NEIGHBOURS },
  /** Datums an execution read. */
  inputsOfExecution: { pattern: '(n)-[:READ]->(m:Datum)', order: oldestFirst, first: NEIGHBOURS },
  /** Datums an execution wrote (all of them: `datums(filter: {producer})`). */
  outputsOfExecution: { pattern: '(n)<-[:PRODUCED_BY]-(m:Datum)', order: 'm.path, m.id', first: NEIGHBOURS },
  /** Datums the producer of a datum read: its direct upstream. */
  inputsOfDatum: { pattern: '(n)-[:PRODUCED_BY]->(:Execution)-[:READ]->(m:Datum)', order: oldestFirst, first: NEIGHBOURS },
  /** Datums written by the executions that read a datum: its direct downstream. */
  outputsOfDatum: { pattern: '(n)<-[:READ]-(:Execution)<-[:PRODUCED_BY]-(m:Datum)', order: oldestFirst, first: NEIGHBOURS },
  tagsOf: { pattern: '(n)-[:TAGGED]->(m:Tag)', order: 'm.name', first: NEIGHBOURS },
  aliasesOf: { pattern: '(n)<-[:POINTS_TO]-(m:Alias)', order: 'm.name', first: NEIGHBOURS },
  aliasTarget: { pattern: '(n)-[:POINTS_TO]->(m:Datum)', order: 'm.id', one: true },
  /** Moves of an alias, newest first (paged: `Alias.history`). */
  aliasMoves: { pattern: '(n)-[:MOVED]->(m:AliasMove)', order: 'm.seq DESC', first: { default: 50, max: 1_000 } },
  /** Decisions on a model version, newest first. */
  approvalsOf: { pattern: '(n)-[:DECIDED]->(m:Approval)', order: 'm.at DESC, m.id', first: NEIGHBOURS },
  parentOf: { pattern: '(n)-[:PART_OF]->(m:Execution)', order: 'm.id', one: true },
  /** Steps of a pipeline run (all of them: `executions(filter: {parent})`). */
  stepsOf: { pattern: '(n)<-[:PART_OF]-(m:Execution)', order: oldestFirst, first: NEIGHBOURS },
  /** Versions that contain a datum, or that an execution read. */
  datasetVersionsOf: { pattern: '(n)-[:READ|CONTAINS]-(m:DatasetVersion)', order: newestFirst, first: NEIGHBOURS },
  modelVersionsOf: { pattern: '(n)-[:READ|CONTAINS]-(m:ModelVersion)', order: newestFirst, first: NEIGHBOURS },
  /** Version aliases (`dataset://name/latest`) that point at a dataset version. */
  versionAliasesOf: { pattern: '(n)<-[:POINTS_TO]-(m:VersionAlias)', order: 'm.name', first: NEIGHBOURS },
  /** The model or dataset a version belongs to. */
  ownerOfVersion: { pattern: '(n)<-[:HAS_VERSION]-(m)', order: 'm.id', one: true },
  /** Versions of a model or dataset, newest first (paged: `versions`). */
  versionsOf: { pattern: '(n)-[:HAS_VERSION]->(m)', order: newestFirst, first: { default: 50, max: 1_000 } },
  /** A model's newest APPROVED version. */
  latestApprovedOf: { pattern: "(n)-[:HAS_VERSION]->(m:ModelVersion {status: 'APPROVED'})", order: newestFirst, one: true },
  /** Datums of a version (paged: `datums`). */
  datumsOfVersion: { pattern: '(n)-[:CONTAINS]->(m:Datum)', order: 'm.path, m.id', first: { default: 50, max: 1_000 } },
  /** The execution that logged a metadata entry, the entry it replaced, and what it describes. */
  loggedIn: { pattern: '(n)-[:LOGGED_IN]->(m:Execution)', order: 'm.id', one: true },
  supersedes: { pattern: '(n)-[:SUPERSEDES]->(m:MetadataEntry)', order: 'm.id', one: true },
  describes: { pattern: '(n)-[:DESCRIBES]->(m)', order: 'm.id', one: true },
} satisfies Record<string, Relation>;

export type RelationName = keyof typeof RELATIONS;

/** A page of a parent's related nodes. */
export interface Page {
  /** At most this many items. */
  first: number;
  /** Items skipped before the page (per-parent lists page by offset). */
  offset: number;
}

/** Each parent's related nodes in the token's projects, in the relation's order, `page` cut per parent. */
export function relatedQuery(name: RelationName, ids: readonly string[], page: Page): Query {
  const { pattern, order } = RELATIONS[name];
  return {
    cypher: `UNWIND $ids AS id
MATCH (n:Entity {id: id}) WHERE ${visible('n')}
CALL { WITH n MATCH ${pattern} WHERE ${visible('m')} RETURN DISTINCT m ORDER BY ${order} SKIP $offset LIMIT $first }
RETURN id, collect(m) AS items`,
    params: { ids, first: int(page.first), offset: int(page.offset) },
  };
}

/** How many related nodes each parent has in the token's projects (`totalCount` of per-parent connections). */
export function relatedCountQuery(name: RelationName, ids: readonly string[]): Query {
  const { pattern } = RELATIONS[name];
  return {
    cypher: `UNWIND $ids AS id MATCH (n:Entity {id: id}) WHERE ${visible('n')}
CALL { WITH n MATCH ${pattern} WHERE ${visible('m')} RETURN count(DISTINCT m) AS c } RETURN id, c`,
    params: { ids },
  };
}

/** Projects by name, in the token's projects. */
export const projectsByNameQuery = (names: readonly string[]): Query => ({
  cypher: `UNWIND $names AS name MATCH (p:Project {name: name}) WHERE ${visible('p')} RETURN p`,
  params: { names },
});

/** Inputs one execution answers in `Execution.reads`: by default, and at most. */
export const READS = { default: 100, max: 1_000 } as const;

/** What each execution read (at most `first`), with the input name and the alias it came through. */
export const readsQuery = (ids: readonly string[], first: number): Query => ({
  cypher: `UNWIND $ids AS id
MATCH (e:Execution {id: id}) WHERE ${visible('e')}
CALL { WITH e MATCH (e)-[r:READ]->(m) WHERE ${visible('m')} RETURN r, m ORDER BY r.inputName, m.id LIMIT $first }
RETURN id, collect({inputName: r.inputName, alias: r.alias, node: m}) AS reads`,
  params: { ids, first: int(first) },
});

/** Metadata entries one node answers in `metadata(...)`: by default, and at most. */
export const METADATA_ENTRIES = { default: 1_000, max: 10_000 } as const;

/**
 * Metadata entries of each node: the current value per name, or with `history` every
 * entry, newest first; `names` narrows to those names; at most `first` per node.
 */
export const metadataEntriesQuery = (ids: readonly string[], names: string[] | null, history: boolean, first: number): Query => ({
  cypher: `UNWIND $ids AS id
MATCH (n:Entity {id: id}) WHERE ${visible('n')}
CALL {
  WITH n
  MATCH (n)<-[:DESCRIBES]-(m:MetadataEntry) WHERE ($history OR m:Current) AND ($names IS NULL OR m.name IN $names)
  RETURN m ORDER BY coalesce(m.group, ''), m.key, m.loggedAt DESC, coalesce(m.round, 0) DESC, m.id LIMIT $first
}
RETURN id, collect(m) AS entries`,
  params: { ids, names, history, first: int(first) },
});
