/**
 * The lineage drawing: Cytoscape.js with a dagre layout, data flowing left to right.
 * Answers from several walks (the first search, then each expansion) merge into one graph.
 */
import cytoscape, { type Core, type ElementDefinition, type NodeSingular, type StylesheetJson } from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { basename, formatBytes } from './format.js';
import { KIND_OF, type Kind, type LineageEdge, type LineageGraph, type Summary } from './queries.js';

cytoscape.use(dagre);

export interface GraphNode {
  id: string;
  kind: Kind;
  frontier: boolean;
  redacted: boolean;
  summary: Summary | null;
}

/** Title and subtitle of a node, as drawn. */
export function describe(node: GraphNode): { title: string; subtitle: string } {
  const s = node.summary;
  if (node.redacted || !s) return { title: 'hidden', subtitle: 'another project' };
  switch (node.kind) {
    case 'DATUM':
      return {
        title: s.path ? basename(s.path) : (s.uri ?? s.id).replace(/^[a-z0-9+.-]+:\/\//i, ''),
        subtitle: s.external ? 'external' : s.size != null ? formatBytes(s.size) : 'datum',
      };
    case 'EXECUTION':
      return { title: s.name ?? 'execution', subtitle: `${(s.executionKind ?? '').toLowerCase()} · ${(s.executionStatus ?? '').toLowerCase()}` };
    case 'MODEL_VERSION':
      return { title: (s.versionUri ?? '').replace('model://', ''), subtitle: `model · ${(s.versionStatus ?? '').toLowerCase()}` };
    case 'DATASET_VERSION':
      return { title: (s.versionUri ?? '').replace('dataset://', ''), subtitle: 'dataset version' };
  }
}

/** Kind colours, also used by the legend and the panel's header. */
export const KIND_STYLE: Record<Kind | 'EXTERNAL' | 'REDACTED', { label: string; shape: string; fill: string; border: string }> = {
  DATUM: { label: 'Datum', shape: 'round-rectangle', fill: '#e0f2fe', border: '#0284c7' },
  EXTERNAL: { label: 'External datum', shape: 'cut-rectangle', fill: '#f1f5f9', border: '#64748b' },
  EXECUTION: { label: 'Execution', shape: 'ellipse', fill: '#fef3c7', border: '#d97706' },
  MODEL_VERSION: { label: 'Model version', shape: 'round-hexagon', fill: '#ede9fe', border: '#7c3aed' },
  DATASET_VERSION: { label: 'Dataset version', shape: 'barrel', fill: '#d1fae5', border: '#059669' },
  REDACTED: { label: 'Hidden (other project)', shape: 'octagon', fill: '#e5e7eb', border: '#9ca3af' },
};

const styleKey = (node: GraphNode) => (node.redacted || !node.summary ? 'REDACTED' : node.kind === 'DATUM' && node.summary.external ? 'EXTERNAL' : node.kind);

/**
 * Data flows input -> execution -> output, so the stored directions are turned where they
 * point against it: a datum is PRODUCED_BY its execution, a version CONTAINS its datums.
 */
function flow(edge: LineageEdge): { source: string; target: string } {
  return edge.type === 'CONSUMED_BY' ? { source: edge.from, target: edge.to } : { source: edge.to, target: edge.from };
}

const STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      shape: 'data(shape)' as any,
      'background-color': 'data(fill)',
      'border-color': 'data(border)',
      'border-width': 2,
      label: 'data(label)',
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-family': 'Inter, "Segoe UI", "Helvetica Neue", Arial, sans-serif',
      'font-size': 12,
      'line-height': 1.35,
      color: '#0f172a',
      width: 'data(width)',
      height: 46,
      'transition-property': 'border-width, border-color, background-color',
      'transition-duration': 150,
    },
  },
  { selector: 'node[kind = "EXECUTION"]', style: { height: 50 } },
  { selector: 'node[kind = "MODEL_VERSION"], node[kind = "DATASET_VERSION"]', style: { height: 54 } },
  { selector: 'node.frontier', style: { 'border-style': 'dashed', 'border-width': 3 } },
  { selector: 'node.root', style: { 'border-width': 4, 'underlay-color': '#38bdf8', 'underlay-padding': 6, 'underlay-opacity': 0.25, 'underlay-shape': 'round-rectangle' } as any },
  { selector: 'node.compared', style: { 'background-color': '#fde68a', 'border-color': '#b45309', 'border-width': 4 } },
  { selector: 'node:selected', style: { 'border-color': '#0f172a', 'border-width': 4, 'overlay-opacity': 0 } },
  { selector: 'node:active', style: { 'overlay-opacity': 0.06 } },
  {
    selector: 'edge',
    style: {
      width: 1.6,
      'curve-style': 'bezier',
      'line-color': '#94a3b8',
      'target-arrow-color': '#94a3b8',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.9,
      label: 'data(label)',
      'font-size': 10,
      'font-family': 'Inter, "Segoe UI", "Helvetica Neue", Arial, sans-serif',
      color: '#334155',
      'text-background-color': '#ffffff',
      'text-background-opacity': 1,
      'text-background-padding': '2px',
      'text-background-shape': 'roundrectangle',
      'text-border-color': '#cbd5e1',
      'text-border-width': 1,
      'text-border-opacity': 1,
    },
  },
  { selector: 'edge[type = "CONTAINS"]', style: { 'line-style': 'dashed', 'line-color': '#a78bfa', 'target-arrow-color': '#a78bfa' } },
  { selector: 'edge[label = ""]', style: { 'text-background-opacity': 0, 'text-border-opacity': 0 } },
];

const COMFORTABLE_ZOOM = 1.3;

export interface LineageView {
  /** Replaces the drawing with a walk's answer around its root. */
  show(graph: LineageGraph): void;
  /** Adds a walk's answer around `fromId`; returns how many nodes were new. */
  merge(graph: LineageGraph, fromId: string): number;
  nodes(): GraphNode[];
  select(id: string): void;
  markCompared(ids: Set<string>): void;
  onTap(handler: (node: GraphNode) => void): void;
  fit(): void;
}

export function createLineageView(container: HTMLElement): LineageView {
  const cy: Core = cytoscape({ container, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 2.5, boxSelectionEnabled: false });
  const known = new Map<string, GraphNode>();
  let tap: (node: GraphNode) => void = () => undefined;

  const nodeElement = (node: GraphNode, root: boolean): ElementDefinition => {
    const { title, subtitle } = describe(node);
    const look = KIND_STYLE[styleKey(node)];
    const longest = Math.max(title.length, subtitle.length);
    return {
      group: 'nodes',
      data: { id: node.id, kind: node.kind, label: `${title}\n${subtitle}`, shape: look.shape, fill: look.fill, border: look.border, width: Math.min(230, Math.max(96, longest * 7.2 + 34)) },
      classes: [node.frontier ? 'frontier' : '', root ? 'root' : ''].filter(Boolean).join(' '),
    };
  };

  const edgeElement = (edge: LineageEdge): ElementDefinition => ({
    group: 'edges',
    data: { id: `${edge.from}>${edge.type}>${edge.to}`, ...flow(edge), type: edge.type, label: edge.inputName ?? (edge.type === 'CONTAINS' ? 'contains' : '') },
  });

  const rootNode = (root: Summary): GraphNode => ({ id: root.id, kind: KIND_OF[root.__typename], frontier: false, redacted: false, summary: root });

  /** Adds what is new; a node already drawn keeps its place, and stops being a frontier once walked from. */
  function add(graph: LineageGraph, root: boolean): number {
    const elements: ElementDefinition[] = [];
    const incoming = [rootNode(graph.root), ...graph.nodes.map((n) => ({ id: n.id, kind: n.kind, frontier: n.frontier, redacted: n.redacted, summary: n.node }))];
    for (const node of incoming) {
      if (known.has(node.id)) continue;
      known.set(node.id, node);
      elements.push(nodeElement(node, root && node.id === graph.root.id));
    }
    for (const edge of graph.edges) if (cy.getElementById(`${edge.from}>${edge.type}>${edge.to}`).empty()) elements.push(edgeElement(edge));
    cy.add(elements);
    return elements.filter((e) => e.group === 'nodes').length;
  }

  function layout(animate: boolean) {
    cy.resize();
    cy.layout({ name: 'dagre', rankDir: 'LR', nodeSep: 22, rankSep: 52, edgeSep: 10, padding: 40, animate, animationDuration: 280, fit: true, stop: readableZoom } as any).run();
  }

  /** Fitting a few nodes would blow them up to poster size; past a comfortable zoom, centre instead. */
  function readableZoom() {
    if (cy.zoom() <= COMFORTABLE_ZOOM) return;
    cy.zoom(COMFORTABLE_ZOOM);
    cy.center();
  }

  // The panel opening or closing resizes the canvas, which Cytoscape does not notice by itself.
  new ResizeObserver(() => cy.resize()).observe(container);

  cy.on('tap', 'node', (event) => {
    const node = known.get((event.target as NodeSingular).id());
    if (node) tap(node);
  });
  cy.on('mouseover', 'node', () => (container.style.cursor = 'pointer'));
  cy.on('mouseout', 'node', () => (container.style.cursor = ''));

  // The drawing is a canvas, so what it holds is also exposed on the element for the browser tests.
  (container as HTMLElement & { lineage?: () => unknown }).lineage = () =>
    cy.nodes().map((n) => ({ id: n.id(), kind: n.data('kind'), label: n.data('label'), frontier: n.hasClass('frontier'), position: n.renderedPosition() }));

  return {
    show(graph) {
      cy.elements().remove();
      known.clear();
      add(graph, true);
      layout(false);
    },
    merge(graph, fromId) {
      const added = add(graph, false);
      const from = known.get(fromId);
      if (from) from.frontier = false;
      cy.getElementById(fromId).removeClass('frontier');
      layout(true);
      return added;
    },
    nodes: () => [...known.values()],
    select(id) {
      cy.nodes().unselect();
      cy.getElementById(id).select();
    },
    markCompared(ids) {
      cy.nodes().forEach((n) => {
        n.toggleClass('compared', ids.has(n.id()));
      });
    },
    onTap(handler) {
      tap = handler;
    },
    fit() {
      cy.fit(undefined, 40);
      readableZoom();
    },
  };
}
