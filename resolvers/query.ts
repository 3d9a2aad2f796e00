import type { RequestContext } from '../src/context.js';
import type { Direction, LineageFilter } from '../src/domain/lineage.js';
import type { AuditFilter, DatumFilter, ExecutionFilter } from '../src/domain/filters.js';
import type { VersionService } from '../src/services/versions.js';
import { impactNodeFields, lineageNodeFields, pathNodeFields, type SelectionInfo } from '../src/graphql/selection.js';
import { byId } from './shared.js';
import { webhookQueries } from './webhook.js';

type Ctx = RequestContext;
type VersionArgs = { id?: string | null; uri?: string | null; project?: string | null };
type ListArgs<F> = { filter?: F | null; first?: number | null; after?: string | null };

const version = (pick: (ctx: Ctx) => VersionService, label: string) => (_: unknown, a: VersionArgs, ctx: Ctx) =>
  a.id ? byId(ctx, a.id, label) : a.uri ? pick(ctx).findByUri(a.uri, a.project) : null;

export const Query = {
  node: (_: unknown, a: { id: string }, ctx: Ctx) => ctx.loaders.nodeById.load(a.id),
  project: (_: unknown, a: { name: string }, ctx: Ctx) => ctx.loaders.projectByName.load(a.name),
  projects: (_: unknown, a: { first?: number | null }, ctx: Ctx) => ctx.services.projects(a.first),
  datum: (_: unknown, a: { id?: string; uri?: string; project?: string; asOf?: string }, ctx: Ctx) => ctx.services.datums.find(a),
  datums: (_: unknown, a: ListArgs<DatumFilter>, ctx: Ctx) => ctx.services.datums.list(a.filter, a.first, a.after),
  execution: (_: unknown, a: { id: string }, ctx: Ctx) => byId(ctx, a.id, 'Execution'),
  executions: (_: unknown, a: ListArgs<ExecutionFilter>, ctx: Ctx) => ctx.services.executions.list(a.filter, a.first, a.after),
  alias: (_: unknown, a: { project: string; name: string }, ctx: Ctx) => ctx.services.aliases.get(a.project, a.name),
  model: (_: unknown, a: { project: string; name: string }, ctx: Ctx) => ctx.services.models.getOwner(a.project, a.name),
  modelVersion: version((ctx) => ctx.services.models, 'ModelVersion'),
  dataset: (_: unknown, a: { project: string; name: string }, ctx: Ctx) => ctx.services.datasets.getOwner(a.project, a.name),
  datasetVersion: version((ctx) => ctx.services.datasets, 'DatasetVersion'),
  compareExecutions: (_: unknown, a: { ids: string[]; keys?: string[] | null }, ctx: Ctx) => ctx.services.comparison.compare(a.ids, a.keys),
  tokens: (_: unknown, __: unknown, ctx: Ctx) => ctx.tokens.list(),
  status: (_: unknown, __: unknown, ctx: Ctx) => ctx.services.status(),
  auditLog: (_: unknown, a: ListArgs<AuditFilter>, ctx: Ctx) => ctx.services.audit.page(a.filter, a.first, a.after),
  // an explicit null direction means the argument's default
  lineage: (_: unknown, a: { id: string; direction: Direction | 'BOTH' | null; depth: number; limit: number; filter?: LineageFilter | null; asOf?: string | null }, ctx: Ctx, info: SelectionInfo) =>
    ctx.services.lineage.graph(a.id, a.direction ?? 'BOTH', a.depth, a.limit, { filter: a.filter, asOf: a.asOf, fields: lineageNodeFields(info) }),
  lineageCount: (_: unknown, a: { id: string; direction: Direction | 'BOTH' | null; depth: number; filter?: LineageFilter | null; asOf?: string | null }, ctx: Ctx) =>
    ctx.services.lineage.count(a.id, a.direction ?? 'BOTH', a.depth, { filter: a.filter, asOf: a.asOf }),
  impact: (_: unknown, a: { id: string; depth: number; limit: number; asOf?: string | null }, ctx: Ctx, info: SelectionInfo) =>
    ctx.services.lineageQuestions.impact(a.id, a.depth, a.limit, a.asOf, impactNodeFields(info)),
  lineagePaths: (_: unknown, a: { from: string; to: string; maxHops: number; limit: number; asOf?: string | null }, ctx: Ctx, info: SelectionInfo) =>
    ctx.services.lineageQuestions.paths(a.from, a.to, a.maxHops, a.limit, a.asOf, pathNodeFields(info)),
  lineageDiff: (_: unknown, a: { a: string; b: string; depth: number }, ctx: Ctx) => ctx.services.lineageQuestions.diff(a.a, a.b, a.depth),
  ...webhookQueries,
};
