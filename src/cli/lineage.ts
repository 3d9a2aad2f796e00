import type { ApiClient } from './client.js';
import type { Direction, LineageEdge } from '../domain/lineage.js';

interface Shown {
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

interface LineageNode {
  id: string;
  kind: string;
  distance: number;
  frontier: boolean;
  redacted: boolean;
  node: Shown | null;
}

export interface LineageGraph {
  root: Shown;
  nodes: LineageNode[];
  edges: LineageEdge[];
  depthReached: number;
  truncated: boolean;
}

// Datum.uri (Uri) and a version's uri (String) differ in type, so the versions' are aliased
const SHOWN = `__typename id ... on Datum { path uri } ... on Execution { name kind status }
  ... on ModelVersion { versionUri: uri versionStatus: status } ... on DatasetVersion { versionUri: uri }`;

const LINEAGE = `query($id: ID!, $direction: LineageDirection!, $depth: Int!, $limit: Int!) {
  lineage(id: $id, direction: $direction, depth: $depth, limit: $limit) {
    root { ${SHOWN} }
    nodes { id kind distance frontier redacted node { ${SHOWN} } }
    edges { from to type inputName }
    depthReached truncated
  }
}`;

/** Which query turns a URI into the id lineage starts from. */
function rootQuery(ref: string): { query: string; field: string } | null {
  if (!ref.includes('://')) return null;
  const field = ref.startsWith('model://') ? 'modelVersion' : ref.startsWith('dataset://') ? 'datasetVersion' : 'datum';
  return { field, query: `query($uri: String!, $project: String) { found: ${field}(uri: $uri, project: $project) { id } }` };
}

/** The id `ref` names: itself, or what its URI resolves to now (an alias where it points). */
export async function resolveRoot(client: ApiClient, ref: string, project?: string): Promise<string | null> {
  const lookup = rootQuery(ref);
  if (!lookup) return ref;
  const { found } = await client.request(lookup.query, { uri: ref, project });
  return found?.id ?? null;
}

const KIND: Record<string, string> = { Datum: 'DATUM', Execution: 'EXECUTION', ModelVersion: 'MODEL_VERSION', DatasetVersion: 'DATASET_VERSION' };

function describe(node: Shown | null, kind: string, id: string): string {
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
 * Which node an edge leads to, walking `direction` from `at`. Edges are stored datum ->
 * execution (PRODUCED_BY, CONSUMED_BY) and version -> datum (CONTAINS): upstream follows
 * PRODUCED_BY and CONTAINS forwards and CONSUMED_BY backwards, downstream the reverse.
 */
function step(edge: LineageEdge, direction: Direction): [string, string] {
  const forwards = edge.type !== 'CONSUMED_BY';
  return forwards === (direction === 'UPSTREAM') ? [edge.from, edge.to] : [edge.to, edge.from];
}

/**
 * The graph as an indented tree from the root. Lineage is a graph, not a tree: a node
 * reached again is named with "(above)" instead of being expanded twice; `…` marks a
 * node with more beyond the depth or limit.
 */
export function formatTree(graph: LineageGraph, direction: Direction): string {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const children = new Map<string, Array<{ id: string; edge: LineageEdge }>>();
  for (const edge of graph.edges) {
    const [parent, child] = step(edge, direction);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push({ id: child, edge });
  }
  const label = (id: string) => {
    const n = nodes.get(id);
    return n ? `${n.kind.padEnd(15)} ${describe(n.node, n.kind, id)}${n.frontier ? ' …' : ''}` : id;
  };
  const rootKind = KIND[graph.root.__typename ?? ''] ?? 'NODE';
  const lines = [`${rootKind.padEnd(15)} ${describe(graph.root, rootKind, graph.root.id)}`];
  const seen = new Set([graph.root.id]);
  const walk = (id: string, indent: string) => {
    const next = (children.get(id) ?? []).sort((a, b) => label(a.id).localeCompare(label(b.id)));
    next.forEach(({ id: child, edge }, i) => {
      const last = i === next.length - 1;
      const input = edge.inputName ? `  (input '${edge.inputName}')` : '';
      const again = seen.has(child);
      lines.push(`${indent}${last ? '└─ ' : '├─ '}${label(child)}${input}${again ? '  (above)' : ''}`);
      if (again) return;
      seen.add(child);
      walk(child, indent + (last ? '   ' : '│  '));
    });
  };
  walk(graph.root.id, '');
  const word = direction === 'UPSTREAM' ? 'upstream' : 'downstream';
  lines.push(`${graph.nodes.length} nodes ${word}, ${graph.depthReached} hop(s)${graph.truncated ? '; truncated at the limit (raise --limit)' : ''}`);
  return lines.join('\n');
}

export interface LineageOptions {
  up?: boolean;
  down?: boolean;
  depth: number;
  limit: number;
  project?: string;
  json?: boolean;
}

/** `pedigree lineage <uri|id>`: upstream by default; both trees with --up --down. */
export async function lineageCommand(ref: string, options: LineageOptions, client: ApiClient): Promise<number> {
  const id = await resolveRoot(client, ref, options.project);
  if (!id) {
    console.error(`pedigree lineage: nothing found at '${ref}'`);
    return 1;
  }
  const directions: Direction[] = options.down ? (options.up ? ['UPSTREAM', 'DOWNSTREAM'] : ['DOWNSTREAM']) : ['UPSTREAM'];
  const graphs: Partial<Record<Direction, LineageGraph>> = {};
  for (const direction of directions) {
    const variables = { id, direction, depth: options.depth, limit: options.limit };
    graphs[direction] = (await client.request<{ lineage: LineageGraph }>(LINEAGE, variables)).lineage;
  }
  if (options.json) console.log(JSON.stringify(directions.length === 1 ? graphs[directions[0]] : graphs, null, 2));
  else console.log(directions.map((d) => formatTree(graphs[d]!, d)).join('\n\n'));
  return 0;
}
