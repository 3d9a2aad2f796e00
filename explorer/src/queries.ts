/**
 * The GraphQL the explorer sends. Fields of the same name but different types on different
 * node types (an execution's and a model version's `status`, a datum's `uri` scalar and a
 * version's string) are aliased apart, as GraphQL requires.
 */
import { gql } from './api.js';
import type { LineageEdge, LineageKind } from '../../src/domain/lineage.js';

export type { LineageEdge };
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
}

export type Direction = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';

export async function fetchLineage(id: string, direction: Direction, depth: number, limit: number): Promise<LineageGraph> {
  const data = await gql<{ lineage: LineageGraph }>(
    `query Lineage($id: ID!, $direction: LineageDirection!, $depth: Int!, $limit: Int!) {
      lineage(id: $id, direction: $direction, depth: $depth, limit: $limit) {
        root { ...Summary }
        nodes { id kind distance frontier redacted node { ...Summary } }
        edges { from to type inputName }
        depthReached truncated
      }
    }
    ${SUMMARY}`,
    { id, direction, depth, limit },
  );
  return data.lineage;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What an alias name may look like; anything else is only searched as a path. */
const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * What the search box names: an id, a URI (datum://<id or alias>, model://, dataset://,
 * s3://…), an alias name, or the start of a path. Returns every match, so the page can open
 * a single one at once and list several.
 */
export async function search(text: string): Promise<Summary[]> {
  const q = text.trim();
  if (UUID.test(q)) return present((await gql<{ node: Summary | null }>(`query($id: ID!) { node(id: $id) { ...Summary } } ${SUMMARY}`, { id: q })).node);
  if (q.startsWith('model://')) {
    return present((await gql<{ modelVersion: Summary | null }>(`query($uri: String!) { modelVersion(uri: $uri) { ...Summary } } ${SUMMARY}`, { uri: q })).modelVersion);
  }
  if (q.startsWith('dataset://')) {
    return present((await gql<{ datasetVersion: Summary | null }>(`query($uri: String!) { datasetVersion(uri: $uri) { ...Summary } } ${SUMMARY}`, { uri: q })).datasetVersion);
  }
  if (q.includes('://')) return present((await gql<{ datum: Summary | null }>(`query($uri: String!) { datum(uri: $uri) { ...Summary } } ${SUMMARY}`, { uri: q })).datum);

  const byPath = gql<{ datums: { edges: Array<{ node: Summary }> } }>(
    `query($prefix: String!) { datums(filter: { pathPrefix: $prefix }, first: 25) { edges { node { ...Summary } } } } ${SUMMARY}`,
    { prefix: q },
  );
  const byAlias = ALIAS_NAME.test(q)
    ? gql<{ datum: Summary | null }>(`query($uri: String!) { datum(uri: $uri) { ...Summary } } ${SUMMARY}`, { uri: `datum://${q}` })
    : Promise.resolve({ datum: null });
  const [paths, alias] = await Promise.allSettled([byPath, byAlias]);
  if (paths.status === 'rejected') throw paths.reason;
  const found = paths.value.datums.edges.map((e) => e.node);
  if (alias.status === 'fulfilled' && alias.value.datum && !found.some((d) => d.id === alias.value.datum!.id)) found.unshift(alias.value.datum);
  // An alias that exists but cannot be resolved (ambiguous across projects) says why in its error.
  if (!found.length && alias.status === 'rejected' && alias.reason?.code !== 'NOT_FOUND') throw alias.reason;
  return found;
}

const present = (node: Summary | null) => (node ? [node] : []);

export interface MetadataEntry {
  key: string;
  group: string | null;
  type: 'STRING' | 'NUMBER' | 'BOOLEAN' | 'JSON' | 'NULL' | 'STORAGE_SIZE' | 'URI' | 'DTYPE' | 'PATH' | 'DATETIME';
  value: unknown;
  display: string;
  loggedAt?: string;
  loggedBy?: string;
  source?: string;
}

const ENTRY = `fragment Entry on MetadataEntry { key group type value display loggedAt loggedBy source }`;

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

export interface Comparison {
  executions: Array<{ id: string; name: string; kind: string; status: string; createdAt: string }>;
  rows: Array<{ key: string; group: string | null; differs: boolean; deltas: Array<number | null>; cells: Array<MetadataEntry | null> }>;
}

export async function compareExecutions(ids: string[]): Promise<Comparison> {
  const data = await gql<{ compareExecutions: Comparison }>(
    `query Compare($ids: [ID!]!) {
      compareExecutions(ids: $ids) {
        executions { id name kind status createdAt }
        rows { key group differs deltas cells { key group type value display } }
      }
    }`,
    { ids },
  );
  return data.compareExecutions;
}
