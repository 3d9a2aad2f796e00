import { ApiError, type ApiClient } from './client.js';
import { KIND_OF_LABEL } from '../domain/labels.js';

/**
 * How the lineage commands name nodes: what a user types (an id or a URI) to the id the
 * API walks from, and a node of an answer to text.
 */

/** The fields of a node the lineage commands show. */
export interface Shown {
  __typename?: string;
  id: string;
  path?: string | null;
  uri?: string;
  name?: string;
  kind?: string;
  status?: string;
  versionUri?: string;
  versionStatus?: string;
}

/** A node of a lineage answer (LineageNode), with the fields of SHOWN. */
export interface ShownNode {
  id: string;
  kind: string;
  distance: number;
  frontier: boolean;
  redacted: boolean;
  node: Shown | null;
}

// Datum.uri (Uri) and a version's uri (String) differ in type, so the versions' are aliased
export const SHOWN = `__typename id ... on Datum { path uri } ... on Execution { name kind status }
  ... on ModelVersion { versionUri: uri versionStatus: status } ... on DatasetVersion { versionUri: uri }`;

export const SHOWN_NODE = `id kind distance frontier redacted node { ${SHOWN} }`;

/** Which query turns a URI into an id: a datum (at `asOf`, an alias where it pointed then), a model or dataset version. */
function refQuery(ref: string): string | null {
  if (!ref.includes('://')) return null;
  if (ref.startsWith('model://')) return 'query($uri: String!, $project: String) { found: modelVersion(uri: $uri, project: $project) { id } }';
  if (ref.startsWith('dataset://')) return 'query($uri: String!, $project: String) { found: datasetVersion(uri: $uri, project: $project) { id } }';
  return 'query($uri: String!, $project: String, $asOf: DateTime) { found: datum(uri: $uri, project: $project, asOf: $asOf) { id } }';
}

/**
 * The id `ref` names: itself, or what its URI resolves to (an alias where it points now, or
 * at `asOf` where it pointed then). A URI that names nothing is an error the command prints.
 */
export async function resolveRef(client: ApiClient, ref: string, project?: string, asOf?: string): Promise<string> {
  const query = refQuery(ref);
  if (!query) return ref;
  // only an alias moves over time; the API takes asOf for datum:// URIs alone
  const when = asOf && ref.toLowerCase().startsWith('datum://') ? asOf : undefined;
  const { found } = await client.request(query, { uri: ref, project, ...(when && { asOf: when }) });
  if (!found) throw new ApiError(`nothing found at '${ref}'${when ? ` as of ${when}` : ''}`, []);
  return found.id;
}

/** The lineage kind of a node object (DATUM, EXECUTION, ...). */
export const kindOf = (node: Shown) => KIND_OF_LABEL[node.__typename ?? ''] ?? 'NODE';

/** A node on one line: a datum's path and URI, an execution's name, kind, status and id, a version's URI. */
export function describe(node: Shown | null, kind: string, id: string): string {
  if (!node) return `${kind} ${id} (another project: hidden)`;
  switch (node.__typename) {
    case 'Datum':
      return `${node.path ?? node.uri}  ${node.path ? node.uri : ''}`.trimEnd();
    case 'Execution':
      return `${node.name}  ${node.kind} ${node.status}  ${node.id}`;
    case 'ModelVersion':
      return `${node.versionUri}  ${node.versionStatus}`;
    default:
      return node.versionUri ?? node.id;
  }
}

/**
 * A node in a few words, for chains: a stored datum's path (an external one's URI, which
 * says where it lives), an execution's name, a version's URI.
 */
export function shortName(node: Shown | null, kind: string, id: string): string {
  if (!node) return `${kind} ${id} (hidden)`;
  switch (node.__typename) {
    case 'Datum':
      return node.uri?.startsWith('datum://') ? (node.path ?? node.uri) : (node.uri ?? node.id);
    case 'Execution':
      return node.name ?? node.id;
    default:
      return node.versionUri ?? node.id;
  }
}

/** A count with its noun: `1 hop`, `3 hops`, `2 aliases`. */
export const counted = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
