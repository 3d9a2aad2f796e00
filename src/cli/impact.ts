import type { ApiClient } from './client.js';
import type { LineageKind } from '../domain/lineage.js';
import { counted, describe, resolveRef, SHOWN_NODE, type Shown, type ShownNode } from './nodes.js';

export interface ImpactAnswer {
  root: ShownNode;
  nodes: ShownNode[];
  deployments: Array<{ id: string }>;
  modelVersions: Array<{ id: string; uri: string; status: string }>;
  datasetVersions: Array<{ id: string; uri: string }>;
  aliases: Array<{ alias: { name: string; project: { name: string } }; datum: Shown; current: boolean }>;
  truncated: boolean;
}

export const IMPACT = `query($id: ID!, $depth: Int!, $limit: Int!, $asOf: DateTime) {
  impact(id: $id, depth: $depth, limit: $limit, asOf: $asOf) {
    root { ${SHOWN_NODE} }
    nodes { ${SHOWN_NODE} }
    deployments { id }
    modelVersions { id uri status }
    datasetVersions { id uri }
    aliases { alias { name project { name } } datum { __typename id path uri } current }
    truncated
  }
}`;

/** The order a reader scans the downstream in: the files, the runs that read them, then the versions. */
const KINDS: LineageKind[] = ['DATUM', 'EXECUTION', 'MODEL_VERSION', 'DATASET_VERSION'];

/** One labelled block: the label on the first line, the rest under it. */
function block(label: string, lines: string[]): string[] {
  if (!lines.length) return [`${label.padEnd(18)}-`];
  return lines.map((line, i) => `${(i ? '' : label).padEnd(18)}${line}`);
}

/**
 * The impact for a terminal: what needs a person first (deployments serving it, model
 * versions waiting for approval), then the aliases, then every downstream node by kind,
 * nearest first; `…` marks a node with more beyond the depth.
 */
export function formatImpact(impact: ImpactAnswer, { depth, limit, asOf }: Pick<ImpactOptions, 'depth' | 'limit' | 'asOf'>): string {
  const byId = new Map(impact.nodes.map((n) => [n.id, n]));
  const line = (n: ShownNode) => `${describe(n.node, n.kind, n.id)}${n.frontier ? ' …' : ''}`;
  const away = (id: string) => (byId.has(id) ? `  (${counted(byId.get(id)!.distance, 'hop')})` : '');
  const pending = impact.modelVersions.filter((v) => v.status === 'PENDING');
  const root = impact.root;
  const lines = [`Impact of ${root.kind} ${describe(root.node, root.kind, root.id)}${asOf ? `, as of ${asOf}` : ''}`, ''];
  lines.push(...block('deployments', impact.deployments.map((d) => line(byId.get(d.id)!) + away(d.id))));
  lines.push(...block('pending approval', pending.map((v) => `${v.uri}${away(v.id)}`)));
  const aliases = impact.aliases.map((a) => `datum://${a.alias.name}  ${(a.current ? 'current' : 'past').padEnd(9)}${a.current ? 'points at' : 'pointed at'} ${describe(a.datum, 'DATUM', a.datum.id)}`);
  lines.push(...block('aliases', aliases.sort()));
  const counts: string[] = [];
  for (const kind of KINDS) {
    const ofKind = impact.nodes.filter((n) => n.kind === kind);
    if (!ofKind.length) continue;
    counts.push(counted(ofKind.length, kind.toLowerCase().replace('_', ' ')));
    ofKind.sort((a, b) => a.distance - b.distance || line(a).localeCompare(line(b)));
    lines.push('', `${kind} (${ofKind.length})`, ...ofKind.map((n) => `  ${String(n.distance).padStart(2)}  ${line(n)}`));
  }
  const cut = impact.truncated ? `truncated at ${limit} nodes (raise --limit)` : 'complete';
  const what = [counted(impact.deployments.length, 'deployment'), counted(pending.length, 'pending approval'), counted(impact.aliases.length, 'alias', 'aliases')];
  lines.push('', `${counted(impact.nodes.length, 'node')} downstream within ${counted(depth, 'hop')}${counts.length ? ` (${counts.join(', ')})` : ''}; ${what.join(', ')}; ${cut}`);
  return lines.join('\n');
}

export interface ImpactOptions {
  depth: number;
  limit: number;
  asOf?: string;
  project?: string;
  json?: boolean;
}

/** `pedigree impact <uri|id>`: everything downstream that matters if it is wrong. */
export async function impactCommand(ref: string, options: ImpactOptions, client: ApiClient): Promise<number> {
  const id = await resolveRef(client, ref, options.project, options.asOf);
  const variables = { id, depth: options.depth, limit: options.limit, asOf: options.asOf };
  const { impact } = await client.request<{ impact: ImpactAnswer }>(IMPACT, variables);
  console.log(options.json ? JSON.stringify(impact, null, 2) : formatImpact(impact, options));
  return 0;
}
