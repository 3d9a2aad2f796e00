import { impactedAliasesQuery, type NodeFields } from '../db/cypher/lineage.js';
import { statusAsOfQuery } from '../db/cypher/approvals.js';
import type { Executor } from '../db/executor.js';
import { badInput, checkRange } from '../domain/errors.js';
import { checkAsOf } from '../domain/lineage-checks.js';
import {
  DIFF_DEPTH,
  DIFF_NODES,
  hopsFor,
  IMPACT_DEPTH,
  IMPACT_LIMIT,
  PATH_BUDGET,
  PATH_HOPS,
  PATH_LIMIT,
  PATH_NODES,
  type Direction,
  type LineageEdge,
} from '../domain/lineage.js';
import { SYSTEM_GROUP } from '../domain/metadata.js';
import type { Entity } from '../db/records.js';
import type { Loaders } from '../loaders/index.js';
import { kindOf, type LineageNode, type LineageService, type Walk } from './lineage.js';

export interface ImpactedAlias {
  alias: Entity;
  datum: Entity;
  current: boolean;
}

export interface FieldChange {
  field: string;
  a: unknown;
  b: unknown;
}

/** The flow of an edge, upstream node first (PRODUCED_BY and CONTAINS are stored against it). */
function flow(edge: LineageEdge): [string, string] {
  return edge.type === 'CONSUMED_BY' || edge.type === 'DERIVED' ? [edge.from, edge.to] : [edge.to, edge.from];
}

const readable = (n: LineageNode) => !n.redacted;

/**
 * The questions people bring to lineage, each built on the bounded walks of
 * LineageService: what breaks downstream (impact), how one node led to another (paths),
 * and what changed between two upstreams (diff).
 */
export class LineageQuestionService {
  constructor(
    private readonly executor: Executor,
    private readonly loaders: Loaders,
    private readonly lineage: LineageService,
  ) {}

  /**
   * A walk that must find its root: NOT_FOUND or BAD_USER_INPUT naming `field` otherwise.
   * `fields`: the properties its nodes are fetched with (whole nodes without it).
   */
  private async walkFrom(id: string, field: string, direction: Direction, depth: number, limit: number, asOf: string | null, fields?: NodeFields): Promise<Walk> {
    const walk = await this.lineage.walk(id, direction, depth, limit, { asOf, fields });
    if (walk) return walk;
    await this.lineage.requireLineageRoot(id, { asOf, field });
    throw new Error(`walk from ${id} found no root`);
  }

  /**
   * Everything downstream of a node that matters if it is wrong: every node (with kind and
   * distance), the deployments among them, the model versions (with their approval
   * status) and dataset versions, and the aliases that point, or once pointed, at the root
   * or a downstream datum. At `asOf`, the graph and the aliases as they stood then.
   * `fields`: what the answer's nodes need (src/graphql/selection.ts), all when not given.
   */
  async impact(id: string, depth: number, limit: number, asOfArg?: string | null, fields?: NodeFields) {
    checkRange('depth', depth, 1, IMPACT_DEPTH.max);
    checkRange('limit', limit, 1, IMPACT_LIMIT.max);
    const asOf = checkAsOf(asOfArg);
    const walk = await this.walkFrom(id, 'id', 'DOWNSTREAM', depth, limit, asOf, fields);
    const root: LineageNode = { id, kind: kindOf(walk.root)!, distance: 0, edges: 0, frontier: false, entity: walk.root, redacted: false };
    const seen = walk.nodes.filter(readable);
    const ofKind = (kind: string) => seen.filter((n) => n.kind === kind).map((n) => n.entity);
    const datums = [root, ...seen].filter((n) => n.kind === 'DATUM');
    const byId = new Map(datums.map((n) => [n.id, n.entity]));
    const aliases = datums.length ? await this.executor.query(impactedAliasesQuery(datums.map((n) => n.id), asOf)) : [];
    // at a past time, a model version's status is the one decided by then
    const versions = ofKind('MODEL_VERSION');
    if (asOf && versions.length) {
      const status = new Map((await this.executor.query(statusAsOfQuery(versions.map((v) => v.id), asOf))).map((r) => [r.id as string, r.status as string]));
      for (const node of seen) if (status.has(node.id)) node.entity = { ...node.entity, status: status.get(node.id) };
    }
    return {
      root,
      nodes: walk.nodes,
      deployments: ofKind('EXECUTION').filter((e) => e.kind === 'DEPLOYMENT'),
      modelVersions: ofKind('MODEL_VERSION'),
      datasetVersions: ofKind('DATASET_VERSION'),
      aliases: aliases.map((r) => ({ alias: r.alias as Entity, datum: byId.get(r.datumId)!, current: r.current === true })) as ImpactedAlias[],
      truncated: walk.truncated,
    };
  }

  /**
   * Every simple path from `from` to `to` following lineage one way, shortest first. The
   * paths are enumerated only inside the subgraph between the two: the walk from `from`
   * meets the walk from `to` in the opposite direction, and only nodes whose distances
   * from both ends add up to at most the hop bound take part, so a diamond-heavy graph
   * outside them costs nothing. At most PATH_BUDGET partial paths are extended.
   * `fields`: what the paths' nodes need (all when not given); the walk from `to` is
   * matched by id only, so it fetches ids and labels.
   */
  async paths(from: string, to: string, maxHops: number, limit: number, asOfArg?: string | null, fields?: NodeFields) {
    checkRange('maxHops', maxHops, 1, PATH_HOPS.max);
    checkRange('limit', limit, 1, PATH_LIMIT.max);
    if (from === to) throw badInput('from and to must be different nodes', { field: 'to' });
    const asOf = checkAsOf(asOfArg);
    let direction: Direction | null = null;
    let forward: Walk | null = null;
    // a walk cut at its node budget may have missed `to`: "not connected" is then not sure
    let cut = false;
    for (const d of ['DOWNSTREAM', 'UPSTREAM'] as const) {
      const walk = await this.walkFrom(from, 'from', d, maxHops, PATH_NODES, asOf, fields);
      cut ||= walk.truncated;
      if (walk.nodes.some((n) => n.id === to)) {
        direction = d;
        forward = walk;
        break;
      }
    }
    // `to` must exist even when nothing connects the two
    const back = await this.walkFrom(to, 'to', direction === 'UPSTREAM' ? 'DOWNSTREAM' : 'UPSTREAM', maxHops, PATH_NODES, asOf, { properties: [], temporal: [] });
    if (!direction || !forward) return { direction: null, paths: [], truncated: cut };
    const maxEdges = 2 * maxHops;
    const fromStart = new Map([[from, 0], ...forward.nodes.map((n) => [n.id, n.edges] as const)]);
    const toEnd = new Map([[to, 0], ...back.nodes.map((n) => [n.id, n.edges] as const)]);
    const between = new Set([...fromStart.keys()].filter((id) => toEnd.has(id) && fromStart.get(id)! + toEnd.get(id)! <= maxEdges));
    // edges inside the subgraph, oriented the way the paths go
    const out = new Map<string, Array<{ id: string; edge: LineageEdge }>>();
    for (const edge of forward.edges) {
      const [up, down] = flow(edge);
      const [a, b] = direction === 'DOWNSTREAM' ? [up, down] : [down, up];
      if (!between.has(a) || !between.has(b)) continue;
      out.set(a, [...(out.get(a) ?? []), { id: b, edge }]);
    }
    const nodeOf = new Map<string, LineageNode>([[from, { id: from, kind: kindOf(forward.root)!, distance: 0, edges: 0, frontier: false, entity: forward.root, redacted: false }], ...forward.nodes.map((n) => [n.id, n] as const)]);
    // Breadth-first over partial paths: complete paths come out shortest first; every
    // partial path can still reach `to` in the edges it has left (toEnd), so none is wasted.
    // One path past the limit tells the answer it was cut.
    const found: Array<{ nodes: LineageNode[]; edges: LineageEdge[] }> = [];
    let layer: Array<{ ids: string[]; edges: LineageEdge[] }> = [{ ids: [from], edges: [] }];
    let budget = PATH_BUDGET;
    let truncated = forward.truncated || back.truncated;
    search: while (layer.length) {
      const nextLayer: typeof layer = [];
      for (const path of layer) {
        const at = path.ids[path.ids.length - 1];
        for (const step of out.get(at) ?? []) {
          if (path.ids.includes(step.id) || path.edges.length + 1 + toEnd.get(step.id)! > maxEdges) continue;
          if (--budget < 0) {
            truncated = true;
            break search;
          }
          const extended = { ids: [...path.ids, step.id], edges: [...path.edges, step.edge] };
          if (step.id !== to) nextLayer.push(extended);
          else if (found.push({ nodes: extended.ids.map((id, i) => ({ ...nodeOf.get(id)!, distance: hopsFor(i) })), edges: extended.edges }) > limit) break search;
        }
      }
      layer = nextLayer;
    }
    if (found.length > limit) truncated = true;
    return { direction, paths: found.slice(0, limit), truncated };
  }

  /**
   * The upstreams of two datums, model versions or dataset versions side by side: the
   * nodes in both and in one only, and the executions paired by name (the same step in
   * both lineages, the nearest of each name) with every field that differs: commit, image,
   * hardware, each parameter, each metadata value (the system record aside: its times
   * always differ) and each input by name.
   */
  async diff(a: string, b: string, depth: number) {
    checkRange('depth', depth, 1, DIFF_DEPTH.max);
    if (a === b) throw badInput('a and b must be different nodes', { field: 'b' });
    const [left, right] = await Promise.all([this.walkFrom(a, 'a', 'UPSTREAM', depth, DIFF_NODES, null), this.walkFrom(b, 'b', 'UPSTREAM', depth, DIFF_NODES, null)]);
    const [kindA, kindB] = [kindOf(left.root)!, kindOf(right.root)!];
    if (kindA === 'EXECUTION' || kindA !== kindB) {
      throw badInput(`lineageDiff compares two datums, two model versions or two dataset versions; got ${kindA} and ${kindB}`, { field: 'b' });
    }
    const inB = new Map(right.nodes.map((n) => [n.id, n]));
    const inA = new Set(left.nodes.map((n) => n.id));
    const nearestByName = (walk: Walk) => {
      const byName = new Map<string, LineageNode>();
      for (const n of walk.nodes) if (n.kind === 'EXECUTION' && readable(n) && !byName.has(n.entity.name)) byName.set(n.entity.name, n);
      return byName;
    };
    const [namesA, namesB] = [nearestByName(left), nearestByName(right)];
    const pairs = [...namesA].filter(([name, e]) => namesB.has(name) && namesB.get(name)!.id !== e.id).map(([name, e]) => ({ name, a: e.entity, b: namesB.get(name)!.entity }));
    const executions = await Promise.all(pairs.map(async (p) => ({ ...p, changes: await this.changes(p.a, p.b) })));
    return {
      a: left.root,
      b: right.root,
      common: left.nodes.filter((n) => inB.has(n.id)),
      onlyInA: left.nodes.filter((n) => !inB.has(n.id)),
      onlyInB: right.nodes.filter((n) => !inA.has(n.id)),
      executions: executions.sort((x, y) => x.name.localeCompare(y.name)),
    };
  }

  /** Every field of two executions that differs, named as FieldChange.field documents. */
  private async changes(a: Entity, b: Entity): Promise<FieldChange[]> {
    const changes: FieldChange[] = [];
    const compare = (field: string, x: unknown, y: unknown) => {
      if (JSON.stringify(x ?? null) !== JSON.stringify(y ?? null)) changes.push({ field, a: x ?? null, b: y ?? null });
    };
    for (const field of ['commit', 'image', 'hardware']) compare(field, a[field], b[field]);
    const params = (e: Entity) => (e.parameters ?? {}) as Record<string, unknown>;
    const [pa, pb] = [params(a), params(b)];
    for (const key of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort()) compare(`parameters.${key}`, pa[key], pb[key]);
    const [ma, mb] = await Promise.all([a.id, b.id].map((id) => this.loaders.metadataOf(null, false).load(id)));
    const values = (entries: Entity[]) => new Map(entries.filter((e) => e.group !== SYSTEM_GROUP).map((e) => [e.name as string, e.value]));
    const [va, vb] = [values(ma), values(mb)];
    for (const name of [...new Set([...va.keys(), ...vb.keys()])].sort()) compare(`metadata.${name}`, va.get(name), vb.get(name));
    const [ra, rb] = await Promise.all([a.id, b.id].map((id) => this.loaders.readsOf().load(id)));
    const inputs = (reads: Array<{ inputName: string; node: Entity }>) => {
      const byName = new Map<string, string[]>();
      for (const r of reads) byName.set(r.inputName, [...(byName.get(r.inputName) ?? []), r.node.id].sort());
      return new Map([...byName].map(([name, ids]) => [name, ids.length === 1 ? ids[0] : ids]));
    };
    const [ia, ib] = [inputs(ra), inputs(rb)];
    for (const name of [...new Set([...ia.keys(), ...ib.keys()])].sort()) compare(`input.${name}`, ia.get(name), ib.get(name));
    return changes;
  }
}
