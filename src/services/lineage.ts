import DataLoader from 'dataloader';
import { keepCondition, lineageNodesQuery, lineageQuery, lineageStepQuery, type NodeFields, type WalkShape } from '../db/cypher/lineage.js';
import type { Executor, Row, Tx } from '../db/executor.js';
import { badInput, notFound } from '../domain/errors.js';
import { checkAsOf, checkFilter } from '../domain/lineage-checks.js';
import {
  COUNT_CAP,
  DERIVED_BUDGET,
  hopsFor,
  lineageBounds,
  MAX_FAN_OUT,
  shapesWalk,
  type Direction,
  type LineageEdge,
  type LineageFilter,
  type LineageKind,
} from '../domain/lineage.js';
import type { Entity } from '../db/records.js';
import { KIND_OF_LABEL } from '../domain/labels.js';
import type { Loaders } from '../loaders/index.js';

export interface LineageNode {
  id: string;
  kind: LineageKind;
  /** Hops from the root (Datum -> Execution -> Datum is one hop). */
  distance: number;
  /** Graph edges from the root (paths prune on it). */
  edges: number;
  /** True when the node has neighbours in the walked direction that the answer leaves out. */
  frontier: boolean;
  /** The node, or for a node of a project the token may not read only its id and labels. */
  entity: Entity;
  redacted: boolean;
}

export interface Walk {
  root: Entity;
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}

export interface LineageGraph extends Walk {
  depthReached: number;
}

export interface WalkOptions {
  filter?: LineageFilter | null;
  asOf?: string | null;
  /**
   * Only these properties of each node, for an answer whose selection reads no others;
   * whole nodes when absent. A walk's callers that read entities themselves (impact,
   * paths, diff) take whole nodes.
   */
  fields?: NodeFields | null;
}

export interface KindCount {
  kind: LineageKind;
  count: number;
}

/** A walk `asOf` a time compares its root's creation time with it. */
function withRootCheck(fields: NodeFields | null | undefined, asOf: string | null): NodeFields | null {
  if (!fields || !asOf || fields.properties.includes('createdAt')) return fields ?? null;
  return { properties: [...fields.properties, 'createdAt'], temporal: [...fields.temporal, 'createdAt'] };
}

export const kindOf = (entity: { labels: string[] }): LineageKind | undefined => entity.labels.map((l) => KIND_OF_LABEL[l]).find(Boolean);

/** READ is the walk's mirror of CONSUMED_BY; callers see the edge as stored in the contract. */
type RawRel = [type: string, start: string, end: string, inputName: string | null];

/** A node as a walk found it, before the answer is assembled. */
interface Reached {
  entity: Entity;
  edges: number;
  /** Its walk-direction edges; null where they were not asked for (the last hop of a hop-by-hop walk, a stop node). */
  rels: RawRel[] | null;
  kept: boolean;
  /** It has walk-direction neighbours the walk did not follow (cut by the fan-out, or not asked for). */
  more: boolean;
}

function contractEdge([type, start, end, inputName]: RawRel): LineageEdge {
  if (type === 'READ') return { from: end, to: start, type: 'CONSUMED_BY', inputName };
  return { from: start, to: end, type: type as LineageEdge['type'], inputName: null };
}

/** Code-point order, as Cypher's ORDER BY sorts ids. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The node a walk-direction edge leads to from `id`. */
const across = (rel: RawRel, id: string) => (rel[1] === id ? rel[2] : rel[1]);

/**
 * Lineage walks. Without stop nodes or a fan-out cap, one statement walks every root of a
 * request (the pruning breadth-first expand); with them, the walk goes hop by hop inside
 * one read transaction, a frontier and a visited set per hop, so each node is still
 * visited once. Both end in the same assembly: kept nodes, edges among them, DERIVED
 * edges across hidden ones, and frontier flags.
 */
export class LineageService {
  private readonly walks = new Map<string, DataLoader<string, Walk | null>>();

  constructor(
    private readonly executor: Executor,
    private readonly loaders: Loaders,
  ) {}

  /** Upstream or downstream of many roots at once: one query per (direction, depth, limit, options). */
  walk(rootId: string, direction: Direction, depth: number, limit: number, options: WalkOptions = {}): Promise<Walk | null> {
    const bounds = lineageBounds(depth, limit);
    const filter = checkFilter(options.filter);
    const asOf = checkAsOf(options.asOf);
    const fields = withRootCheck(options.fields, asOf);
    const key = JSON.stringify([direction, bounds.depth, bounds.limit, filter, asOf, fields]);
    let loader = this.walks.get(key);
    if (!loader) {
      loader = new DataLoader((ids) => this.walkMany(ids as string[], direction, bounds.depth, bounds.limit, filter, asOf, fields));
      this.walks.set(key, loader);
    }
    return loader.load(rootId);
  }

  /** `Query.lineage`: both directions merged, the root at distance 0. */
  async graph(rootId: string, direction: Direction | 'BOTH', depth: number, limit: number, options: WalkOptions = {}): Promise<LineageGraph> {
    const directions: Direction[] = direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [direction];
    const walks = await Promise.all(directions.map((d) => this.walk(rootId, d, depth, limit, options)));
    if (walks.some((w) => w === null)) await this.requireLineageRoot(rootId, { asOf: checkAsOf(options.asOf) });
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
    let list = [...nodes.values()].sort((a, b) => a.distance - b.distance || byCodePoint(a.id, b.id));
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

  /** `lineageCount`: the kept nodes (the root not counted) per kind, walking at most COUNT_CAP nodes. */
  async count(rootId: string, direction: Direction | 'BOTH', depth: number, options: WalkOptions = {}): Promise<{ total: number; byKind: KindCount[]; truncated: boolean }> {
    const { depth: hops } = lineageBounds(depth, 1);
    const filter = checkFilter(options.filter);
    const asOf = checkAsOf(options.asOf);
    const shape: WalkShape = { asOf, keep: keepCondition(filter), lean: true };
    const directions: Direction[] = direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [direction];
    const counted = new Map<string, LineageKind>();
    let truncated = false;
    for (const d of directions) {
      const reached = shapesWalk(filter)
        ? await this.executor.read((tx) => this.hopByHop(tx, rootId, d, hops, COUNT_CAP, filter, shape))
        : await this.executor.query(lineageQuery([rootId], d, hops, COUNT_CAP, shape));
      if (shapesWalk(filter) && reached === null) await this.requireLineageRoot(rootId, { asOf });
      const rows = (reached ?? []) as Row[];
      if (!shapesWalk(filter) && !rows.length) await this.requireLineageRoot(rootId, { asOf, emptyWalk: true });
      truncated ||= rows.filter((r) => r.id !== rootId).length > COUNT_CAP;
      for (const row of rows.slice(0, COUNT_CAP + 1)) {
        if (row.id === rootId || !row.kept) continue;
        counted.set(row.id, kindOf(row as { labels: string[] })!);
      }
    }
    const byKind = new Map<LineageKind, number>();
    for (const kind of counted.values()) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    return { total: counted.size, byKind: [...byKind].map(([kind, count]) => ({ kind, count })).sort((a, b) => a.kind.localeCompare(b.kind)), truncated };
  }

  /**
   * Why a walk found no root: NOT_FOUND (unknown, not readable, or recorded after
   * `asOf`) or BAD_USER_INPUT (not a lineage node), naming `field`. Returns only when the
   * root is fine, which a caller that got an empty walk asks about (`emptyWalk`).
   */
  async requireLineageRoot(id: string, { asOf = null, field = 'id', emptyWalk = false }: { asOf?: string | null; field?: string; emptyWalk?: boolean } = {}): Promise<void> {
    const entity = await this.loaders.nodeById.load(id);
    if (!entity) throw notFound('Node', id, { field });
    if (!kindOf(entity)) {
      throw badInput(`Node '${id}' is a ${entity.labels.filter((l) => l !== 'Entity').join('/')}; lineage starts at a datum, execution, model version or dataset version`, { field });
    }
    if (asOf && entity.createdAt > asOf) throw notFound(`Node as of ${asOf}`, id, { field, recordedAt: entity.createdAt });
    if (!emptyWalk) throw notFound('Node', id, { field });
  }

  private async walkMany(rootIds: string[], direction: Direction, depth: number, limit: number, filter: LineageFilter, asOf: string | null, fields: NodeFields | null): Promise<Array<Walk | null>> {
    const shape: WalkShape = { asOf, keep: keepCondition(filter), fields };
    if (shapesWalk(filter)) {
      return this.executor.read(async (tx) => {
        const out: Array<Walk | null> = [];
        for (const id of rootIds) {
          const reached = await this.hopByHop(tx, id, direction, depth, limit, filter, shape);
          out.push(reached ? this.assemble(id, reached as Map<string, Reached>, direction, limit, !fields) : null);
        }
        return out;
      });
    }
    const rows = await this.executor.query(lineageQuery(rootIds, direction, depth, limit, shape));
    const byRoot = new Map<string, Map<string, Reached>>();
    for (const row of rows) {
      const reached = byRoot.get(row.rootId) ?? new Map<string, Reached>();
      reached.set(row.node.id, { entity: row.node, edges: row.edges, rels: row.rels, kept: row.kept, more: false });
      byRoot.set(row.rootId, reached);
    }
    return rootIds.map((id) => {
      const reached = byRoot.get(id);
      const root = reached?.get(id);
      if (!reached || !root || !kindOf(root.entity)) return null;
      if (asOf && root.entity.createdAt > asOf) return null;
      return this.assemble(id, reached, direction, limit, !fields);
    });
  }

  /**
   * A walk hop by hop, for stop nodes and fan-out caps, which a variable-length pattern
   * cannot express: per hop one statement over the frontier; each node is expanded once
   * (the visited map), stop nodes are answered but not expanded, and a node with more
   * neighbours than `maxFanOut` follows its newest `maxFanOut` and is marked. Null when
   * the root is not a readable lineage node. Lean shapes return the rows to count.
   */
  private async hopByHop(tx: Tx, rootId: string, direction: Direction, depth: number, limit: number, filter: LineageFilter, shape: WalkShape): Promise<Map<string, Reached> | Row[] | null> {
    const [rootRow] = await tx.run(lineageNodesQuery([rootId], direction, { asOf: shape.asOf, keep: null }));
    if (!rootRow || rootRow.node.redacted || !kindOf(rootRow.node) || (shape.asOf && rootRow.node.createdAt > shape.asOf)) return null;
    const stop = new Set((filter.stopAt ?? []).filter((id) => id !== rootId));
    const fan = filter.maxFanOut ?? MAX_FAN_OUT;
    const visited = new Map<string, { edges: number; rels: RawRel[] | null; cut: boolean }>([[rootId, { edges: 0, rels: null, cut: false }]]);
    let frontier = [rootId];
    for (let edges = 1; edges <= 2 * depth && frontier.length; edges++) {
      const expand = frontier.filter((id) => !stop.has(id));
      if (!expand.length) break;
      const next: string[] = [];
      for (const row of await tx.run(lineageStepQuery(expand, direction, fan + 1, shape.asOf))) {
        const all = row.rels as Array<[...RawRel, string]>;
        const node = visited.get(row.id)!;
        node.cut = all.length > fan;
        node.rels = all.slice(0, fan).map(([type, start, end, inputName]) => [type, start, end, inputName]);
        for (const rel of all.slice(0, fan)) {
          if (visited.has(rel[4])) continue;
          visited.set(rel[4], { edges, rels: null, cut: false });
          next.push(rel[4]);
        }
      }
      if (visited.size > limit + 1) break;
      frontier = next;
    }
    // nearest first; one past the limit tells the caller the answer was cut
    const ids = [...visited].sort(([a, x], [b, y]) => x.edges - y.edges || byCodePoint(a, b)).slice(0, limit + 2).map(([id]) => id);
    const rows = await tx.run(lineageNodesQuery(ids, direction, shape));
    if (shape.lean) return rows.map((r) => ({ ...r, edges: visited.get(r.id)!.edges }));
    const reached = new Map<string, Reached>();
    for (const row of rows) {
      const seen = visited.get(row.node.id)!;
      reached.set(row.node.id, { entity: row.node, edges: seen.edges, rels: seen.rels, kept: row.kept, more: seen.cut || (seen.rels === null && row.more) });
    }
    return reached;
  }

  /**
   * The answer from what a walk reached: at most `limit` nodes besides the root, nearest
   * first; the edges among them (an input name only where both ends are readable); nodes
   * the filter hides left out, their kept neighbours joined by DERIVED edges (the hidden
   * hops in `via`); and `frontier` where a node has neighbours the answer leaves out.
   */
  private assemble(rootId: string, reached: Map<string, Reached>, direction: Direction, limit: number, whole: boolean): Walk {
    const root = reached.get(rootId)!;
    const others = [...reached].filter(([id]) => id !== rootId).sort(([a, x], [b, y]) => x.edges - y.edges || byCodePoint(a, b));
    let truncated = others.length > limit;
    const answer = new Map<string, Reached>([[rootId, root], ...others.slice(0, limit)]);
    const readable = (id: string) => answer.get(id)?.entity.redacted !== true;
    const isKept = (id: string) => id === rootId || answer.get(id)!.kept;
    const next = new Map<string, Array<{ id: string; rel: RawRel }>>();
    const frontier = new Set<string>();
    const edges: LineageEdge[] = [];
    for (const [id, node] of answer) {
      if (node.more) frontier.add(id);
      const out: Array<{ id: string; rel: RawRel }> = [];
      for (const rel of node.rels ?? []) {
        const other = across(rel, id);
        if (!answer.has(other)) {
          frontier.add(id);
          continue;
        }
        out.push({ id: other, rel });
        // an input name is the reading execution's data: not shown when either end is hidden
        if (isKept(id) && isKept(other)) edges.push(contractEdge(readable(rel[1]) && readable(rel[2]) ? rel : [rel[0], rel[1], rel[2], null]));
      }
      next.set(id, out);
      // only a whole node may stand in for the node loader's answer
      if (whole && !node.entity.redacted) this.loaders.nodeById.prime(id, node.entity);
    }
    // Hidden nodes keep the graph connected: from each kept node, a breadth-first walk
    // through hidden nodes only, to the nearest kept ones.
    let budget = DERIVED_BUDGET;
    for (const id of answer.keys()) {
      if (!isKept(id)) continue;
      const via = new Map<string, string[]>([[id, []]]);
      const queue = [id];
      while (queue.length && budget > 0) {
        const at = queue.shift()!;
        for (const { id: other } of next.get(at) ?? []) {
          budget--;
          if (via.has(other)) continue;
          const path = at === id ? [] : [...via.get(at)!, at];
          via.set(other, path);
          if (isKept(other)) {
            if (path.length) edges.push(direction === 'UPSTREAM' ? { from: other, to: id, type: 'DERIVED', inputName: null, via: [...path].reverse() } : { from: id, to: other, type: 'DERIVED', inputName: null, via: path });
          } else {
            if (frontier.has(other)) frontier.add(id);
            queue.push(other);
          }
        }
      }
      if (budget <= 0) truncated = true;
    }
    const nodes: LineageNode[] = [];
    for (const [id, node] of answer) {
      if (id === rootId || !node.kept) continue;
      nodes.push({ id, kind: kindOf(node.entity)!, distance: hopsFor(node.edges), edges: node.edges, frontier: frontier.has(id), entity: node.entity, redacted: node.entity.redacted === true });
    }
    return { root: root.entity, nodes, edges, truncated };
  }
}
