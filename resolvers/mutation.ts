import type { RequestContext } from '../src/context.js';
import type { SetAliasInput } from '../src/services/aliases.js';
import type { CreateExecutionInput } from '../src/services/executions.js';
import type { OutputInput } from '../src/domain/outputs.js';
import type { InputRef } from '../src/services/refs.js';
import type { IngestArgs } from '../src/ingest/request.js';
import type { DecisionInput } from '../src/services/approvals.js';
import { webhookMutations } from './webhook.js';

type Ctx = RequestContext;
type Targets = { targets: string[]; tags: string[] };

export const Mutation = {
  createToken: (_: unknown, a: { name: string; role: string; projects: string[] }, ctx: Ctx) => ctx.tokens.create(a),
  revokeToken: (_: unknown, a: { id: string }, ctx: Ctx) => ctx.tokens.revoke(a.id),
  createExecution: (_: unknown, a: { input: CreateExecutionInput }, ctx: Ctx) => ctx.services.executions.create(a.input),
  startExecution: (_: unknown, a: { id: string }, ctx: Ctx) => ctx.services.executions.start(a.id),
  finishExecution: (_: unknown, a: { id: string; status: 'COMPLETED' | 'FAILED' | 'STOPPED' }, ctx: Ctx) =>
    ctx.services.executions.finish(a.id, a.status),
  recordInputs: (_: unknown, a: { executionId: string; inputs: InputRef[] }, ctx: Ctx) =>
    ctx.services.executions.recordInputs(a.executionId, a.inputs),
  recordOutputs: (_: unknown, a: { executionId: string; outputs: OutputInput[] }, ctx: Ctx) =>
    ctx.services.executions.recordOutputs(a.executionId, a.outputs),
  addTags: (_: unknown, a: Targets, ctx: Ctx) => ctx.services.tags.add(a.targets, a.tags),
  removeTags: (_: unknown, a: Targets, ctx: Ctx) => ctx.services.tags.remove(a.targets, a.tags),
  setAlias: (_: unknown, a: SetAliasInput, ctx: Ctx) => ctx.services.aliases.set(a),
  deleteAlias: (_: unknown, a: { project: string; name: string }, ctx: Ctx) => ctx.services.aliases.delete(a.project, a.name),
  createModelVersion: (_: unknown, a: { project: string; model: string; datumIds: string[] }, ctx: Ctx) =>
    ctx.services.models.create(a.project, a.model, a.datumIds),
  createDatasetVersion: (_: unknown, a: { project: string; dataset: string; version: string; datumIds: string[] }, ctx: Ctx) =>
    ctx.services.datasets.create(a.project, a.dataset, a.datumIds, a.version),
  logMetadata: (_: unknown, a: { target: string; metadata: object; execution?: string | null; project?: string | null }, ctx: Ctx) =>
    ctx.services.metadata.log(a.target, a.metadata, a.execution, a.project),
  applyMetadata: (_: unknown, a: { datumId: string; properties: object }, ctx: Ctx) =>
    ctx.services.metadata.applyToDatums([a], 'properties', () => 'datumId').then((r) => r[0]),
  applyMetadataBatch: (_: unknown, a: { items: Array<{ datumId: string; properties: object }> }, ctx: Ctx) =>
    ctx.services.metadata.applyToDatums(a.items, 'items', (i) => `items.${i}.datumId`),
  applyMetadataAll: (_: unknown, a: { datumIds: string[]; properties: object }, ctx: Ctx) =>
    ctx.services.metadata.applyToDatums(a.datumIds.map((datumId) => ({ datumId, properties: a.properties })), 'datumIds', (i) => `datumIds.${i}`),
  ingestOutputs: (_: unknown, a: IngestArgs, ctx: Ctx) => ctx.services.ingest.ingest(a),
  approveModelVersion: (_: unknown, a: DecisionInput, ctx: Ctx) => ctx.services.approvals.decide('APPROVED', a),
  rejectModelVersion: (_: unknown, a: DecisionInput, ctx: Ctx) => ctx.services.approvals.decide('REJECTED', a),
  archiveModelVersion: (_: unknown, a: DecisionInput, ctx: Ctx) => ctx.services.approvals.decide('ARCHIVED', a),
  protectAlias: (_: unknown, a: { project: string; name: string; protected: boolean }, ctx: Ctx) => ctx.services.aliases.protect(a.project, a.name, a.protected),
  addToDatasetVersion: (_: unknown, a: { id: string; datumIds: string[] }, ctx: Ctx) => ctx.services.datasets.addDatums(a.id, a.datumIds),
  ...webhookMutations,
};
