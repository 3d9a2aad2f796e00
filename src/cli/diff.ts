import type { ApiClient } from './client.js';
import { counted, describe, kindOf, resolveRef, shortName, SHOWN, SHOWN_NODE, type Shown, type ShownNode } from './nodes.js';

export interface DiffAnswer {
  a: Shown;
  b: Shown;
  common: ShownNode[];
  onlyInA: ShownNode[];
  onlyInB: ShownNode[];
  executions: Array<{ name: string; a: Shown; b: Shown; changes: Array<{ field: string; a: unknown; b: unknown }> }>;
}

const RUN = '__typename id name kind status';

export const DIFF = `query($a: ID!, $b: ID!, $depth: Int!) {
  lineageDiff(a: $a, b: $b, depth: $depth) {
    a { ${SHOWN} }
    b { ${SHOWN} }
    common { ${SHOWN_NODE} }
    onlyInA { ${SHOWN_NODE} }
    onlyInB { ${SHOWN_NODE} }
    executions { name a { ${RUN} } b { ${RUN} } changes { field a b } }
  }
}`;

/** Rows as columns two spaces apart, each as wide as its widest cell. */
function table(rows: string[][], indent: string): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => indent + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
}

/**
 * A changed value as text. An input's value is the id (or ids) of what the run read:
 * shown by name where the diff walked it: an external datum by its URI, a stored one by
 * path and URI, since the same path in two runs is two different files.
 */
function valueText(field: string, value: unknown, nodes: Map<string, ShownNode>): string {
  if (value === null || value === undefined) return '-';
  if (field.startsWith('input.')) {
    const name = (id: string) => {
      const n = nodes.get(id);
      if (!n?.node) return id;
      const { path, uri } = n.node;
      return path && uri?.startsWith('datum://') ? `${path} (${uri})` : shortName(n.node, n.kind, id);
    };
    return (Array.isArray(value) ? value : [value]).map((id) => name(String(id))).join(', ');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The diff for a terminal: the two roots, then one table per step that ran differently
 * (field, the value in a's upstream, the value in b's), then how many upstream nodes the
 * two share.
 */
export function formatDiff(diff: DiffAnswer, depth: number): string {
  const nodes = new Map([...diff.common, ...diff.onlyInA, ...diff.onlyInB].map((n) => [n.id, n]));
  const root = (side: 'a' | 'b') => `${side}  ${kindOf(diff[side]).padEnd(15)} ${describe(diff[side], kindOf(diff[side]), diff[side].id)}`;
  const lines = ['Upstreams compared', root('a'), root('b')];
  if (!diff.executions.length) lines.push('', 'No step ran differently in the two upstreams.');
  for (const step of diff.executions) {
    lines.push('', `${step.name}: a ${step.a.id} (${step.a.status}), b ${step.b.id} (${step.b.status})`);
    if (!step.changes.length) lines.push('  no field differs');
    else lines.push(...table([['FIELD', 'A', 'B'], ...step.changes.map((c) => [c.field, valueText(c.field, c.a, nodes), valueText(c.field, c.b, nodes)])], '  '));
  }
  lines.push('', `${diff.common.length} common, ${diff.onlyInA.length} only in a, ${diff.onlyInB.length} only in b (upstream nodes within ${counted(depth, 'hop')})`);
  return lines.join('\n');
}

export interface DiffOptions {
  depth: number;
  project?: string;
  json?: boolean;
}

/** `pedigree diff <a> <b>`: the upstreams of two datums or versions compared, step by step. */
export async function diffCommand(a: string, b: string, options: DiffOptions, client: ApiClient): Promise<number> {
  const ids = { a: await resolveRef(client, a, options.project), b: await resolveRef(client, b, options.project) };
  const { lineageDiff } = await client.request<{ lineageDiff: DiffAnswer }>(DIFF, { ...ids, depth: options.depth });
  console.log(options.json ? JSON.stringify(lineageDiff, null, 2) : formatDiff(lineageDiff, options.depth));
  return 0;
}
