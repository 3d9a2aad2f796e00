/**
 * The lineage drawing: Cytoscape.js with a dagre layout, data flowing left to right.
 * Answers from several walks (the first search, then each expansion) merge into one graph.
 */
import cytoscape, { type Core, type EdgeSingular, type ElementDefinition, type NodeSingular, type StylesheetJson } from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { h, replace } from './dom.js';
import { basename, count, formatBytes } from './format.js';
import { KIND_OF, type Kind, type LineageEdge, type LineageGraph, type LineageNode, type Summary } from './queries.js';

cytoscape.use(dagre);

export interface GraphNode {
  id: string;
  kind: Kind;
  frontier: boolean;
  redacted: boolean;
  summary: Summary | null;
}

/** A node of an API answer as the drawing holds it. */
export const graphNode = (n: LineageNode): GraphNode => ({ id: n.id, kind: n.kind, frontier: n.frontier, redacted: n.redacted, summary: n.node });

/**
 * A node known only by its record (a walk's root, a looked-up node); null: one the token
 * may not read, whose kind goes untold and which is drawn as hidden whatever it is.
 */
export const summaryNode = (id: string, summary: Summary | null): GraphNode => ({
  id,
  kind: summary ? KIND_OF[summary.__typename] : 'DATUM',
  frontier: false,
  redacted: !summary,
  summary,
});

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

/** Which look of KIND_STYLE a node takes. */
export const styleKey = (node: GraphNode) => (node.redacted || !node.summary ? 'REDACTED' : node.kind === 'DATUM' && node.summary.external ? 'EXTERNAL' : node.kind);

/**
 * Data flows input -> execution -> output, so the stored directions are turned where they
 * point against it: a datum is PRODUCED_BY its execution, a version CONTAINS its datums.
 * A DERIVED edge already points from the upstream node to the one derived from it.
 */
function flow(edge: LineageEdge): { source: string; target: string } {
  return edge.type === 'CONSUMED_BY' || edge.type === 'DERIVED' ? { source: edge.from, target: edge.to } : { source: edge.to, target: edge.from };
}

/** The id an edge is drawn under, the same for every answer that holds it. */
export const edgeKey = (edge: Pick<LineageEdge, 'from' | 'to' | 'type'>) => `${edge.from}>${edge.type}>${edge.to}`;

/** The side of a diff a node belongs to, which colours it in the diff's drawing. */
export type Side = 'common' | 'only-a' | 'only-b';

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
  // what a filter hid lies along a DERIVED edge: long dashes, and the hidden hops in its label and tooltip
  {
    selector: 'edge[type = "DERIVED"]',
    style: { 'line-style': 'dashed', 'line-dash-pattern': [7, 4], width: 2, 'line-color': '#0d9488', 'target-arrow-color': '#0d9488', color: '#115e59', 'text-border-color': '#99f6e4' } as any,
  },
  { selector: 'edge[label = ""]', style: { 'text-background-opacity': 0, 'text-border-opacity': 0 } },
  // a question's answer lit on the graph (paths, impact), everything else faded
  { selector: '.dimmed', style: { opacity: 0.18 } },
  { selector: 'node.lit', style: { 'border-width': 4, 'underlay-color': '#f59e0b', 'underlay-padding': 5, 'underlay-opacity': 0.3, 'underlay-shape': 'round-rectangle' } as any },
  { selector: 'edge.lit', style: { width: 3.2, 'line-color': '#d97706', 'target-arrow-color': '#d97706', 'z-index': 10 } },
  // the two upstreams of a diff, overlaid: the colour says whose a node is, the shape still says its kind
  { selector: 'node.common', style: { 'background-color': '#f1f5f9', 'border-color': '#64748b' } },
  { selector: 'node.only-a', style: { 'background-color': '#dbeafe', 'border-color': '#2563eb' } },
  { selector: 'node.only-b', style: { 'background-color': '#ffedd5', 'border-color': '#ea580c' } },
  { selector: 'node.end', style: { 'border-width': 5 } },
];

/** One colour per side of a diff, for the drawing's legend and the table's headers. */
export const SIDE_STYLE: Record<Side, { label: string; fill: string; border: string }> = {
  common: { label: 'In both', fill: '#f1f5f9', border: '#64748b' },
  'only-a': { label: 'Only in a', fill: '#dbeafe', border: '#2563eb' },
  'only-b': { label: 'Only in b', fill: '#ffedd5', border: '#ea580c' },
};

const COMFORTABLE_ZOOM = 1.3;

export interface LineageView {
  /** Replaces the drawing with a walk's answer around its root. */
  show(graph: LineageGraph): void;
  /** Adds a walk's answer around `fromId`; returns how many nodes were new. */
  merge(graph: LineageGraph, fromId: string): number;
  /** Adds nodes and edges that no walk from the drawing reached (the paths between two nodes); returns how many nodes were new. */
  include(nodes: GraphNode[], edges: LineageEdge[]): number;
  /** Draws nothing, where what was drawn no longer answers what the page says it shows. */
  clear(): void;
  nodes(): GraphNode[];
  select(id: string): void;
  markCompared(ids: Set<string>): void;
  /** Lights these nodes and edges and fades the rest; without `edges`, the edges among the nodes are lit. */
  highlight(nodes: Set<string>, edges?: Set<string>): void;
  clearHighlight(): void;
  /** Colours nodes by the side of a diff they belong to, and marks the two ends. */
  colourSides(sides: Map<string, Side>, ends: string[]): void;
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

  /** The hidden hops of DERIVED edges, by id, as each answer named them. */
  const hidden = new Map<string, Summary | null>();
  const hiddenTitle = (id: string) => describe(summaryNode(id, hidden.get(id) ?? null)).title;

  /** A DERIVED edge names up to two hidden hops on the drawing; its tooltip names them all. */
  function edgeLabel(edge: LineageEdge): string {
    if (edge.type === 'DERIVED') {
      const via = edge.via ?? [];
      return via.length <= 2 ? `via ${via.map(hiddenTitle).join(' › ')}` : `via ${count(via.length, 'hidden node')}`;
    }
    return edge.inputName ?? (edge.type === 'CONTAINS' ? 'contains' : '');
  }

  const edgeElement = (edge: LineageEdge): ElementDefinition => ({
    group: 'edges',
    data: { id: edgeKey(edge), ...flow(edge), type: edge.type, via: edge.via ?? null, label: edgeLabel(edge) },
  });

  /** Adds nodes and edges not drawn yet; a node already drawn keeps its place. */
  function addElements(incoming: GraphNode[], edges: LineageEdge[], rootId: string | null): number {
    const elements: ElementDefinition[] = [];
    for (const node of incoming) {
      if (known.has(node.id)) continue;
      known.set(node.id, node);
      elements.push(nodeElement(node, node.id === rootId));
    }
    for (const edge of edges) if (cy.getElementById(edgeKey(edge)).empty()) elements.push(edgeElement(edge));
    cy.add(elements);
    return elements.filter((e) => e.group === 'nodes').length;
  }

  function add(graph: LineageGraph, root: boolean): number {
    for (const [id, summary] of graph.hidden ?? []) hidden.set(id, summary);
    return addElements([summaryNode(graph.root.id, graph.root), ...graph.nodes.map(graphNode)], graph.edges, root ? graph.root.id : null);
  }

  /** Names the hidden hops of the DERIVED edge under the pointer, in words the canvas cannot hold. */
  const tooltip = h('div', { class: 'edge-tooltip', role: 'tooltip', hidden: true });
  container.append(tooltip);
  cy.on('mouseover', 'edge[type = "DERIVED"]', (event) => {
    const via: string[] = (event.target as EdgeSingular).data('via') ?? [];
    replace(
      tooltip,
      h('strong', {}, `Derived through ${count(via.length, 'hidden node')}`),
      h('ol', {}, via.map((id) => h('li', {}, hiddenTitle(id), h('small', {}, ` ${describe(summaryNode(id, hidden.get(id) ?? null)).subtitle}`)))),
    );
    const at = event.renderedPosition ?? { x: 0, y: 0 };
    tooltip.style.left = `${at.x + 12}px`;
    tooltip.style.top = `${at.y + 12}px`;
    tooltip.hidden = false;
  });
  cy.on('mouseout', 'edge', () => (tooltip.hidden = true));

  function layout(animate: boolean) {
    cy.resize();
    // dagre leaves no room for edge labels: a DERIVED edge's names of the hops it crosses need more
    const rankSep = cy.edges('[type = "DERIVED"]').empty() ? 52 : 130;
    cy.layout({ name: 'dagre', rankDir: 'LR', nodeSep: 22, rankSep, edgeSep: 10, padding: 40, animate, animationDuration: 280, fit: true, stop: readableZoom } as any).run();
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
  const classes = (e: NodeSingular | EdgeSingular) => (e.classes() as unknown as string[]).filter(Boolean).sort();
  Object.assign(container, {
    lineage: () => cy.nodes().map((n) => ({ id: n.id(), kind: n.data('kind'), label: n.data('label'), frontier: n.hasClass('frontier'), classes: classes(n), position: n.renderedPosition() })),
    lineageEdges: () =>
      cy.edges().map((e) => ({ id: e.id(), source: e.source().id(), target: e.target().id(), type: e.data('type'), via: e.data('via'), label: e.data('label'), classes: classes(e), midpoint: e.renderedMidpoint() })),
  });

  return {
    show(graph) {
      cy.elements().remove();
      known.clear();
      hidden.clear();
      add(graph, true);
      layout(false);
    },
    include(nodes, edges) {
      const added = addElements(nodes, edges, null);
      if (added) layout(true);
      return added;
    },
    clear() {
      cy.elements().remove();
      known.clear();
      hidden.clear();
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
    highlight(nodes, edges) {
      const lit = cy.collection();
      for (const id of nodes) lit.merge(cy.getElementById(id));
      if (edges) for (const id of edges) lit.merge(cy.getElementById(id));
      else lit.merge(lit.edgesWith(lit));
      cy.elements().removeClass('lit').addClass('dimmed');
      lit.removeClass('dimmed').addClass('lit');
    },
    clearHighlight() {
      cy.elements().removeClass('lit dimmed');
    },
    colourSides(sides, ends) {
      cy.nodes().forEach((n) => {
        // both ends are marked alike: neither is the one root of a walk
        n.removeClass('common only-a only-b end root');
        const side = sides.get(n.id());
        if (side) n.addClass(side);
      });
      for (const id of ends) cy.getElementById(id).addClass('end');
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
