/** Executions side by side: a table with changed values marked, and a parallel-coordinates plot. */
import { h } from './dom.js';
import { formatNumber } from './format.js';
import type { Comparison, MetadataEntry } from './queries.js';
import { renderValue, type PanelActions } from './panel.js';

/** One colour per execution, the same in the table's header and the plot's lines. */
const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#ea580c', '#4f46e5'];
export const colourOf = (index: number) => PALETTE[index % PALETTE.length];

const NUMERIC = new Set(['NUMBER', 'STORAGE_SIZE']);
const numeric = (cell: MetadataEntry | null) => (cell && NUMERIC.has(cell.type) ? Number(cell.value) : null);

/** Whether a cell differs from the first execution's, which the table marks. */
function changed(cells: Array<MetadataEntry | null>, index: number) {
  if (index === 0) return false;
  return JSON.stringify(cells[index]?.value ?? null) !== JSON.stringify(cells[0]?.value ?? null);
}

export function renderComparison(comparison: Comparison, actions: PanelActions, onlyDiffering: boolean): HTMLElement {
  const rows = comparison.rows.filter((r) => !onlyDiffering || r.differs);
  const differing = comparison.rows.filter((r) => r.differs).length;
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
          h('th', { style: `--series:${colourOf(i)}` }, h('span', { class: 'swatch' }), h('a', { href: '#', onclick: (ev: Event) => (ev.preventDefault(), actions.open(e.id)) }, e.name), h('small', {}, e.kind.toLowerCase(), ' · ', e.id.slice(0, 8))),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          { class: row.differs ? 'differs' : '', 'data-key': row.key },
          h('th', { class: 'key' }, row.group ? h('small', { class: 'group' }, `${row.group} `) : null, row.group && row.key.startsWith(`${row.group}.`) ? row.key.slice(row.group.length + 1) : row.key),
          row.cells.map((cell, i) =>
            h(
              'td',
              { class: changed(row.cells, i) ? 'changed' : '' },
              cell ? renderValue(cell, actions) : h('span', { class: 'muted' }, '—'),
              i > 0 && row.deltas[i] != null && row.deltas[i] !== 0 ? h('small', { class: 'delta' }, `${row.deltas[i]! > 0 ? '+' : ''}${formatNumber(row.deltas[i]!)}`) : null,
            ),
          ),
        ),
      ),
    ),
  );
  return h(
    'div',
    { class: 'comparison-body' },
    h('p', { class: 'muted small summary' }, `${comparison.executions.length} executions · ${comparison.rows.length} keys · ${differing} differ`),
    parallelCoordinates(comparison),
    h('div', { class: 'table-wrap' }, table),
  );
}

/**
 * One vertical axis per numeric key (those that differ, when there are enough), each scaled to its own
 * range, and one line per execution across them. Plain SVG: a dozen axes and twenty lines
 * need no charting library.
 */
export function parallelCoordinates(comparison: Comparison): SVGSVGElement | HTMLElement {
  const numericRows = comparison.rows.filter((r) => r.cells.some((c) => numeric(c) != null));
  // A key every run shares is a flat line that tells nothing, unless there is little else to draw.
  const differing = numericRows.filter((r) => r.differs);
  const axes = (differing.length >= 2 ? differing : numericRows).slice(0, 12);
  if (axes.length < 2) return h('p', { class: 'muted small' }, 'The parallel-coordinates plot needs at least two numeric keys.');

  const width = Math.max(640, axes.length * 120);
  const height = 260;
  const top = 34;
  const bottom = 30;
  const x = (i: number) => 50 + (i * (width - 100)) / (axes.length - 1);
  const scales = axes.map((row) => {
    const values = row.cells.map(numeric).filter((v): v is number => v != null);
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
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'parallel', role: 'img', 'aria-label': 'Parallel coordinates of numeric metadata' }) as SVGSVGElement;

  axes.forEach((row, i) => {
    const values = row.cells.map(numeric).filter((v): v is number => v != null);
    root.append(
      svg('line', { x1: x(i), x2: x(i), y1: top, y2: height - bottom, class: 'axis' }),
      svg('text', { x: x(i), y: 16, class: 'axis-label' }, row.key.length > 18 ? `${row.key.slice(0, 17)}…` : row.key),
      svg('text', { x: x(i) + 6, y: top + 4, class: 'axis-tick' }, formatNumber(Math.max(...values))),
      svg('text', { x: x(i) + 6, y: height - bottom, class: 'axis-tick' }, formatNumber(Math.min(...values))),
    );
  });
  comparison.executions.forEach((execution, e) => {
    const points = axes.map((row, i) => ({ x: x(i), v: numeric(row.cells[e]), i })).filter((p) => p.v != null);
    const line = svg('polyline', { points: points.map((p) => `${p.x},${scales[p.i](p.v!)}`).join(' '), class: 'series', stroke: colourOf(e) });
    line.append(svg('title', {}, execution.name));
    root.append(line);
    for (const p of points) root.append(svg('circle', { cx: p.x, cy: scales[p.i](p.v!), r: 3.5, fill: colourOf(e) }));
  });
  return root;
}
