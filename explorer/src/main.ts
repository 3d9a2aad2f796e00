/**
 * The explorer page: search, the lineage drawing with its filter and time, the node panel
 * with the lineage questions (impact, paths, diff), and the comparison tray.
 */
import { ApiError, clearToken, getToken, gql, setToken } from './api.js';
import { renderComparison } from './compare.js';
import { renderDiffSummary, renderDiffTable, overlay } from './diff.js';
import { $, h, replace } from './dom.js';
import { count } from './format.js';
import { groupBy } from '../../src/domain/group.js';
import { DIFF_DEPTH, IMPACT_DEPTH, IMPACT_LIMIT, PATH_HOPS, PATH_LIMIT } from '../../src/domain/lineage.js';
import { createLineageView, describe, edgeKey, graphNode, KIND_STYLE, SIDE_STYLE, summaryNode, type GraphNode, type LineageView } from './graph.js';
import { renderImpact } from './impact.js';
import { createLensControls } from './lens.js';
import { renderPanel, type PanelActions } from './panel.js';
import { renderPaths } from './paths.js';
import {
  compareExecutions,
  fetchDetail,
  fetchDiff,
  fetchImpact,
  fetchLineage,
  fetchPaths,
  fetchProjects,
  KIND_OF,
  search,
  type Comparison,
  type Detail,
  type Direction,
  type LineageGraph,
  type LineagePath,
  type Summary,
} from './queries.js';

/** Nodes per walk: enough for a pipeline's neighbourhood while a layout stays readable; frontier nodes expand the rest. */
const LIMIT = 200;
/** Nodes per upstream drawn in a diff: two pipelines' upstreams, readable overlaid in one layout. */
const DIFF_DRAWN = 300;
/** compareExecutions' own maximum. */
const MAX_COMPARED = 20;

const view = createLineageView($('#graph'));
const compared = new Map<string, string>();
/** The node whose record the panel shows; null when it shows a question or nothing. */
let panelId: string | null = null;
/** Each panel render takes a turn, so a slow answer never replaces a newer one. */
let panelTurn = 0;
/** The last record shown, naming a node that the drawing does not hold. */
let lastDetail: Detail | null = null;
let lastComparison: Comparison | null = null;
/** The node the drawing was walked from, walked again when the filter or the time changes. */
let walkedFrom: string | null = null;
/** The question the panel shows (impact, paths), asked again when the filter or the time changes. */
let question: (() => Promise<void>) | null = null;
/** Picking the other end of a question: the next node clicked or found answers it. */
let picking: { purpose: 'paths' | 'diff'; from: GraphNode } | null = null;
let diffView: LineageView | null = null;

const lens = createLensControls(() => void lookAgain());

function showError(context: string, error: unknown) {
  const e = error instanceof ApiError ? error : new ApiError((error as Error)?.message ?? String(error));
  replace(
    $('#error'),
    h('strong', {}, context),
    ' ',
    h('span', { class: 'message' }, e.message),
    e.code ? h('code', { class: 'code' }, e.code) : null,
    h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', onclick: clearError }, '×'),
  );
  $('#error').hidden = false;
  if (e.code === 'UNAUTHENTICATED') askToken(e.message);
}
function clearError() {
  $('#error').hidden = true;
}

/** An error inside a dialog, which covers the page's error bar: the API's message and code in one line. */
function inlineError(error: unknown) {
  return h('p', { class: 'error-inline' }, error instanceof ApiError ? `${error.message}${error.code ? ` (${error.code})` : ''}` : String(error));
}

/** Nothing the search box understands names `q`. */
function noMatch(q: string, project: string | null) {
  const where = project ? ` in project ${project}` : '';
  showError('No match.', new ApiError(`Nothing matches "${q}"${where}: no datum path starts with it, and it is not an alias, URI or id.`));
}

function setStatus(...parts: Array<string | Node>) {
  replace($('#status'), parts);
}

function askToken(reason?: string) {
  const dialog = $<HTMLDialogElement>('#token-dialog');
  $<HTMLInputElement>('#token-input').value = '';
  replace($('#token-error'), reason ?? '');
  if (!dialog.open) dialog.showModal();
}

async function saveToken(event: Event) {
  event.preventDefault();
  const token = $<HTMLInputElement>('#token-input').value.trim();
  if (!token) return;
  try {
    // The cheapest authenticated request: it proves the token before the page relies on it.
    await gql('{ __typename }', {}, token);
  } catch (error) {
    replace($('#token-error'), error instanceof ApiError ? error.message : String(error));
    return;
  }
  setToken(token);
  $<HTMLDialogElement>('#token-dialog').close();
  clearError();
  renderTokenState();
  void loadProjects().catch((error) => showError('Could not list the projects.', error));
  if (location.hash.length > 1) void openNode(decodeURIComponent(location.hash.slice(1)));
}

function renderTokenState() {
  $('#token-button').textContent = getToken() ? 'Token ✓' : 'Set token';
}

/** The project the picker narrows searches to; null for every project the token sees. */
const chosenProject = () => $<HTMLSelectElement>('#project').value || null;

/** Fills the project picker with the projects the token sees now, keeping the choice; returns their names. */
async function loadProjects(): Promise<string[]> {
  const names = await fetchProjects();
  const picker = $<HTMLSelectElement>('#project');
  const chosen = picker.value;
  replace(picker, h('option', { value: '' }, 'All projects'), names.map((name) => h('option', { value: name }, name)));
  picker.value = names.includes(chosen) ? chosen : '';
  return names;
}

function searchParams(): { direction: Direction; depth: number } {
  const depth = Math.min(50, Math.max(1, Number($<HTMLInputElement>('#depth').value) || 2));
  return { direction: $<HTMLSelectElement>('#direction').value as Direction, depth };
}

async function runSearch(event: Event) {
  event.preventDefault();
  const q = $<HTMLInputElement>('#q').value.trim();
  if (!q) return;
  clearError();
  $('#results').hidden = true;
  setStatus(`Searching for ${q}…`);
  try {
    const project = chosenProject();
    const found = await search(q, project, loadProjects, lens.read().asOf);
    if (found.length === 0) {
      setStatus('');
      noMatch(q, project);
    } else if (found.length === 1) {
      await openNode(found[0].id);
    } else {
      showResults(q, found);
    }
  } catch (error) {
    setStatus('');
    showError('Search failed.', error);
  }
}

function resultLabel(s: Summary) {
  return s.path ?? s.versionUri ?? s.name ?? s.uri ?? s.id;
}

/** Several matches, listed under the project each belongs to (an alias name may exist in several); choosing one opens it, or answers a pick. */
function showResults(q: string, found: Summary[], choose: (s: Summary) => void = (s) => void openNode(s.id)) {
  const byProject = groupBy(found, (s) => s.project?.name ?? '');
  const projects = [...byProject.keys()].sort();
  setStatus(`${found.length} matches for ${q}${projects.length > 1 ? ` in ${projects.length} projects` : ''}`);
  replace(
    $('#results'),
    h('h3', {}, `${found.length} matches`, projects.length > 1 ? ` in ${projects.length} projects` : ''),
    projects.map((project) =>
      h(
        'section',
        { class: 'result-project', 'data-project': project },
        h('h4', {}, project ? `project ${project}` : 'project hidden'),
        h(
          'ul',
          {},
          byProject.get(project)!.map((s) =>
            h(
              'li',
              {},
              h(
                'button',
                { type: 'button', 'data-id': s.id, onclick: () => ($('#results').hidden = true, choose(s)) },
                h('span', { class: 'dot', style: `background:${KIND_STYLE[KIND_OF[s.__typename]]?.border}` }),
                h('span', { class: 'result-title' }, resultLabel(s)),
                h('small', {}, s.createdAt ? new Date(s.createdAt).toLocaleDateString() : ''),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  $('#results').hidden = false;
}

/** Each walk takes a turn: clicking three checkboxes asks three times, and only the last answer is drawn. */
let walkTurn = 0;

/**
 * Walks the lineage around `id` as the controls say: null (and the error shown) when the
 * API refuses, undefined when a newer walk started meanwhile.
 */
async function walk(id: string): Promise<LineageGraph | null | undefined> {
  const turn = ++walkTurn;
  const { direction, depth } = searchParams();
  setStatus('Walking the lineage…');
  try {
    const graph = await fetchLineage(id, direction, depth, LIMIT, lens.read());
    return turn === walkTurn ? graph : undefined;
  } catch (error) {
    if (turn !== walkTurn) return undefined;
    setStatus('');
    showError('Could not load the lineage.', error);
    return null;
  }
}

function draw(id: string, graph: LineageGraph) {
  $('#empty').hidden = true;
  walkedFrom = id;
  view.show(graph);
  view.markCompared(new Set(compared.keys()));
  history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  const frontier = graph.nodes.filter((n) => n.frontier).length;
  const derived = graph.edges.filter((e) => e.type === 'DERIVED').length;
  const lensWords = lens.summary();
  const root = view.nodes().find((n) => n.id === id);
  setStatus(
    h('strong', {}, root ? describe(root).title : id),
    ` · ${count(graph.nodes.length + 1, 'node')}, ${count(graph.edges.length, 'edge')}, depth ${graph.depthReached}`,
    lensWords.length ? h('span', { class: 'lens-words' }, ` · ${lensWords.join(' · ')}`) : '',
    derived ? h('span', { class: 'derived' }, ` · ${count(derived, 'dashed edge')} ${derived === 1 ? 'crosses' : 'cross'} hidden nodes`) : '',
    graph.truncated ? h('span', { class: 'cut' }, ` · cut at ${LIMIT} nodes`) : '',
    frontier ? h('span', { class: 'cut' }, ` · ${count(frontier, 'dashed node')} ${frontier === 1 ? 'leads' : 'lead'} further: click to expand`) : '',
  );
  renderTray();
}

async function openNode(id: string) {
  endPick();
  const graph = await walk(id);
  if (!graph) return;
  // The panel takes its width before the layout fits the graph into what is left.
  const panel = showPanel(id);
  draw(id, graph);
  view.select(id);
  await panel;
}

/** The filter or the time changed: the drawing, and what the panel shows, are asked again. */
async function lookAgain() {
  clearError();
  if (!walkedFrom) return;
  const graph = await walk(walkedFrom);
  if (graph === undefined) return;
  if (!graph) {
    // what is drawn no longer answers what the controls say
    view.clear();
    return;
  }
  draw(walkedFrom, graph);
  if (question) await question();
  else if (panelId) await showPanel(panelId);
}

async function expand(node: GraphNode) {
  setStatus(`Expanding ${describe(node).title}…`);
  try {
    const added = view.merge(await fetchLineage(node.id, 'BOTH', 1, LIMIT, lens.read()), node.id);
    renderTray();
    setStatus(h('strong', {}, describe(node).title), ` expanded: ${count(added, 'new node')} · ${view.nodes().length} in view`);
  } catch (error) {
    showError(`Could not expand ${describe(node).title}.`, error);
  }
}

/** The panel shows `content` once `answer` arrives, unless something newer took it meanwhile. */
async function inPanel<T>(answer: Promise<T>, content: (value: T) => Node, failure: string): Promise<T | null> {
  const turn = ++panelTurn;
  const panel = $('#panel');
  panel.hidden = false;
  replace(panel, h('p', { class: 'muted loading' }, 'Loading…'));
  const close = () => h('button', { type: 'button', class: 'close', 'aria-label': 'Close panel', onclick: closePanel }, '×');
  try {
    const value = await answer;
    if (turn !== panelTurn) return null;
    replace(panel, close(), content(value));
    return value;
  } catch (error) {
    if (turn === panelTurn) replace(panel, close(), h('p', { class: 'muted' }, failure));
    showError(failure, error);
    return null;
  }
}

/** A node by id, as drawn, or as the last record named it. */
function known(id: string): GraphNode {
  return view.nodes().find((n) => n.id === id) ?? summaryNode(id, lastDetail?.id === id ? lastDetail : null);
}

async function showImpact(id: string) {
  endPick();
  panelId = null;
  question = () => showImpact(id);
  const { asOf, filter } = lens.read();
  const impact = await inPanel(
    fetchImpact(id, IMPACT_DEPTH.default, IMPACT_LIMIT.default, asOf),
    (answer) =>
      renderImpact(answer, { depth: IMPACT_DEPTH.default, limit: IMPACT_LIMIT.default, asOf, filtered: !!filter, open: (n) => void openNode(n), back: () => void showPanel(id) }),
    'Could not walk the impact.',
  );
  if (impact) view.highlight(new Set([id, ...impact.nodes.map((n) => n.id)]));
}

/** Lights the given paths (and both ends) on the graph and fades the rest. */
function lightPaths(paths: LineagePath[], ends: string[]) {
  view.highlight(new Set([...ends, ...paths.flatMap((p) => p.nodes.map((n) => n.id))]), new Set(paths.flatMap((p) => p.edges.map(edgeKey))));
}

async function showPaths(from: GraphNode, to: GraphNode, maxHops: number) {
  endPick();
  panelId = null;
  question = () => showPaths(from, to, maxHops);
  const { asOf, filter } = lens.read();
  const ends = [from.id, to.id];
  const answer = await inPanel(
    fetchPaths(from.id, to.id, maxHops, PATH_LIMIT.default, asOf),
    (paths) =>
      renderPaths(paths, {
        from,
        to,
        maxHops,
        widest: PATH_HOPS.max,
        limit: PATH_LIMIT.default,
        asOf,
        filtered: !!filter,
        open: (id) => void openNode(id),
        light: (index) => lightPaths(index == null ? paths.paths : [paths.paths[index]], ends),
        again: (a, b, hops) => void showPaths(a, b, hops),
        back: () => void showPanel(from.id),
      }),
    'Could not find the paths.',
  );
  if (!answer) return;
  // the paths may run through nodes the walk did not reach; two ends without one are drawn apart
  view.include([from, to, ...answer.paths.flatMap((p) => p.nodes.map(graphNode))], answer.paths.flatMap((p) => p.edges));
  lightPaths(answer.paths, ends);
  setStatus(
    h('strong', {}, `${describe(from).title} ${answer.direction === 'UPSTREAM' ? '←' : '→'} ${describe(to).title}`),
    answer.direction ? ` · ${count(answer.paths.length, 'path')} lit, the other nodes faded` : ` · not connected within ${count(maxHops, 'hop')}`,
  );
}

async function showDiff(a: string, b: string) {
  endPick();
  const dialog = $<HTMLDialogElement>('#diff-dialog');
  replace($('#diff-summary'), h('p', { class: 'muted' }, 'Comparing the upstreams…'));
  replace($('#diff-table'));
  if (!dialog.open) dialog.showModal();
  const open = (id: string) => (dialog.close(), void openNode(id));
  if (!diffView) {
    // created once the dialog is open: Cytoscape measures its container when it starts
    diffView = createLineageView($('#diff-graph'));
    diffView.onTap((node) => open(node.id));
  }
  diffView.clear();
  const options = { depth: DIFF_DEPTH.default, asOf: lens.read().asOf, open };
  try {
    const diff = await fetchDiff(a, b, DIFF_DEPTH.default, DIFF_DRAWN);
    replace($('#diff-summary'), renderDiffSummary(diff, options));
    replace($('#diff-table'), renderDiffTable(diff, options));
    const { graph, sides, ends } = overlay(diff);
    diffView.show(graph);
    diffView.colourSides(sides, ends);
  } catch (error) {
    replace($('#diff-summary'), inlineError(error));
  }
}

/** Waits for the other end of a question: a node clicked on the graph, or found by the picker's search. */
function startPick(purpose: 'paths' | 'diff', fromId: string) {
  const from = known(fromId);
  picking = { purpose, from };
  const title = describe(from).title;
  replace(
    $('#picker-text'),
    purpose === 'paths' ? ['Paths from ', h('strong', {}, title), ': click the other end on the graph, or find it'] : ['Compare the upstream of ', h('strong', {}, title), ' with: click a node of its kind, or find it'],
  );
  $('#picker').hidden = false;
  $<HTMLInputElement>('#picker-q').value = '';
  $<HTMLInputElement>('#picker-q').focus();
}

function endPick() {
  picking = null;
  $('#picker').hidden = true;
}

function picked(to: GraphNode) {
  if (!picking) return;
  const { purpose, from } = picking;
  if (to.id === from.id) return showError('Pick another node.', new ApiError(`${describe(from).title} is where the question starts; pick the node at its other end.`));
  if (purpose === 'paths') void showPaths(from, to, PATH_HOPS.default);
  else void showDiff(from.id, to.id);
}

async function findPicked(event: Event) {
  event.preventDefault();
  const q = $<HTMLInputElement>('#picker-q').value.trim();
  if (!q || !picking) return;
  clearError();
  try {
    const project = chosenProject();
    const found = await search(q, project, loadProjects, lens.read().asOf);
    const choose = (s: Summary) => picked(view.nodes().find((n) => n.id === s.id) ?? summaryNode(s.id, s));
    if (found.length === 1) choose(found[0]);
    else if (found.length > 1) showResults(q, found, choose);
    else noMatch(q, project);
  } catch (error) {
    showError('Search failed.', error);
  }
}

/** Shows a node's record; a question the panel showed is put away, its answer left lit until the panel closes. */
async function showPanel(id: string) {
  panelId = id;
  question = null;
  view.select(id);
  await inPanel(
    fetchDetail(id),
    (detail) => {
      lastDetail = detail;
      return detail ? renderPanel(detail, actions) : h('p', { class: 'muted' }, 'This node belongs to a project your token cannot read; only its id and kind are shown.');
    },
    'Could not load the record.',
  );
}

function closePanel() {
  panelId = null;
  question = null;
  panelTurn++;
  view.clearHighlight();
  $('#panel').hidden = true;
}

/** Opens a datum://, model:// or dataset:// URI from a record, in the project of the record it came from. */
async function openUri(uri: string, project?: string) {
  clearError();
  $('#results').hidden = true;
  try {
    const found = await search(uri, project ?? chosenProject(), loadProjects);
    if (found.length === 1) await openNode(found[0].id);
    else if (found.length > 1) showResults(uri, found);
    else showError('No match.', new ApiError(`${uri} names nothing this token can read`));
  } catch (error) {
    showError(`Could not open ${uri}.`, error);
  }
}

const actions: PanelActions = {
  open: (id) => void openNode(id),
  openUri: (uri, project) => void openUri(uri, project),
  isCompared: (id) => compared.has(id),
  toggleCompare(id, name) {
    if (compared.has(id)) compared.delete(id);
    else if (compared.size >= MAX_COMPARED) return showError('Comparison is full.', new ApiError(`At most ${MAX_COMPARED} executions can be compared at once; remove one first.`));
    else compared.set(id, name);
    renderTray();
    if (panelId === id) void showPanel(id);
  },
  impact: (id) => void showImpact(id),
  pathsFrom: (id) => startPick('paths', id),
  diffFrom: (id) => startPick('diff', id),
  isStopped: (id) => lens.isStopped(id),
  toggleStop: (id, title) => lens.toggleStop(id, title),
  asOf: () => lens.read().asOf,
};

function renderTray() {
  const tray = $('#tray');
  view.markCompared(new Set(compared.keys()));
  replace(
    tray,
    h('span', { class: 'tray-title' }, 'Compare'),
    h(
      'div',
      { class: 'chips' },
      compared.size
        ? [...compared].map(([id, name]) =>
            h('span', { class: 'chip', 'data-id': id, title: id }, name, h('small', {}, ` ${id.slice(0, 6)}`), h('button', { type: 'button', 'aria-label': `Remove ${name}`, onclick: () => actions.toggleCompare(id, name) }, '×')),
          )
        : h('span', { class: 'muted small' }, 'Select executions in their panel, or add every one in view.'),
    ),
    h('button', { type: 'button', class: 'ghost', id: 'add-all', onclick: addAllExecutions }, 'Add executions in view'),
    compared.size ? h('button', { type: 'button', class: 'ghost', onclick: () => (compared.clear(), renderTray()) }, 'Clear') : null,
    h('button', { type: 'button', id: 'compare-button', disabled: compared.size < 2, onclick: () => void runComparison() }, `Compare ${compared.size || ''}`.trim()),
  );
}

function addAllExecutions() {
  for (const node of view.nodes()) {
    if (node.kind !== 'EXECUTION' || node.redacted || compared.has(node.id)) continue;
    if (compared.size >= MAX_COMPARED) break;
    compared.set(node.id, node.summary?.name ?? node.id);
  }
  renderTray();
}

async function runComparison() {
  const dialog = $<HTMLDialogElement>('#compare-dialog');
  replace($('#compare-body'), h('p', { class: 'muted' }, 'Comparing…'));
  if (!dialog.open) dialog.showModal();
  try {
    lastComparison = await compareExecutions([...compared.keys()]);
    renderComparisonBody();
  } catch (error) {
    replace($('#compare-body'), inlineError(error));
  }
}

function renderComparisonBody() {
  if (!lastComparison) return;
  replace($('#compare-body'), renderComparison(lastComparison, { ...actions, open: (id) => ($<HTMLDialogElement>('#compare-dialog').close(), void openNode(id)) }, $<HTMLInputElement>('#only-differing').checked));
}

function renderLegend() {
  replace(
    $('#legend'),
    (['DATUM', 'EXTERNAL', 'EXECUTION', 'MODEL_VERSION', 'DATASET_VERSION'] as const).map((k) =>
      h('span', { class: `legend-item shape-${KIND_STYLE[k].shape}`, style: `--fill:${KIND_STYLE[k].fill};--border:${KIND_STYLE[k].border}` }, h('i', {}), KIND_STYLE[k].label),
    ),
    h('span', { class: 'legend-item frontier' }, h('i', {}), 'More beyond: click'),
    h('span', { class: 'legend-item derived', title: 'A filter hid the nodes between; point at the edge to name them' }, h('i', {}), 'Across hidden nodes'),
  );
  replace(
    $('#diff-legend'),
    (['common', 'only-a', 'only-b'] as const).map((side) => h('span', { class: 'legend-item', style: `--fill:${SIDE_STYLE[side].fill};--border:${SIDE_STYLE[side].border}` }, h('i', {}), SIDE_STYLE[side].label)),
    h('span', { class: 'muted' }, 'The shape still says the kind; the two compared have a heavy border.'),
  );
}

$('#search').addEventListener('submit', runSearch);
$('#token-form').addEventListener('submit', saveToken);
$('#token-button').addEventListener('click', () => askToken());
$('#forget-token').addEventListener('click', () => {
  clearToken();
  renderTokenState();
  askToken('The token was removed from this browser session.');
});
$('#only-differing').addEventListener('change', renderComparisonBody);
$('#compare-close').addEventListener('click', () => $<HTMLDialogElement>('#compare-dialog').close());
$('#fit').addEventListener('click', () => view.fit());
$('#picker-form').addEventListener('submit', findPicked);
$('#picker-cancel').addEventListener('click', endPick);
$('#diff-close').addEventListener('click', () => $<HTMLDialogElement>('#diff-dialog').close());
view.onTap((node) => {
  if (picking) return picked(node);
  void showPanel(node.id);
  if (node.frontier) void expand(node);
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || document.querySelector('dialog[open]')) return;
  if (picking) endPick();
  else closePanel();
});
renderLegend();
renderTray();
renderTokenState();
if (!getToken()) askToken();
else {
  void loadProjects().catch((error) => showError('Could not list the projects.', error));
  if (location.hash.length > 1) void openNode(decodeURIComponent(location.hash.slice(1)));
}
