import type { ApiClient } from './client.js';
import type { Direction, LineageEdge } from '../domain/lineage.js';
import { describe, kindOf, resolveRef, SHOWN, SHOWN_NODE, type Shown, type ShownNode } from './nodes.js';

export interface LineageGraph {
  root: Shown;
  nodes: ShownNode[];
  edges: LineageEdge[];
  depthReached: number;
  truncated: boolean;
}

const LINEAGE = `query($id: ID!, $direction: LineageDirection!, $depth: Int!, $limit: Int!) {
  lineage(id: $id, direction: $direction, depth: $depth, limit: $limit) {
    root { ${SHOWN} }
    nodes { ${SHOWN_NODE} }
    edges { from to type inputName }
    depthReached truncated
  }
}`;

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
  const rootKind = kindOf(graph.root);
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
  const id = await resolveRef(client, ref, options.project);
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
