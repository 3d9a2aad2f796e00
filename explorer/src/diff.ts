/**
 * The diff view, in a wide dialog: the upstreams of two datums or versions compared. A
 * table of what changed per step (FIELD | a | b), how many upstream nodes the two share,
 * and both upstreams drawn in one graph with each node coloured by whose it is.
 *
 * Overlaid rather than side by side: the upstreams of two versions of one pipeline share
 * their sources, and a shared node drawn once shows where the two lineages fork and join;
 * two drawings side by side would draw it twice and leave the reader matching nodes across
 * them, with dagre placing the same step at different heights on each side.
 */
import { h } from './dom.js';
import { count } from './format.js';
import { describe, graphNode, SIDE_STYLE, summaryNode, type GraphNode, type Side } from './graph.js';
import { renderParameter } from './compare.js';
import { nodeChip } from './node-chip.js';
import { KIND_OF, type FieldChange, type LineageDiff, type LineageGraph, type LineageNode, type Summary } from './queries.js';

export interface DiffOptions {
  depth: number;
  /** The time the rest of the page is shown as of: the diff itself answers the present. */
  asOf: string | null;
  open(id: string): void;
}

const rootNode = (s: Summary): LineageNode => ({ id: s.id, kind: KIND_OF[s.__typename], distance: 0, frontier: false, redacted: false, node: s });

/** Every node the diff names, by id, for naming the inputs a change lists. */
function nodesOf(diff: LineageDiff): Map<string, GraphNode> {
  const all = [...diff.common, ...diff.onlyInA, ...diff.onlyInB, ...diff.upstreamA.nodes, ...diff.upstreamB.nodes].map(graphNode);
  return new Map([...all, summaryNode(diff.a.id, diff.a), summaryNode(diff.b.id, diff.b)].map((n) => [n.id, n]));
}

/** The two upstreams as one graph, each node with its side; `a` and `b` are the ends. */
export function overlay(diff: LineageDiff): { graph: LineageGraph; sides: Map<string, Side>; ends: string[] } {
  const { upstreamA: A, upstreamB: B } = diff;
  const nodes = new Map<string, LineageNode>();
  for (const n of [...A.nodes, rootNode(diff.b), ...B.nodes]) if (n.id !== diff.a.id && !nodes.has(n.id)) nodes.set(n.id, n);
  const sides = new Map<string, Side>([
    ...diff.common.map((n) => [n.id, 'common'] as const),
    ...diff.onlyInA.map((n) => [n.id, 'only-a'] as const),
    ...diff.onlyInB.map((n) => [n.id, 'only-b'] as const),
    [diff.a.id, 'only-a'],
    [diff.b.id, 'only-b'],
  ]);
  const graph: LineageGraph = {
    root: diff.a,
    nodes: [...nodes.values()],
    edges: [...A.edges, ...B.edges],
    depthReached: Math.max(A.depthReached, B.depthReached),
    truncated: A.truncated || B.truncated,
  };
  return { graph, sides, ends: [diff.a.id, diff.b.id] };
}

const swatch = (side: Side) => h('span', { class: 'swatch', style: `background:${SIDE_STYLE[side].fill};border-color:${SIDE_STYLE[side].border}` });

export function renderDiffSummary(diff: LineageDiff, options: DiffOptions): HTMLElement {
  const differing = diff.executions.filter((e) => e.changes.length).length;
  const tally = (side: Side, n: number, words: string) => h('span', { class: 'tally', 'data-side': side }, swatch(side), h('strong', {}, String(n)), ` ${words}`);
  return h(
    'div',
    { class: 'diff-summary' },
    h(
      'p',
      { class: 'ends' },
      h('span', { class: 'end-label' }, swatch('only-a'), 'a'),
      nodeChip(summaryNode(diff.a.id, diff.a), options.open),
      h('span', { class: 'end-label' }, swatch('only-b'), 'b'),
      nodeChip(summaryNode(diff.b.id, diff.b), options.open),
    ),
    h(
      'p',
      { class: 'tallies' },
      tally('common', diff.common.length, 'in both'),
      tally('only-a', diff.onlyInA.length, 'only in a'),
      tally('only-b', diff.onlyInB.length, 'only in b'),
      h('span', { class: 'tally' }, h('strong', {}, String(differing)), ` ${differing === 1 ? 'step' : 'steps'} ran differently`),
      h('span', { class: 'muted small' }, ` · upstream nodes within ${count(options.depth, 'hop')}`),
    ),
    options.asOf ? h('p', { class: 'muted small' }, 'The diff compares the upstreams as they are now; the time chosen for the graph does not apply to it.') : null,
  );
}

/** The datum ids an `input.<name>` change lists, named as the graph names them. */
function inputs(value: unknown, nodes: Map<string, GraphNode>, open: (id: string) => void): Node {
  const ids = (Array.isArray(value) ? value : [value]).map(String);
  return h('span', { class: 'inputs' }, ids.map((id) => nodeChip(nodes.get(id) ?? summaryNode(id, null), open)));
}

function cell(change: FieldChange, side: 'a' | 'b', nodes: Map<string, GraphNode>, open: (id: string) => void) {
  const value = change[side];
  const absent = value === null || value === undefined;
  return h(
    'td',
    { class: `changed ${side}`, 'data-state': absent ? 'absent' : 'present' },
    absent ? h('span', { class: 'absent' }, '— none') : change.field.startsWith('input.') ? inputs(value, nodes, open) : renderParameter(value),
  );
}

/** `parameters.learning_rate`: where the field lives, muted, then its name. */
function fieldName(field: string) {
  const dot = field.indexOf('.');
  return dot < 0 ? h('code', {}, field) : h('code', {}, h('span', { class: 'muted' }, field.slice(0, dot + 1)), field.slice(dot + 1));
}

export function renderDiffTable(diff: LineageDiff, options: DiffOptions): HTMLElement {
  const nodes = nodesOf(diff);
  const head = (side: 'a' | 'b') => {
    const end = summaryNode(diff[side].id, diff[side]);
    return h('th', { class: side }, swatch(side === 'a' ? 'only-a' : 'only-b'), `${side} · ${describe(end).title}`);
  };
  const steps = diff.executions.map((step) => [
    h(
      'tr',
      { class: 'step', 'data-step': step.name },
      h(
        'th',
        { colspan: 3 },
        h('span', { class: 'step-name' }, step.name),
        h('span', { class: 'runs' }, 'a ', nodeChip(summaryNode(step.a.id, step.a), options.open), ' b ', nodeChip(summaryNode(step.b.id, step.b), options.open)),
      ),
    ),
    step.changes.length
      ? step.changes.map((change) =>
          h('tr', { 'data-step': step.name, 'data-field': change.field }, h('th', { class: 'field' }, fieldName(change.field)), cell(change, 'a', nodes, options.open), cell(change, 'b', nodes, options.open)),
        )
      : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'Two runs, no field differs.')),
  ]);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'diff' },
      h('thead', {}, h('tr', {}, h('th', { class: 'field' }, 'Field'), head('a'), head('b'))),
      h('tbody', {}, steps.length ? steps : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No step ran differently in the two upstreams: the same runs made both.'))),
    ),
  );
}
