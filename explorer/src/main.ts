/** The explorer page: search, the lineage drawing, the node panel and the comparison tray. */
import { ApiError, clearToken, getToken, gql, setToken } from './api.js';
import { renderComparison } from './compare.js';
import { $, h, replace } from './dom.js';
import { count } from './format.js';
import { groupBy } from '../../src/domain/group.js';
import { createLineageView, describe, KIND_STYLE, type GraphNode } from './graph.js';
import { renderPanel, type PanelActions } from './panel.js';
import { compareExecutions, fetchDetail, fetchLineage, fetchProjects, KIND_OF, search, type Comparison, type Direction, type Summary } from './queries.js';

/** Nodes per walk: enough for a pipeline's neighbourhood while a layout stays readable; frontier nodes expand the rest. */
const LIMIT = 200;
/** compareExecutions' own maximum. */
const MAX_COMPARED = 20;

const view = createLineageView($('#graph'));
const compared = new Map<string, string>();
let panelId: string | null = null;
let lastComparison: Comparison | null = null;

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
    const found = await search(q, project, loadProjects);
    if (found.length === 0) {
      setStatus('');
      const where = project ? ` in project ${project}` : '';
      showError('No match.', new ApiError(`Nothing matches "${q}"${where}: no datum path starts with it, and it is not an alias, URI or id.`));
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

/** Several matches, listed under the project each belongs to (an alias name may exist in several). */
function showResults(q: string, found: Summary[]) {
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
                { type: 'button', 'data-id': s.id, onclick: () => ($('#results').hidden = true, void openNode(s.id)) },
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

async function openNode(id: string) {
  const { direction, depth } = searchParams();
  setStatus('Walking the lineage…');
  try {
    const graph = await fetchLineage(id, direction, depth, LIMIT);
    $('#empty').hidden = true;
    // The panel takes its width before the layout fits the graph into what is left.
    const panel = showPanel(id);
    view.show(graph);
    view.markCompared(new Set(compared.keys()));
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
    const frontier = graph.nodes.filter((n) => n.frontier).length;
    const root = view.nodes().find((n) => n.id === id);
    setStatus(
      h('strong', {}, root ? describe(root).title : id),
      ` · ${count(graph.nodes.length + 1, 'node')}, ${count(graph.edges.length, 'edge')}, depth ${graph.depthReached}`,
      graph.truncated ? h('span', { class: 'cut' }, ` · cut at ${LIMIT} nodes`) : '',
      frontier ? h('span', { class: 'cut' }, ` · ${count(frontier, 'dashed node')} ${frontier === 1 ? 'leads' : 'lead'} further: click to expand`) : '',
    );
    renderTray();
    view.select(id);
    await panel;
  } catch (error) {
    setStatus('');
    showError('Could not load the lineage.', error);
  }
}

async function expand(node: GraphNode) {
  setStatus(`Expanding ${describe(node).title}…`);
  try {
    const added = view.merge(await fetchLineage(node.id, 'BOTH', 1, LIMIT), node.id);
    renderTray();
    setStatus(h('strong', {}, describe(node).title), ` expanded: ${count(added, 'new node')} · ${view.nodes().length} in view`);
  } catch (error) {
    showError(`Could not expand ${describe(node).title}.`, error);
  }
}

async function showPanel(id: string) {
  panelId = id;
  const panel = $('#panel');
  panel.hidden = false;
  view.select(id);
  replace(panel, h('p', { class: 'muted loading' }, 'Loading…'));
  try {
    const detail = await fetchDetail(id);
    if (panelId !== id) return;
    replace(
      panel,
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close panel', onclick: closePanel }, '×'),
      detail ? renderPanel(detail, actions) : h('p', { class: 'muted' }, 'This node belongs to a project your token cannot read; only its id and kind are shown.'),
    );
  } catch (error) {
    replace(panel, h('button', { type: 'button', class: 'close', onclick: closePanel }, '×'), h('p', { class: 'muted' }, 'The record could not be loaded.'));
    showError('Could not load the record.', error);
  }
}

function closePanel() {
  panelId = null;
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
    replace($('#compare-body'), h('p', { class: 'error-inline' }, error instanceof ApiError ? `${error.message}${error.code ? ` (${error.code})` : ''}` : String(error)));
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
view.onTap((node) => {
  void showPanel(node.id);
  if (node.frontier) void expand(node);
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !document.querySelector('dialog[open]')) closePanel();
});
renderLegend();
renderTray();
renderTokenState();
if (!getToken()) askToken();
else {
  void loadProjects().catch((error) => showError('Could not list the projects.', error));
  if (location.hash.length > 1) void openNode(decodeURIComponent(location.hash.slice(1)));
}
