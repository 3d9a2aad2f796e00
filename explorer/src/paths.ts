/**
 * The paths view, in the side panel: every path between two nodes, shortest first, as a
 * chain of nodes in the way data flowed; pointing at one lights it alone on the graph.
 */
import { h } from './dom.js';
import { count } from './format.js';
import { describe, graphNode, type GraphNode } from './graph.js';
import { formatInstant } from './lens.js';
import { nodeChip } from './node-chip.js';
import type { LineagePath, LineagePaths } from './queries.js';

export interface PathsOptions {
  from: GraphNode;
  to: GraphNode;
  maxHops: number;
  /** The API's bound on maxHops: a person may ask again that far. */
  widest: number;
  limit: number;
  asOf: string | null;
  /** Whether the graph is filtered: this question takes no filter, and says so. */
  filtered: boolean;
  open(id: string): void;
  /** Lights one path (by its index), or all of them (null). */
  light(index: number | null): void;
  /** Asks again with another bound or the ends swapped. */
  again(from: GraphNode, to: GraphNode, maxHops: number): void;
  back(): void;
}

const hopsOf = (path: LineagePath) => path.nodes[path.nodes.length - 1].distance;

export function renderPaths(answer: LineagePaths, options: PathsOptions): HTMLElement {
  const { from, to } = options;
  const name = (node: GraphNode) => describe(node).title;
  // data flows along the arrow: downstream it leaves `from`, upstream it arrives at `from`
  const arrow = answer.direction === 'UPSTREAM' ? '←' : '→';
  const where = options.asOf ? [' as of ', h('time', { datetime: options.asOf }, formatInstant(options.asOf))] : null;
  const saying =
    answer.direction === 'DOWNSTREAM'
      ? `${name(to)} is downstream of ${name(from)}: data flowed from ${name(from)} to it`
      : answer.direction === 'UPSTREAM'
        ? `${name(to)} is upstream of ${name(from)}: ${name(from)} was derived from it`
        : `${name(from)} and ${name(to)} are not connected within ${count(options.maxHops, 'hop')}, either way`;

  const list = answer.paths.map((path, index) =>
    h(
      'li',
      { class: 'path', 'data-index': index, onmouseenter: () => options.light(index), onmouseleave: () => options.light(null), onfocusin: () => options.light(index) },
      h('p', { class: 'path-head' }, h('strong', {}, `Path ${index + 1}`), h('span', { class: 'muted' }, ` · ${count(hopsOf(path), 'hop')} · ${count(path.nodes.length, 'node')}`)),
      h(
        'div',
        { class: 'chain' },
        path.nodes.map((node, i) => [i ? h('span', { class: 'arrow', 'aria-hidden': 'true' }, arrow) : null, nodeChip(graphNode(node), options.open, true)]),
      ),
    ),
  );

  return h(
    'article',
    { class: 'question paths', 'data-direction': answer.direction ?? 'NONE' },
    h(
      'header',
      {},
      h('button', { type: 'button', class: 'ghost small back', onclick: options.back }, '← Record'),
      h('span', { class: 'kind-badge' }, 'Paths'),
      h('h2', {}, `${name(from)} ${arrow} ${name(to)}`),
      h('p', { class: 'direction' }, saying, where, '.'),
      h(
        'p',
        { class: 'muted small' },
        answer.direction ? `${count(answer.paths.length, 'path')}, shortest first, within ${count(options.maxHops, 'hop')}` : null,
        answer.truncated ? h('span', { class: 'cut' }, ` · more than ${options.limit}: the shortest ${options.limit} are listed`) : null,
      ),
      options.filtered ? h('p', { class: 'muted small unfiltered' }, 'The filter shapes the graph only: this answer walks every node.') : null,
      h(
        'div',
        { class: 'question-actions' },
        h('button', { type: 'button', class: 'ghost small', onclick: () => options.again(to, from, options.maxHops) }, 'Swap ends'),
        !answer.direction && options.maxHops < options.widest
          ? h('button', { type: 'button', class: 'ghost small', onclick: () => options.again(from, to, options.widest) }, `Look ${options.widest} hops far`)
          : null,
      ),
    ),
    list.length ? h('ol', { class: 'path-list' }, list) : null,
  );
}
