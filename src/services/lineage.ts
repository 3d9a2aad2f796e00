import DataLoader from 'dataloader';
import { lineageQuery } from '../db/cypher/lineage.js';
import type { Executor, Row } from '../db/executor.js';
import { badInput, notFound } from '../domain/errors.js';
import { hopsFor, KIND_OF_LABEL, lineageBounds, type Direction, type LineageEdge, type LineageKind } from '../domain/lineage.js';
import type { Entity, Loaders } from '../loaders/index.js';

export interface LineageNode {
  id: string;
  kind: LineageKind;
  /** Hops from the root (Datum -> Execution -> Datum is one hop). */
  distance: number;
  /** True when the node has neighbours in the walked direction that the answer leaves out. */
  frontier: boolean;
  /** The node, or for a node of a project the token may not read only its id and labels. */
  entity: Entity;
  redacted: boolean;
}

export interface LineageGraph {
  root: Entity;
  nodes: LineageNode[];
  edges: LineageEdge[];
  depthReached: number;
  truncated: boolean;
}

interface Walk {
  root: Entity;
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}

export const kindOf = (entity: Entity): LineageKind | undefined =>
  entity.labels.map((l) => KIND_OF_LABEL[l]).find(Boolean);

/** READ is the walk's mirror of CONSUMED_BY; callers see the edge as stored in the contract. */
type RawRel = [type: string, start: string, end: string, inputName: string | null];

function contractEdge([type, start, end, inputName]: RawRel): LineageEdge {
  if (type === 'READ') return { from: end, to: start, type: 'CONSUMED_BY', inputName };
  return { from: start, to: end, type: type as LineageEdge['type'], inputName: null };
}

export class LineageService {
  private readonly walks = new Map<string, DataLoader<string, Walk | null>>();

  constructor(
    private readonly executor: Executor,
    private readonly loaders: Loaders,
  ) {}

  /** Upstream or downstream of many roots at once: one query per (direction, depth, limit). */
  walk(rootId: string, direction: Direction, depth: number, limit: number): Promise<Walk | null> {
    const bounds = lineageBounds(depth, limit);
    const key = `${direction}:${bounds.depth}:${bounds.limit}`;
    let loader = this.walks.get(key);
    if (!loader) {
      loader = new DataLoader((ids) => this.walkMany(ids as string[], direction, bounds.depth, bounds.limit));
      this.walks.set(key, loader);
    }
    return loader.load(rootId);
  }

  /** `Query.lineage`: both directions merged, the root at distance 0. */
  async graph(rootId: string, direction: Direction | 'BOTH', depth: number, limit: number): Promise<LineageGraph> {
    const directions: Direction[] = direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [direction];
    const walks = await Promise.all(directions.map((d) => this.walk(rootId, d, depth, limit)));
    if (walks.some((w) => w === null)) await this.requireLineageRoot(rootId);
    const found = walks as Walk[];
    const nodes = new Map<string, LineageNode>();
    for (const walk of found) {
      for (const node of walk.nodes) {
        const seen = nodes.get(node.id);
        if (!seen || node.distance < seen.distance) nodes.set(node.id, { ...node, frontier: node.frontier || !!seen?.frontier });
      }
    }
    const edges = new Map<string, LineageEdge>();
    for (const walk of found) for (const e of walk.edges) edges.set(`${e.from}|${e.type}|${e.inputName}|${e.to}`, e);
    // Both walks share the root; when both are truncated the merged node list may hold
    // up to 2 x limit: cut it back, nearest first, so `limit` holds for the answer.
    let list = [...nodes.values()].sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id));
    let truncated = found.some((w) => w.truncated);
    if (list.length > limit) {
      list = list.slice(0, limit);
      truncated = true;
    }
    const kept = new Set([found[0].root.id, ...list.map((n) => n.id)]);
    return {
      root: found[0].root,
      nodes: list,
      edges: [...edges.values()].filter((e) => kept.has(e.from) && kept.has(e.to)),
      depthReached: list.reduce((max, n) => Math.max(max, n.distance), 0),
      truncated,
    };
  }

  private async requireLineageRoot(id: string): Promise<never> {
    const entity = await this.loaders.nodeById.load(id);
    if (!entity) throw notFound('Node', id);
    throw badInput(`Node '${id}' is a ${entity.labels.filter((l) => l !== 'Entity').join('/')}; lineage starts at a datum, execution, model version or dataset version`, { field: 'id' });
  }

  private async walkMany(rootIds: string[], direction: Direction, depth: number, limit: number): Promise<Array<Walk | null>> {
    const rows = await this.executor.query(lineageQuery(rootIds, direction, depth, limit));
    const byRoot = new Map<string, { root?: Row; found: Row[] }>();
    for (const row of rows) {
      const group = byRoot.get(row.rootId) ?? { found: [] };
      if (row.edges === 0) group.root = row;
      else group.found.push(row);
      byRoot.set(row.rootId, group);
    }
    return rootIds.map((id) => {
      const group = byRoot.get(id);
      if (!group?.root || !kindOf(group.root.node)) return null;
      const kept = group.found.slice(0, limit);
      const keptIds = new Set([id, ...kept.map((r) => r.node.id as string)]);
      const hidden = new Set(kept.filter((r) => r.node.redacted).map((r) => r.node.id as string));
      const nodes: LineageNode[] = [];
      const edges: LineageEdge[] = [];
      for (const row of [group.root, ...kept]) {
        let frontier = false;
        for (const rel of row.rels as RawRel[]) {
          const other = rel[1] === row.node.id ? rel[2] : rel[1];
          if (!keptIds.has(other)) frontier = true;
          // an input name is the reading execution's data: not shown when either end is hidden
          else edges.push(contractEdge(hidden.has(rel[1]) || hidden.has(rel[2]) ? [rel[0], rel[1], rel[2], null] : rel));
        }
        const redacted = row.node.redacted === true;
        if (!redacted) this.loaders.nodeById.prime(row.node.id, row.node);
        if (row !== group.root) {
          nodes.push({ id: row.node.id, kind: kindOf(row.node)!, distance: hopsFor(row.edges), frontier, entity: row.node, redacted });
        }
      }
      return { root: group.root.node, nodes, edges, truncated: group.found.length > limit };
    });
  }
}
