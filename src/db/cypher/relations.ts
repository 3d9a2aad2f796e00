/**
 * The closed set of per-parent relations the loaders fetch. Each pattern starts at the
 * parent `n` and binds the related node `m`; only these fragments are ever written into
 * Cypher. `one` relations return at most one node.
 */
export interface Relation {
  pattern: string;
  order: string;
  one?: boolean;
}

const newestFirst = 'm.createdAt DESC, m.id DESC';
const oldestFirst = 'm.createdAt, m.id';

export const RELATIONS = {
  /** The execution that wrote a datum. */
  producerOf: { pattern: '(n)-[:PRODUCED_BY]->(m:Execution)', order: oldestFirst, one: true },
  /** Executions that read a datum or a model/dataset version. */
  consumersOf: { pattern: '(n)<-[:READ]-(m:Execution)', order: oldestFirst },
  /** Datums an execution read. */
  inputsOfExecution: { pattern: '(n)-[:READ]->(m:Datum)', order: oldestFirst },
  /** Datums an execution wrote. */
  outputsOfExecution: { pattern: '(n)<-[:PRODUCED_BY]-(m:Datum)', order: 'm.path, m.id' },
  /** Datums the producer of a datum read: its direct upstream. */
  inputsOfDatum: { pattern: '(n)-[:PRODUCED_BY]->(:Execution)-[:READ]->(m:Datum)', order: oldestFirst },
  /** Datums written by the executions that read a datum: its direct downstream. */
  outputsOfDatum: { pattern: '(n)<-[:READ]-(:Execution)<-[:PRODUCED_BY]-(m:Datum)', order: oldestFirst },
  tagsOf: { pattern: '(n)-[:TAGGED]->(m:Tag)', order: 'm.name' },
  aliasesOf: { pattern: '(n)<-[:POINTS_TO]-(m:Alias)', order: 'm.name' },
  aliasTarget: { pattern: '(n)-[:POINTS_TO]->(m:Datum)', order: 'm.id', one: true },
  /** Moves of an alias, newest first. */
  aliasMoves: { pattern: '(n)-[:MOVED]->(m:AliasMove)', order: 'm.seq DESC' },
  /** Decisions on a model version, newest first. */
  approvalsOf: { pattern: '(n)-[:DECIDED]->(m:Approval)', order: 'm.at DESC, m.id' },
  parentOf: { pattern: '(n)-[:PART_OF]->(m:Execution)', order: 'm.id', one: true },
  stepsOf: { pattern: '(n)<-[:PART_OF]-(m:Execution)', order: oldestFirst },
  /** Versions that contain a datum, or that an execution read. */
  datasetVersionsOf: { pattern: '(n)-[:READ|CONTAINS]-(m:DatasetVersion)', order: newestFirst },
  modelVersionsOf: { pattern: '(n)-[:READ|CONTAINS]-(m:ModelVersion)', order: newestFirst },
  /** Version aliases (`dataset://name/latest`) that point at a dataset version. */
  versionAliasesOf: { pattern: '(n)<-[:POINTS_TO]-(m:VersionAlias)', order: 'm.name' },
  /** The model or dataset a version belongs to. */
  ownerOfVersion: { pattern: '(n)<-[:HAS_VERSION]-(m)', order: 'm.id', one: true },
  versionsOf: { pattern: '(n)-[:HAS_VERSION]->(m)', order: newestFirst },
  datumsOfVersion: { pattern: '(n)-[:CONTAINS]->(m:Datum)', order: 'm.path, m.id' },
  /** The execution that logged a metadata entry, the entry it replaced, and what it describes. */
  loggedIn: { pattern: '(n)-[:LOGGED_IN]->(m:Execution)', order: 'm.id', one: true },
  supersedes: { pattern: '(n)-[:SUPERSEDES]->(m:MetadataEntry)', order: 'm.id', one: true },
  describes: { pattern: '(n)-[:DESCRIBES]->(m)', order: 'm.id', one: true },
} satisfies Record<string, Relation>;

export type RelationName = keyof typeof RELATIONS;
