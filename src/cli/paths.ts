import type { ApiClient } from './client.js';
import type { Direction, LineageEdge } from '../domain/lineage.js';
import { counted, resolveRef, shortName, SHOWN_NODE, type ShownNode } from './nodes.js';

export interface PathsAnswer {
  direction: Direction | null;
  paths: Array<{ nodes: ShownNode[]; edges: LineageEdge[] }>;
  truncated: boolean;
}

export const PATHS = `query($from: ID!, $to: ID!, $maxHops: Int!, $limit: Int!, $asOf: DateTime) {
  lineagePaths(from: $from, to: $to, maxHops: $maxHops, limit: $limit, asOf: $asOf) {
    direction
    paths { nodes { ${SHOWN_NODE} } edges { from to type inputName } }
    truncated
  }
}`;

/**
 * One path on one line, `from` first, arrows the way lineage flows (→ downstream, ←
 * upstream), an input's name on the edge that reads it.
 */
function chain(path: PathsAnswer['paths'][number], direction: Direction): string {
  const name = (n: ShownNode) => shortName(n.node, n.kind, n.id);
  return path.nodes
    .map((n, i) => {
      if (i === 0) return name(n);
      const input = path.edges[i - 1]?.inputName;
      const arrow = direction === 'DOWNSTREAM' ? (input ? ` ─[${input}]→ ` : ' → ') : input ? ` ←[${input}]─ ` : ' ← ';
      return arrow + name(n);
    })
    .join('');
}

export interface PathsOptions {
  maxHops: number;
  limit: number;
  asOf?: string;
  project?: string;
  json?: boolean;
}

/** The paths for a terminal: which way `to` lies from `from`, then each path, shortest first, and whether there are more. */
export function formatPaths(answer: PathsAnswer, from: string, to: string, { maxHops, limit, asOf }: Pick<PathsOptions, 'maxHops' | 'limit' | 'asOf'>): string {
  const when = asOf ? ` as of ${asOf}` : '';
  if (!answer.direction) {
    const cut = answer.truncated ? ' (the search stopped at its budget: they may be connected further)' : '';
    return `'${from}' and '${to}' are not connected within ${counted(maxHops, 'hop')}${when}${cut}`;
  }
  const first = answer.paths[0]?.nodes;
  const [start, end] = first ? [first[0], first[first.length - 1]].map((n) => shortName(n.node, n.kind, n.id)) : [from, to];
  const lines = [`${answer.direction}: ${end} is ${answer.direction.toLowerCase()} of ${start}${when}`];
  answer.paths.forEach((path, i) => lines.push(`  ${i + 1}. ${counted(path.nodes[path.nodes.length - 1].distance, 'hop')}: ${chain(path, answer.direction!)}`));
  const count = `${counted(answer.paths.length, 'path')} within ${counted(maxHops, 'hop')}, shortest first`;
  const cut = !answer.truncated ? '' : answer.paths.length >= limit ? '; truncated: more paths exist (raise --limit)' : '; truncated: the search stopped at its budget (lower --max-hops)';
  lines.push(count + cut);
  return lines.join('\n');
}

/** `pedigree paths <from> <to>`: every path between two nodes, following lineage one way. */
export async function pathsCommand(from: string, to: string, options: PathsOptions, client: ApiClient): Promise<number> {
  const ids = { from: await resolveRef(client, from, options.project, options.asOf), to: await resolveRef(client, to, options.project, options.asOf) };
  const variables = { ...ids, maxHops: options.maxHops, limit: options.limit, asOf: options.asOf };
  const { lineagePaths } = await client.request<{ lineagePaths: PathsAnswer }>(PATHS, variables);
  console.log(options.json ? JSON.stringify(lineagePaths, null, 2) : formatPaths(lineagePaths, from, to, options));
  return 0;
}
