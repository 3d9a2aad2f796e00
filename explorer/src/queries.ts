/**
 * The GraphQL the explorer sends. Fields of the same name but different types on different
 * node types (an execution's and a model version's `status`, a datum's `uri` scalar and a
 * version's string) are aliased apart, as GraphQL requires.
 */
import { ApiError, gql } from './api.js';
import type { LineageEdge, LineageFilter, LineageKind } from '../../src/domain/lineage.js';

export type { LineageEdge, LineageFilter };
export type Kind = LineageKind;

export interface Summary {
  __typename: 'Datum' | 'Execution' | 'ModelVersion' | 'DatasetVersion' | string;
  id: string;
  path?: string | null;
  uri?: string;
  external?: boolean;
  size?: number | string | null;
  name?: string;
  executionKind?: string;
  executionStatus?: string;
  versionUri?: string;
  versionStatus?: string;
  project?: { name: string };
  createdAt?: string;
}

const SUMMARY = `fragment Summary on Node {
  __typename id
  ... on Datum { path uri external size project { name } createdAt }
  ... on Execution { name executionKind: kind executionStatus: status project { name } }
  ... on ModelVersion { versionUri: uri versionStatus: status project { name } }
  ... on DatasetVersion { versionUri: uri project { name } }
}`;

export const KIND_OF: Record<string, Kind> = { Datum: 'DATUM', Execution: 'EXECUTION', ModelVersion: 'MODEL_VERSION', DatasetVersion: 'DATASET_VERSION' };

export interface LineageNode {
  id: string;
  kind: Kind;
  distance: number;
  frontier: boolean;
  redacted: boolean;
  node: Summary | null;
}
export interface LineageGraph {
  root: Summary;
  nodes: LineageNode[];
  edges: LineageEdge[];
  depthReached: number;
  truncated: boolean;
  /** The nodes a filter hid that DERIVED edges pass through (`via`), by id; null where the token may not read one. */
  hidden?: Map<string, Summary | null>;
}

export type Direction = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';

/** What every lineage question of the page is asked with: the filter controls and the as-of picker. */
export interface Lens {
  /** null: every node. */
  filter: LineageFilter | null;
  /** An ISO time: the graph as it stood then; null for now. */
  asOf: string | null;
}

/** Root fields per request (project by project, node by node): the API's cost limit allows fewer than 50. */
const ROOT_FIELDS_PER_REQUEST = 40;

const LINEAGE_NODE = 'id kind distance frontier redacted node { ...Summary }';
const LINEAGE_EDGE = 'from to type inputName via';
const LINEAGE = `root { ...Summary } nodes { ${LINEAGE_NODE} } edges { ${LINEAGE_EDGE} } depthReached truncated`;


export async function fetchLineage(id: string, direction: Direction, depth: number, limit: number, lens: Lens): Promise<LineageGraph> {
  const data = await gql<{ lineage: LineageGraph }>(
    `query Lineage($id: ID!, $direction: LineageDirection!, $depth: Int!, $limit: Int!, $filter: LineageFilter, $asOf: DateTime) {
      lineage(id: $id, direction: $direction, depth: $depth, limit: $limit, filter: $filter, asOf: $asOf) { ${LINEAGE} }
    }
    ${SUMMARY}`,
    { id, direction, depth, limit, filter: lens.filter, asOf: lens.asOf },
  );
  return { ...data.lineage, hidden: await fetchSummaries(data.lineage.edges.flatMap((e) => e.via ?? [])) };
}

/**
 * The nodes a DERIVED edge passes through, by id, for its tooltip. The API has no look-up
 * of many nodes at once, so each is a `node(id)` root field, 40 to a request as the cost
 * limit allows.
 */
async function fetchSummaries(ids: string[]): Promise<Map<string, Summary | null>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, Summary | null>();
  for (let start = 0; start < unique.length; start += ROOT_FIELDS_PER_REQUEST) {
    const chunk = unique.slice(start, start + ROOT_FIELDS_PER_REQUEST);
    const query = `query(${chunk.map((_, i) => `$i${i}: ID!`).join(', ')}) { ${chunk.map((_, i) => `n${i}: node(id: $i${i}) { ...Summary }`).join(' ')} } ${SUMMARY}`;
    const data = await gql<Record<string, Summary | null>>(query, Object.fromEntries(chunk.map((id, i) => [`i${i}`, id])));
    chunk.forEach((id, i) => found.set(id, data[`n${i}`]));
  }
  return found;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What an alias name may look like; anything else is only searched as a path. */
const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The projects this token may read, by name: the page's project picker. */
export async function fetchProjects(): Promise<string[]> {
  const data = await gql<{ projects: Array<{ name: string }> }>(`{ projects(first: 1000) { name } }`);
  return data.projects.map((p) => p.name);
}

/** A look-up by a name unique only within a project: an alias, an external URI, a version URI. */
interface Lookup {
  field: 'datum' | 'modelVersion' | 'datasetVersion';
  uri: string;
  /** For a datum: an alias resolves where it pointed then. */
  asOf?: string | null;
}

/** The API's answer when a name exists in several projects and none was chosen. */
const ambiguous = (error: unknown) => error instanceof ApiError && error.code === 'BAD_USER_INPUT' && error.field === 'project';

/**
 * Looks a name up in `project`, or in every project when none is chosen: a name found in
 * several comes back once per project (asked of each project the token sees, in one
 * request per 40), so the page can list the matches by project.
 */
async function find(lookup: Lookup, project: string | null, projects: () => Promise<string[]>): Promise<Summary[]> {
  // only a datum look-up takes a time (an alias resolves where it pointed then)
  const dated = lookup.field === 'datum';
  const at = dated ? ', asOf: $asOf' : '';
  const atVariable = dated ? ', $asOf: DateTime' : '';
  const asOf = dated ? { asOf: lookup.asOf ?? null } : {};
  const one = `query($uri: String!, $project: String${atVariable}) { found: ${lookup.field}(uri: $uri, project: $project${at}) { ...Summary } } ${SUMMARY}`;
  try {
    return present((await gql<{ found: Summary | null }>(one, { uri: lookup.uri, project, ...asOf })).found);
  } catch (error) {
    if (project || !ambiguous(error)) throw error;
  }
  const names = await projects();
  const found: Summary[] = [];
  for (let start = 0; start < names.length; start += ROOT_FIELDS_PER_REQUEST) {
    const chunk = names.slice(start, start + ROOT_FIELDS_PER_REQUEST);
    const each = `query($uri: String!${atVariable}, ${chunk.map((_, i) => `$p${i}: String!`).join(', ')}) {
      ${chunk.map((_, i) => `p${i}: ${lookup.field}(uri: $uri, project: $p${i}${at}) { ...Summary }`).join('\n')}
    } ${SUMMARY}`;
    const data = await gql<Record<string, Summary | null>>(each, { uri: lookup.uri, ...asOf, ...Object.fromEntries(chunk.map((name, i) => [`p${i}`, name])) });
    found.push(...chunk.map((_, i) => data[`p${i}`]).filter((s): s is Summary => s != null));
  }
  return found;
}

/**
 * What the search box names: an id, a URI (datum://<id or alias>, model://, dataset://,
 * s3://…), an alias name, or the start of a path, within `project` or in every project the
 * token sees. Returns every match, so the page can open a single one at once and list several.
 */
export async function search(text: string, project: string | null, projects: () => Promise<string[]>, asOf: string | null = null): Promise<Summary[]> {
  const q = text.trim();
  // ids are unique across projects
  if (UUID.test(q)) return present((await gql<{ node: Summary | null }>(`query($id: ID!) { node(id: $id) { ...Summary } } ${SUMMARY}`, { id: q })).node);
  if (q.startsWith('model://')) return find({ field: 'modelVersion', uri: q }, project, projects);
  if (q.startsWith('dataset://')) return find({ field: 'datasetVersion', uri: q }, project, projects);
  if (q.includes('://')) return find({ field: 'datum', uri: q, asOf }, project, projects);

  const byPath = gql<{ datums: { edges: Array<{ node: Summary }> } }>(
    `query($prefix: String!, $project: String) { datums(filter: { pathPrefix: $prefix, project: $project }, first: 25) { edges { node { ...Summary } } } } ${SUMMARY}`,
    { prefix: q, project },
  );
  const byAlias = ALIAS_NAME.test(q) ? find({ field: 'datum', uri: `datum://${q}`, asOf }, project, projects) : Promise.resolve([]);
  const [paths, aliases] = await Promise.allSettled([byPath, byAlias]);
  if (paths.status === 'rejected') throw paths.reason;
  const found = paths.value.datums.edges.map((e) => e.node);
  if (aliases.status === 'fulfilled') found.unshift(...aliases.value.filter((a) => !found.some((d) => d.id === a.id)));
  // an alias name that is not valid as a URI says why in its error
  if (!found.length && aliases.status === 'rejected' && aliases.reason?.code !== 'NOT_FOUND') throw aliases.reason;
  return found;
}

const present = (node: Summary | null) => (node ? [node] : []);

export interface MetadataEntry {
  /** The value's identity: `group.key`, or `key` when ungrouped. */
  name: string;
  key: string;
  group: string | null;
  type: 'STRING' | 'NUMBER' | 'BOOLEAN' | 'JSON' | 'NULL' | 'STORAGE_SIZE' | 'URI' | 'DTYPE' | 'PATH' | 'DATETIME';
  value: unknown;
  display: string;
  loggedAt?: string;
  loggedBy?: string;
  source?: string;
}

const ENTRY = `fragment Entry on MetadataEntry { name key group type value display loggedAt loggedBy source }`;

export interface AliasMove {
  at: string;
  by: string;
  reason: string | null;
  from: { id: string; path: string | null; uri: string } | null;
  to: { id: string; path: string | null; uri: string };
}

export interface Detail extends Summary {
  sha256?: string | null;
  contentType?: string | null;
  producer?: { id: string; name: string; kind: string } | null;
  aliases?: Array<{ name: string; protected: boolean; updatedAt: string | null; updatedBy: string | null; history: { totalCount: number; edges: Array<{ node: AliasMove }> } }>;
  modelVersions?: Array<{ id: string; uri: string }>;
  datasetVersions?: Array<{ id: string; uri: string }>;
  startedAt?: string | null;
  endedAt?: string | null;
  duration?: number | null;
  createdBy?: string;
  commit?: string | null;
  repository?: string | null;
  image?: string | null;
  hardware?: string | null;
  host?: string | null;
  commands?: string[];
  parameters?: Record<string, unknown> | null;
  costAmount?: number | null;
  costCurrency?: string | null;
  attempt?: number;
  parent?: { id: string; name: string } | null;
  steps?: Array<{ id: string; name: string; kind: string; status: string; createdAt: string; startedAt: string | null }>;
  reads?: Array<{ inputName: string; alias: string | null }>;
  approvals?: Array<{ at: string; by: string; from: string; to: string; comment: string | null }>;
  tags: Array<{ name: string }>;
  metadata: MetadataEntry[];
}

export async function fetchDetail(id: string): Promise<Detail | null> {
  const data = await gql<{ node: Detail | null }>(
    `query Detail($id: ID!) {
      node(id: $id) {
        ...Summary
        ... on Datum {
          sha256 contentType
          producer { id name kind }
          tags { name }
          aliases {
            name protected updatedAt updatedBy
            history(first: 20) { totalCount edges { node { at by reason from { id path uri } to { id path uri } } } }
          }
          modelVersions { id uri }
          datasetVersions { id uri }
          metadata { ...Entry }
        }
        ... on Execution {
          createdAt startedAt endedAt duration createdBy commit repository image hardware host commands parameters
          costAmount costCurrency attempt
          parent { id name }
          steps { id name kind status createdAt startedAt }
          reads { inputName alias }
          tags { name }
          metadata { ...Entry }
        }
        ... on ModelVersion { createdAt createdBy approvals { at by from to comment } tags { name } metadata { ...Entry } }
        ... on DatasetVersion { createdAt createdBy tags { name } metadata { ...Entry } }
      }
    }
    ${SUMMARY}
    ${ENTRY}`,
    { id },
  );
  return data.node;
}

/** A metadata value or a creation parameter across the compared executions; `deltas` come at the inputs' precision. */
export interface ComparisonRow {
  name: string;
  key: string;
  group: string | null;
  differs: boolean;
  values: unknown[];
  deltas: Array<number | null>;
}

export interface Comparison {
  executions: Array<{ id: string; name: string; kind: string; status: string; createdAt: string; project: { name: string } }>;
  rows: Array<ComparisonRow & { cells: Array<MetadataEntry | null> }>;
  parameters: ComparisonRow[];
}

export async function compareExecutions(ids: string[]): Promise<Comparison> {
  const data = await gql<{ compareExecutions: Comparison }>(
    `query Compare($ids: [ID!]!) {
      compareExecutions(ids: $ids) {
        executions { id name kind status createdAt project { name } }
        rows { name key group differs values deltas cells { name key group type value display } }
        parameters { name key group differs values deltas }
      }
    }`,
    { ids },
  );
  return data.compareExecutions;
}

export interface Impact {
  root: LineageNode;
  nodes: LineageNode[];
  deployments: Array<{ id: string; name: string; status: string }>;
  modelVersions: Array<{ id: string; uri: string; status: string }>;
  datasetVersions: Array<{ id: string; uri: string }>;
  aliases: Array<{ alias: { name: string; project: { name: string } }; datum: { id: string; path: string | null; uri: string }; current: boolean }>;
  truncated: boolean;
}

/** Everything downstream of `id` that matters if it is wrong, within `depth` hops and `limit` nodes. */
export async function fetchImpact(id: string, depth: number, limit: number, asOf: string | null): Promise<Impact> {
  const data = await gql<{ impact: Impact }>(
    `query Impact($id: ID!, $depth: Int!, $limit: Int!, $asOf: DateTime) {
      impact(id: $id, depth: $depth, limit: $limit, asOf: $asOf) {
        root { ${LINEAGE_NODE} }
        nodes { ${LINEAGE_NODE} }
        deployments { id name status }
        modelVersions { id uri status }
        datasetVersions { id uri }
        aliases { alias { name project { name } } datum { id path uri } current }
        truncated
      }
    }
    ${SUMMARY}`,
    { id, depth, limit, asOf },
  );
  return data.impact;
}

export interface LineagePath {
  nodes: LineageNode[];
  edges: LineageEdge[];
}
export interface LineagePaths {
  direction: 'UPSTREAM' | 'DOWNSTREAM' | null;
  paths: LineagePath[];
  truncated: boolean;
}

/** Every path between two nodes, shortest first, one way along the lineage. */
export async function fetchPaths(from: string, to: string, maxHops: number, limit: number, asOf: string | null): Promise<LineagePaths> {
  const data = await gql<{ lineagePaths: LineagePaths }>(
    `query Paths($from: ID!, $to: ID!, $maxHops: Int!, $limit: Int!, $asOf: DateTime) {
      lineagePaths(from: $from, to: $to, maxHops: $maxHops, limit: $limit, asOf: $asOf) {
        direction truncated
        paths { nodes { ${LINEAGE_NODE} } edges { ${LINEAGE_EDGE} } }
      }
    }
    ${SUMMARY}`,
    { from, to, maxHops, limit, asOf },
  );
  return data.lineagePaths;
}

export interface FieldChange {
  field: string;
  a: unknown;
  b: unknown;
}
export interface ExecutionDiff {
  name: string;
  a: Summary;
  b: Summary;
  changes: FieldChange[];
}
export interface LineageDiff {
  a: Summary;
  b: Summary;
  common: LineageNode[];
  onlyInA: LineageNode[];
  onlyInB: LineageNode[];
  executions: ExecutionDiff[];
  /** The two upstreams as walks, for drawing them: the diff itself lists nodes, not edges. */
  upstreamA: LineageGraph;
  upstreamB: LineageGraph;
}

/**
 * The upstreams of two datums or versions compared, and each walked to the same depth in
 * the same request, since drawing them needs the edges the diff does not list.
 */
export async function fetchDiff(a: string, b: string, depth: number, limit: number): Promise<LineageDiff> {
  const data = await gql<LineageDiff & { lineageDiff: Omit<LineageDiff, 'upstreamA' | 'upstreamB'> }>(
    `query Diff($a: ID!, $b: ID!, $depth: Int!, $limit: Int!) {
      lineageDiff(a: $a, b: $b, depth: $depth) {
        a { ...Summary } b { ...Summary }
        common { ${LINEAGE_NODE} } onlyInA { ${LINEAGE_NODE} } onlyInB { ${LINEAGE_NODE} }
        executions { name a { ...Summary } b { ...Summary } changes { field a b } }
      }
      upstreamA: lineage(id: $a, direction: UPSTREAM, depth: $depth, limit: $limit) { ${LINEAGE} }
      upstreamB: lineage(id: $b, direction: UPSTREAM, depth: $depth, limit: $limit) { ${LINEAGE} }
    }
    ${SUMMARY}`,
    { a, b, depth, limit },
  );
  return { ...data.lineageDiff, upstreamA: data.upstreamA, upstreamB: data.upstreamB };
}
