/**
 * Executions side by side: their creation parameters and their metadata in one table, with
 * changed values marked and deltas against the first, and a parallel-coordinates plot.
 */
import { action, h } from './dom.js';
import { formatDelta, formatNumber } from './format.js';
import type { Comparison, ComparisonRow } from './queries.js';
import { renderValue, type PanelActions } from './panel.js';

/** One colour per execution, the same in the table's header and the plot's lines. */
const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#ea580c', '#4f46e5'];
const colourOf = (index: number) => PALETTE[index % PALETTE.length];

const NUMERIC = new Set(['NUMBER', 'STORAGE_SIZE']);

/** A creation parameter or a metadata value across the executions, as the table and the plot draw it. */
interface Row {
  section: 'parameter' | 'metadata';
  api: ComparisonRow;
  /** Each execution's value as a number, null where it is not one. */
  numeric: Array<number | null>;
  bytes: boolean;
  render(index: number): Node;
}

/** A creation parameter or a plain JSON value, by its JSON type. */
export function renderParameter(value: unknown): Node {
  if (typeof value === 'number') return h('span', { class: 'v-number' }, formatNumber(value));
  if (typeof value === 'boolean') return h('span', { class: `pill ${value ? 'pill-yes' : 'pill-no'}` }, String(value));
  if (typeof value === 'string') return h('span', {}, value);
  return h('code', {}, JSON.stringify(value));
}

const parameterRow = (row: ComparisonRow): Row => ({
  section: 'parameter',
  api: row,
  numeric: row.values.map((v) => (typeof v === 'number' ? v : null)),
  bytes: false,
  render: (i) => (row.values[i] == null ? none() : renderParameter(row.values[i])),
});

const metadataRow = (row: Comparison['rows'][number], comparison: Comparison, actions: PanelActions): Row => ({
  section: 'metadata',
  api: row,
  numeric: row.cells.map((cell) => (cell && NUMERIC.has(cell.type) ? Number(cell.value) : null)),
  bytes: row.cells.some((cell) => cell?.type === 'STORAGE_SIZE'),
  render: (i) => {
    const cell = row.cells[i];
    return cell ? renderValue(cell, actions, comparison.executions[i].project.name) : none();
  },
});

const none = () => h('span', { class: 'muted' }, '—');

/** Whether a value differs from the first execution's, which the table marks. */
const changed = (row: Row, index: number) => index > 0 && JSON.stringify(row.api.values[index] ?? null) !== JSON.stringify(row.api.values[0] ?? null);

/** The API's delta against the first execution (taken at the inputs' precision), with its sign. */
function delta(row: Row, index: number) {
  const d = row.api.deltas[index];
  return index === 0 || d == null || d === 0 ? null : h('small', { class: 'delta' }, formatDelta(d, row.bytes));
}

function tableRow(row: Row): HTMLElement {
  const { name, key, group, differs } = row.api;
  return h(
    'tr',
    { class: differs ? 'differs' : '', [row.section === 'parameter' ? 'data-param' : 'data-name']: name },
    h('th', { class: 'key', title: name }, group ? h('small', { class: 'group' }, `${group} `) : null, key),
    row.api.values.map((_, i) => h('td', { class: changed(row, i) ? 'changed' : '' }, row.render(i), delta(row, i))),
  );
}

export function renderComparison(comparison: Comparison, actions: PanelActions, onlyDiffering: boolean): HTMLElement {
  const parameters = comparison.parameters.map(parameterRow);
  const metadata = comparison.rows.map((row) => metadataRow(row, comparison, actions));
  const all = [...parameters, ...metadata];
  const shown = (rows: Row[]) => rows.filter((r) => !onlyDiffering || r.api.differs);
  const section = (title: string, rows: Row[]) =>
    rows.length ? [h('tr', { class: 'section' }, h('th', { colspan: comparison.executions.length + 1 }, title)), rows.map(tableRow)] : null;
  const table = h(
    'table',
    { class: 'comparison' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'key' }, 'Key'),
        comparison.executions.map((e, i) =>
          h('th', { style: `--series:${colourOf(i)}` }, h('span', { class: 'swatch' }), action(e.name, () => actions.open(e.id)), h('small', {}, e.kind.toLowerCase(), ' · ', e.id.slice(0, 8))),
        ),
      ),
    ),
    h('tbody', {}, section('Parameters', shown(parameters)), section('Metadata', shown(metadata))),
  );
  return h(
    'div',
    { class: 'comparison-body' },
    h(
      'p',
      { class: 'muted small summary' },
      `${comparison.executions.length} executions · ${parameters.length} parameters · ${metadata.length} metadata values · ${all.filter((r) => r.api.differs).length} differ`,
    ),
    parallelCoordinates(all, comparison.executions),
    h('div', { class: 'table-wrap' }, table),
  );
}

/**
 * One vertical axis per numeric row (those that differ, when there are enough), parameters
 * first as a sweep's inputs, each scaled to its own range, and one line per execution
 * across them. Plain SVG: a dozen axes and twenty lines need no charting library.
 */
function parallelCoordinates(rows: Row[], executions: Comparison['executions']): SVGSVGElement | HTMLElement {
  const numericRows = rows.filter((r) => r.numeric.some((v) => v != null));
  // A value every run shares is a flat line that tells nothing, unless there is little else to draw.
  const differing = numericRows.filter((r) => r.api.differs);
  const axes = (differing.length >= 2 ? differing : numericRows).slice(0, 12);
  if (axes.length < 2) return h('p', { class: 'muted small' }, 'The parallel-coordinates plot needs at least two numeric values.');

  const width = Math.max(640, axes.length * 120);
  const height = 260;
  const top = 38;
  const bottom = 30;
  const x = (i: number) => 50 + (i * (width - 100)) / (axes.length - 1);
  const valuesOf = (row: Row) => row.numeric.filter((v): v is number => v != null);
  const scales = axes.map((row) => {
    const values = valuesOf(row);
    const min = Math.min(...values);
    const max = Math.max(...values);
    return (v: number) => (max === min ? (top + height - bottom) / 2 : top + (height - bottom - top) * (1 - (v - min) / (max - min)));
  });

  const ns = 'http://www.w3.org/2000/svg';
  const svg = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text != null) el.textContent = text;
    return el;
  };
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'parallel', role: 'img', 'aria-label': 'Parallel coordinates of numeric parameters and metadata' }) as SVGSVGElement;

  axes.forEach((row, i) => {
    const values = valuesOf(row);
    const { key, group } = row.api;
    const label = key.length > 18 ? `${key.slice(0, 17)}…` : key;
    root.append(
      svg('line', { x1: x(i), x2: x(i), y1: top, y2: height - bottom, class: 'axis' }),
      svg('text', { x: x(i), y: 14, class: 'axis-label' }, label),
      svg('text', { x: x(i), y: 27, class: 'axis-section' }, row.section === 'parameter' ? 'parameter' : (group ?? '')),
      svg('text', { x: x(i) + 6, y: top + 4, class: 'axis-tick' }, formatNumber(Math.max(...values))),
      svg('text', { x: x(i) + 6, y: height - bottom, class: 'axis-tick' }, formatNumber(Math.min(...values))),
    );
  });
  executions.forEach((execution, e) => {
    const points = axes.map((row, i) => ({ x: x(i), v: row.numeric[e], i })).filter((p) => p.v != null);
    const line = svg('polyline', { points: points.map((p) => `${p.x},${scales[p.i](p.v!)}`).join(' '), class: 'series', stroke: colourOf(e) });
    line.append(svg('title', {}, execution.name));
    root.append(line);
    for (const p of points) root.append(svg('circle', { cx: p.x, cy: scales[p.i](p.v!), r: 3.5, fill: colourOf(e) }));
  });
  return root;
}
