import type { RequestContext } from '../src/context.js';
import type { Direction } from '../src/domain/lineage.js';
import type { Entity } from '../src/db/records.js';
import type { RelationName } from '../src/db/cypher/relations.js';
import { relationConnection } from '../src/services/connection.js';
import { walkNodeFields, type SelectionInfo } from '../src/graphql/selection.js';

/** Field resolvers that several types share. */
export type Parent = Entity;
type PageArgs = { first?: number | null; after?: string | null };
type WalkArgs = { depth: number; limit: number };

export const projectField = (n: Parent, _: unknown, ctx: RequestContext) => ctx.loaders.projectByName.load(n.project);

/** A per-parent list field: `first` items (the relation's default and maximum apply). */
export const related = (name: RelationName) => (n: Parent, args: { first?: number | null }, ctx: RequestContext) => ctx.loaders.related(name, args.first).load(n.id);

export const relatedOne = (name: RelationName) => (n: Parent, _: unknown, ctx: RequestContext) => ctx.loaders.single(name, n.id);

export const relatedPage = (name: RelationName) => (n: Parent, args: PageArgs, ctx: RequestContext) =>
  relationConnection(ctx.loaders, name, n.id, args.first, args.after);

const walk = (direction: Direction) => async (n: Parent, args: WalkArgs, ctx: RequestContext, info: SelectionInfo) =>
  (await ctx.services.lineage.walk(n.id, direction, args.depth, args.limit, { fields: walkNodeFields(info) }))?.nodes ?? [];

/** `metadata(keys, history, first)` on every describable type. */
export const metadataField = (n: Parent, args: { keys?: string[] | null; history: boolean; first?: number | null }, ctx: RequestContext) =>
  ctx.loaders.metadataOf(args.keys, args.history, args.first).load(n.id);

/** upstream/downstream on every lineage node type. */
export const lineageFields = { upstream: walk('UPSTREAM'), downstream: walk('DOWNSTREAM') };

/** A node by id, or null when it is not of the expected label. */
export async function byId(ctx: RequestContext, id: string, label: string): Promise<Entity | null> {
  const node = await ctx.loaders.nodeById.load(id);
  return node?.labels.includes(label) ? node : null;
}
