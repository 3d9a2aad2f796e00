/** The side panel: one node's record, metadata cards, tags, aliases and alias history. */
import { action, h, link } from './dom.js';
import { count, formatBytes, formatDuration, formatNumber, formatTime, shortId } from './format.js';
import { KIND_STYLE } from './graph.js';
import { KIND_OF, type Detail, type MetadataEntry } from './queries.js';
import { groupBy } from '../../src/domain/group.js';

export interface PanelActions {
  /** Opens another node in the explorer (a producer, an alias target, a datum:// link). */
  open(id: string): void;
  /** Opens whatever a datum://, model:// or dataset:// URI names, in `project` when the URI came from one. */
  openUri(uri: string, project?: string): void;
  isCompared(id: string): boolean;
  toggleCompare(id: string, name: string): void;
  /** Shows everything downstream that matters if this node is wrong. */
  impact(id: string): void;
  /** Starts picking the other end of the paths from this node. */
  pathsFrom(id: string): void;
  /** Starts picking the node whose upstream this one's is compared with. */
  diffFrom(id: string): void;
  isStopped(id: string): boolean;
  /** Makes the node a stop node of the filter (`title` names it), or walks past it again. */
  toggleStop(id: string, title: string): void;
  /** The time the graph is shown as of, which the record (the present) does not follow. */
  asOf(): string | null;
}

const code = (text: string) => h('code', {}, text);
const dash = () => h('span', { class: 'muted' }, '—');

function field(label: string, value: Node | string | number | null | undefined) {
  return [h('dt', {}, label), h('dd', {}, value == null || value === '' ? dash() : value)];
}

/** A value as a link where its scheme allows one; a graph node's URI opens in its own project. */
const uriLink = (uri: string, actions: PanelActions, project?: string) => link(uri, (target) => actions.openUri(target, project));

const nodeLink = (id: string, text: string, actions: PanelActions) => action(text, () => actions.open(id));

/**
 * A metadata value rendered by its type: sizes in human units, URIs as links, dtypes and
 * paths as code. `project` is the one the value was logged in, where a datum:// alias points.
 */
export function renderValue(entry: MetadataEntry, actions: PanelActions, project?: string): Node {
  switch (entry.type) {
    case 'STORAGE_SIZE':
      return h('span', { class: 'v-size', title: `${entry.value} bytes` }, entry.display || formatBytes(entry.value as number));
    case 'URI':
      return uriLink(String(entry.value), actions, project);
    case 'DTYPE':
      return h('code', { class: 'v-dtype' }, String(entry.value));
    case 'PATH':
      return h('code', { class: 'v-path' }, String(entry.value));
    case 'NUMBER':
      return h('span', { class: 'v-number' }, formatNumber(entry.value as number));
    case 'BOOLEAN':
      return h('span', { class: `pill ${entry.value ? 'pill-yes' : 'pill-no'}` }, String(entry.value));
    case 'DATETIME':
      return h('time', { datetime: String(entry.value), title: String(entry.value) }, formatTime(String(entry.value)));
    case 'JSON':
      return h('pre', { class: 'v-json' }, JSON.stringify(entry.value, null, 1));
    case 'NULL':
      return h('span', { class: 'muted' }, 'null');
    default:
      return h('span', {}, entry.display);
  }
}

/**
 * Metadata as cards, one per group (a value's identity is its group and key, so
 * `accuracy` and `model_metrics.accuracy` sit on two cards): ungrouped keys first, then each
 * group, the system record last.
 */
function metadataCards(entries: MetadataEntry[], actions: PanelActions, project?: string) {
  if (!entries.length) return h('p', { class: 'muted' }, 'No metadata logged.');
  const groups = groupBy(entries, (entry) => entry.group ?? '');
  const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return h(
    'div',
    { class: 'cards' },
    order.map((group) =>
      h(
        'section',
        { class: `card${group === 'system' ? ' card-system' : ''}`, 'data-group': group },
        h('h4', {}, group || 'General'),
        h(
          'dl',
          {},
          groups.get(group)!.map((entry) => [
            // a long key is cut short on the card; its title keeps all of it
            h('dt', { title: `${entry.key}\nlogged by ${entry.loggedBy} · ${entry.source} · ${formatTime(entry.loggedAt)}` }, entry.key),
            h('dd', { 'data-type': entry.type, 'data-key': entry.key, 'data-name': entry.name }, renderValue(entry, actions, project)),
          ]),
        ),
      ),
    ),
  );
}

const rank = (group: string) => (group === '' ? 0 : group === 'system' ? 2 : 1);

function tags(detail: Detail) {
  return detail.tags.length ? h('div', { class: 'tags' }, detail.tags.map((t) => h('span', { class: 'tag' }, t.name))) : h('p', { class: 'muted' }, 'No tags.');
}

function datumRecord(d: Detail, actions: PanelActions) {
  return h(
    'dl',
    { class: 'record' },
    field('URI', d.uri ? uriLink(d.uri, actions, d.project?.name) : null),
    field('Path', d.path ? code(d.path) : null),
    field('Size', d.size != null ? h('span', { title: `${d.size} bytes` }, formatBytes(d.size)) : null),
    field('SHA-256', d.sha256 ? h('code', { class: 'hash', title: d.sha256 }, d.sha256) : null),
    field('Content type', d.contentType),
    field('Produced by', d.producer ? nodeLink(d.producer.id, `${d.producer.name} (${d.producer.kind.toLowerCase()})`, actions) : d.external ? 'external object' : null),
    field('Created', formatTime(d.createdAt)),
    field('Versions', [...(d.modelVersions ?? []), ...(d.datasetVersions ?? [])].length ? h('span', {}, [...(d.modelVersions ?? []), ...(d.datasetVersions ?? [])].map((v) => nodeLink(v.id, v.uri, actions))) : null),
  );
}

function executionRecord(e: Detail, actions: PanelActions) {
  const cost = e.costAmount != null ? `${formatNumber(e.costAmount)} ${e.costCurrency ?? ''}`.trim() : null;
  return h(
    'dl',
    { class: 'record' },
    field('Kind', e.executionKind?.toLowerCase()),
    field('Status', h('span', { class: `state state-${e.executionStatus?.toLowerCase()}` }, e.executionStatus?.toLowerCase() ?? '')),
    field('Commit', e.commit ? code(e.commit) : null),
    field('Repository', e.repository ? uriLink(e.repository, actions, e.project?.name) : null),
    field('Image', e.image ? code(e.image) : null),
    field('Hardware', e.hardware),
    field('Host', e.host),
    field('Commands', e.commands?.length ? h('pre', { class: 'commands' }, e.commands.join('\n')) : null),
    field('Parameters', e.parameters && Object.keys(e.parameters).length ? h('pre', { class: 'v-json' }, JSON.stringify(e.parameters, null, 1)) : null),
    field('Inputs', e.reads?.length ? h('span', {}, e.reads.map((r) => h('span', { class: 'input' }, r.inputName, r.alias ? h('small', {}, ` via datum://${r.alias}`) : null))) : null),
    field('Started', formatTime(e.startedAt)),
    field('Ended', formatTime(e.endedAt)),
    field('Duration', formatDuration(e.duration)),
    field('Attempt', e.attempt),
    field('Cost', cost),
    field('Created by', e.createdBy),
    field('Pipeline run', e.parent ? nodeLink(e.parent.id, e.parent.name, actions) : null),
  );
}

/** A pipeline run's steps in the order they ran: the run has no lineage edges of its own to draw. */
function steps(e: Detail, actions: PanelActions) {
  if (!e.steps?.length) return e.executionKind === 'PIPELINE' ? [h('h3', {}, 'Steps'), h('p', { class: 'muted' }, 'No steps recorded.')] : null;
  const ordered = [...e.steps].sort((a, b) => (a.startedAt ?? a.createdAt).localeCompare(b.startedAt ?? b.createdAt));
  return [
    h('h3', {}, `Steps (${ordered.length})`),
    h(
      'ol',
      { class: 'steps' },
      ordered.map((step) =>
        h(
          'li',
          { 'data-id': step.id },
          nodeLink(step.id, step.name, actions),
          h('small', { class: 'muted' }, ` ${step.kind.toLowerCase()} · `),
          h('span', { class: `state state-${step.status.toLowerCase()}` }, step.status.toLowerCase()),
          h('small', { class: 'muted', title: step.id }, ` ${shortId(step.id)}`),
        ),
      ),
    ),
  ];
}

function versionRecord(v: Detail) {
  return h(
    'dl',
    { class: 'record' },
    field('URI', code(v.versionUri ?? '')),
    v.versionStatus ? field('Status', h('span', { class: `state state-${v.versionStatus.toLowerCase()}` }, v.versionStatus.toLowerCase())) : null,
    field('Created', formatTime(v.createdAt)),
    field('Created by', v.createdBy),
  );
}

function approvals(v: Detail) {
  if (!v.approvals?.length) return null;
  return [
    h('h3', {}, 'Approvals'),
    h('ol', { class: 'timeline' }, v.approvals.map((a) => h('li', {}, h('strong', {}, `${a.from.toLowerCase()} → ${a.to.toLowerCase()}`), ` by ${a.by}, ${formatTime(a.at)}`, a.comment ? h('q', {}, a.comment) : null))),
  ];
}

function aliases(d: Detail, actions: PanelActions) {
  if (!d.aliases) return null;
  if (!d.aliases.length) return [h('h3', {}, 'Aliases'), h('p', { class: 'muted' }, 'No alias points here.')];
  // Retrained files often share a path, so the short id tells the alias's targets apart.
  const where = (m: { id: string; path: string | null; uri: string } | null) => (m ? nodeLink(m.id, `${m.path ?? m.uri} (${shortId(m.id)})`, actions) : h('em', {}, 'nothing'));
  return [
    h('h3', {}, 'Aliases'),
    d.aliases.map((a) =>
      h(
        'section',
        { class: 'alias' },
        h('div', { class: 'alias-head' }, h('code', {}, `datum://${a.name}`), a.protected ? h('span', { class: 'pill pill-protected' }, 'protected') : null),
        h('p', { class: 'muted small' }, count(a.history.totalCount, 'move')),
        h(
          'ol',
          { class: 'timeline' },
          a.history.edges.map(({ node: m }) =>
            h('li', {}, h('time', { datetime: m.at }, formatTime(m.at)), ' ', h('strong', {}, m.by), ': ', where(m.from), ' → ', where(m.to), m.reason ? h('q', {}, m.reason) : null),
          ),
        ),
      ),
    ),
  ];
}

export function renderPanel(detail: Detail, actions: PanelActions): HTMLElement {
  const kind = KIND_OF[detail.__typename];
  const look = KIND_STYLE[kind === 'DATUM' && detail.external ? 'EXTERNAL' : kind];
  const title =
    kind === 'DATUM' ? (detail.path ?? detail.uri ?? detail.id) : kind === 'EXECUTION' ? (detail.name ?? detail.id) : (detail.versionUri ?? detail.id);
  const record = kind === 'DATUM' ? datumRecord(detail, actions) : kind === 'EXECUTION' ? executionRecord(detail, actions) : versionRecord(detail);
  const compared = kind === 'EXECUTION' && actions.isCompared(detail.id);
  const stopped = actions.isStopped(detail.id);
  const asOf = actions.asOf();
  return h(
    'article',
    { class: 'detail', 'data-kind': kind, 'data-id': detail.id },
    h(
      'header',
      { style: `--kind-fill:${look.fill};--kind-border:${look.border}` },
      h('span', { class: 'kind-badge' }, look.label),
      h('h2', { title }, title),
      h('p', { class: 'muted small' }, h('span', { title: detail.id }, `id ${shortId(detail.id)}…`), detail.project ? ` · project ${detail.project.name}` : ''),
      asOf ? h('p', { class: 'muted small as-of-note' }, 'The record as it is now; the graph as of ', h('time', { datetime: asOf }, formatTime(asOf)), '.') : null,
      h(
        'div',
        { class: 'node-actions' },
        h('button', { type: 'button', class: 'ghost small act-impact', title: 'Everything downstream that matters if this is wrong', onclick: () => actions.impact(detail.id) }, 'Impact'),
        h('button', { type: 'button', class: 'ghost small act-paths', title: 'Every path from here to a node you pick next', onclick: () => actions.pathsFrom(detail.id) }, 'Paths from here'),
        // lineageDiff compares datums, model versions and dataset versions, each with its own kind
        kind !== 'EXECUTION'
          ? h('button', { type: 'button', class: 'ghost small act-diff', title: 'Compare the upstream with another node of this kind', onclick: () => actions.diffFrom(detail.id) }, 'Compare upstream with…')
          : null,
        h(
          'button',
          { type: 'button', class: stopped ? 'ghost small act-stop on' : 'ghost small act-stop', title: 'The walk answers this node but does not go past it', onclick: () => actions.toggleStop(detail.id, title) },
          stopped ? '✓ Stop node' : 'Stop here',
        ),
      ),
      kind === 'EXECUTION'
        ? h(
            'button',
            { class: compared ? 'compare-toggle on' : 'compare-toggle', type: 'button', onclick: () => actions.toggleCompare(detail.id, detail.name ?? detail.id) },
            compared ? '✓ In comparison' : '+ Add to comparison',
          )
        : null,
    ),
    record,
    steps(detail, actions),
    approvals(detail),
    h('h3', {}, 'Metadata'),
    metadataCards(detail.metadata, actions, detail.project?.name),
    h('h3', {}, 'Tags'),
    tags(detail),
    aliases(detail, actions),
  );
}
