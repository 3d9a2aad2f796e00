/**
 * The impact view, in the side panel: everything downstream that matters if a node is
 * wrong. What needs a person comes first (deployments serving it, model versions waiting
 * for approval), then the aliases that point or pointed there, then every node by kind,
 * nearest first.
 */
import { h } from './dom.js';
import { count, shortId } from './format.js';
import { graphNode, KIND_STYLE, summaryNode } from './graph.js';
import { formatInstant } from './lens.js';
import { nodeChip } from './node-chip.js';
import type { Impact, Kind, LineageNode } from './queries.js';

export interface ImpactOptions {
  depth: number;
  limit: number;
  asOf: string | null;
  /** Whether the graph is filtered: this question takes no filter, and says so. */
  filtered: boolean;
  open(id: string): void;
  /** Back to the node's record. */
  back(): void;
}

/** The order a reader scans the downstream in: the files, the runs that read them, then the versions. */
const KINDS: Kind[] = ['DATUM', 'EXECUTION', 'MODEL_VERSION', 'DATASET_VERSION'];
const KIND_TITLES: Record<Kind, string> = { DATUM: 'Datums', EXECUTION: 'Executions', MODEL_VERSION: 'Model versions', DATASET_VERSION: 'Dataset versions' };

const state = (status: string) => h('span', { class: `state state-${status.toLowerCase()}` }, status.toLowerCase());
const hops = (distance: number) => h('span', { class: 'hops', title: count(distance, 'hop') + ' downstream' }, String(distance));

export function renderImpact(impact: Impact, options: ImpactOptions): HTMLElement {
  const byId = new Map(impact.nodes.map((n) => [n.id, n]));
  const chip = (id: string) => nodeChip(byId.has(id) ? graphNode(byId.get(id)!) : summaryNode(id, null), options.open);
  // a version's status as decided at the time asked about, which the node's record (the present) may not show
  const statusOf = new Map(impact.modelVersions.map((v) => [v.id, v.status]));
  const pending = impact.modelVersions.filter((v) => v.status === 'PENDING');
  const root = graphNode(impact.root);
  const where = options.asOf ? [' as of ', h('time', { datetime: options.asOf }, formatInstant(options.asOf))] : null;

  const needsPerson = [
    ...impact.deployments.map((d) =>
      h('li', { class: 'deployment', 'data-id': d.id }, hops(byId.get(d.id)?.distance ?? 0), h('span', { class: 'flag flag-deploy' }, 'serves'), chip(d.id)),
    ),
    ...pending.map((v) =>
      h('li', { class: 'pending', 'data-id': v.id }, hops(byId.get(v.id)?.distance ?? 0), h('span', { class: 'flag flag-pending' }, 'awaits approval'), chip(v.id)),
    ),
  ];

  const aliases = impact.aliases.map((a) =>
    h(
      'li',
      { class: a.current ? 'alias-current' : 'alias-past', 'data-alias': a.alias.name, 'data-datum': a.datum.id, 'data-current': String(a.current) },
      h('code', {}, `datum://${a.alias.name}`),
      h('span', { class: `pill ${a.current ? 'pill-current' : 'pill-past'}` }, a.current ? 'current' : 'past'),
      a.current ? ' points at ' : ' pointed at ',
      byId.has(a.datum.id) || a.datum.id === impact.root.id
        ? nodeChip(a.datum.id === impact.root.id ? root : graphNode(byId.get(a.datum.id)!), options.open)
        : h('span', {}, `${a.datum.path ?? a.datum.uri} (${shortId(a.datum.id)})`),
    ),
  );

  const groups = KINDS.map((kind) => {
    const nodes = impact.nodes.filter((n) => n.kind === kind).sort((a, b) => a.distance - b.distance);
    if (!nodes.length) return null;
    const look = KIND_STYLE[kind];
    return h(
      'section',
      { class: 'impact-kind', 'data-kind': kind },
      h('h3', {}, h('span', { class: 'dot', style: `background:${look.fill};border-color:${look.border}` }), `${KIND_TITLES[kind]} (${nodes.length})`),
      h(
        'ol',
        { class: 'impact-list' },
        nodes.map((n: LineageNode) =>
          h('li', { 'data-id': n.id }, hops(n.distance), nodeChip(graphNode(n), options.open), statusOf.has(n.id) ? state(statusOf.get(n.id)!) : null),
        ),
      ),
    );
  });

  return h(
    'article',
    { class: 'question impact', 'data-id': impact.root.id },
    h(
      'header',
      {},
      h('button', { type: 'button', class: 'ghost small back', onclick: options.back }, '← Record'),
      h('span', { class: 'kind-badge' }, 'Impact'),
      h('h2', {}, 'If this is wrong'),
      h('p', { class: 'root-line' }, nodeChip(root, options.open)),
      h(
        'p',
        { class: 'muted small' },
        `${count(impact.nodes.length, 'node')} downstream within ${count(options.depth, 'hop')}`,
        where,
        impact.truncated ? h('span', { class: 'cut' }, ` · cut at ${options.limit} nodes: more lies downstream`) : ' · complete',
      ),
      options.filtered ? h('p', { class: 'muted small unfiltered' }, 'The filter shapes the graph only: this answer walks every node.') : null,
    ),
    h('h3', {}, 'Needs a person first'),
    needsPerson.length ? h('ul', { class: 'impact-list needs-person' }, needsPerson) : h('p', { class: 'muted' }, 'No deployment and no model version awaiting approval downstream.'),
    h('h3', {}, 'Aliases'),
    aliases.length ? h('ul', { class: 'impact-list aliases' }, aliases) : h('p', { class: 'muted' }, 'No alias points, or pointed, at anything downstream.'),
    groups,
    impact.truncated
      ? h('p', { class: 'cut truncated' }, `The walk stopped at ${options.limit} nodes; what lies further is not listed.`)
      : null,
  );
}
