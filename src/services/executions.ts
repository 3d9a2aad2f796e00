import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import { int } from '../db/records.js';
import { badInput, conflict, notFound } from '../domain/errors.js';
import { checkBatch, checkTags, checkText, optionalText } from '../domain/validation.js';
import type { Entity } from '../db/records.js';
import type { CheckedOutput } from '../domain/outputs.js';
import {
  claimExternalOutputsQuery,
  createExecutionQuery,
  executionQuery,
  mergeExternalOutputsQuery,
  recordInputsQuery,
  setStatusQuery,
  writeStoredOutputsQuery,
  type StatusTime,
} from '../db/cypher/executions.js';
import { listPage } from './lists.js';
import { executionsWhere } from '../db/cypher/lists.js';
import type { ExecutionFilter } from '../domain/filters.js';
import { ensureProject, lockNode } from './projects.js';
import { addTagsQuery } from '../db/cypher/tags.js';
import type { Principal } from '../domain/roles.js';
import { resolveInputRefs, type InputRef } from './refs.js';
import { parseMetadata, SYSTEM_GROUP } from '../domain/metadata.js';
import { writeEntriesQuery } from '../db/cypher/metadata.js';
import { someIds, type ChangeEvent } from '../domain/events.js';
import { metadataLogged } from './metadata.js';
import { checkOutputs, type OutputInput } from '../domain/outputs.js';

export const EXECUTION_KINDS = ['STEP', 'PIPELINE', 'NOTEBOOK', 'ADHOC', 'DEPLOYMENT'] as const;
export const TERMINAL = ['COMPLETED', 'FAILED', 'STOPPED'] as const;
type Terminal = (typeof TERMINAL)[number];

export interface CreateExecutionInput {
  project: string;
  name: string;
  kind: (typeof EXECUTION_KINDS)[number];
  parentId?: string | null;
  commit?: string | null;
  repository?: string | null;
  image?: string | null;
  hardware?: string | null;
  host?: string | null;
  commands?: string[] | null;
  parameters?: Record<string, unknown> | null;
  createdBy?: string | null;
  costAmount?: number | null;
  costCurrency?: string | null;
  attempt?: number | null;
  tags?: string[] | null;
}



/** Seconds from start to end, once both are known. */
export const durationSeconds = (e: Record<string, any>): number | null =>
  e.startedAt && e.endedAt ? (Date.parse(e.endedAt) - Date.parse(e.startedAt)) / 1000 : null;

/** `execution.status_changed`: its status moved from `from` (null: it was just created). */
export const statusChanged = (e: Entity, from: string | null): ChangeEvent => ({
  type: 'execution.status_changed',
  project: e.project,
  data: { executionId: e.id, name: e.name, kind: e.kind, from, to: e.status },
});

/** `lineage.recorded`: what an execution newly read and wrote (ids, capped, with their counts). */
export const lineageRecorded = (project: string, executionId: string, inputs: string[], outputs: string[]): ChangeEvent => ({
  type: 'lineage.recorded',
  project,
  data: { executionId, inputs: someIds(inputs), outputs: someIds(outputs) },
});

/**
 * The system record every execution gets without asking (group `system`, source SYSTEM):
 * host, image, hardware, commit, repository and attempt at creation, startedAt when it
 * starts, endedAt and duration (seconds) when it ends.
 */
export async function recordSystemMetadata(tx: Tx, project: string, executionId: string, fields: Record<string, unknown>, principal: Principal) {
  const system: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    system[key] = key === 'startedAt' || key === 'endedAt' ? { $type: 'DateTime', value } : value;
  }
  const { values, problems } = parseMetadata({ [SYSTEM_GROUP]: system }, { system: true });
  if (problems.length) throw new Error(`system metadata rejected: ${JSON.stringify(problems)}`);
  if (!values.length) return;
  const written = await tx.run(writeEntriesQuery(values.map((value) => ({ id: randomUUID(), target: executionId, value, execution: null, source: 'SYSTEM' })), principal.name, { nodes: false }));
  tx.emit(metadataLogged(project, executionId, written));
}

export class ExecutionService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
  ) {}

  create(input: CreateExecutionInput): Promise<Entity> {
    const props = {
      name: checkText('input.name', input.name, 256),
      kind: input.kind,
      commit: optionalText('input.commit', input.commit, 256),
      repository: optionalText('input.repository', input.repository),
      image: optionalText('input.image', input.image),
      hardware: optionalText('input.hardware', input.hardware, 256),
      host: optionalText('input.host', input.host, 256),
      commands: input.commands ? checkBatch('input.commands', input.commands, 0).map((c, i) => checkText(`input.commands.${i}`, c, 65536)) : null,
      parameters: input.parameters ? JSON.stringify(input.parameters) : null,
      createdBy: optionalText('input.createdBy', input.createdBy, 256) ?? this.principal.name,
      costAmount: input.costAmount ?? null,
      costCurrency: optionalText('input.costCurrency', input.costCurrency, 8),
      attempt: input.attempt === null || input.attempt === undefined ? int(1) : int(input.attempt),
    };
    if (props.costAmount !== null && !(props.costAmount >= 0)) throw badInput(`input.costAmount must be >= 0, got ${props.costAmount}`, { field: 'input.costAmount' });
    if (input.attempt !== null && input.attempt !== undefined && input.attempt < 1) throw badInput(`input.attempt must be >= 1, got ${input.attempt}`, { field: 'input.attempt' });
    const tags = checkTags(input.tags ?? [], 'input.tags');
    const id = randomUUID();
    return this.executor.write(async (tx) => {
      await ensureProject(tx, input.project);
      if (input.parentId) {
        const [parent] = await tx.run(executionQuery(input.parentId));
        if (!parent) throw notFound('Execution', input.parentId, { field: 'input.parentId' });
        if (parent.e.project !== input.project) {
          throw badInput(`input.parentId '${input.parentId}' is in project '${parent.e.project}', not '${input.project}'`, { field: 'input.parentId' });
        }
      }
      const [row] = await tx.run(createExecutionQuery(id, input.project, props, input.parentId ?? null));
      tx.emit(statusChanged(row.e, null));
      if (tags.length) await tx.run(addTagsQuery([id], tags));
      await recordSystemMetadata(tx, input.project, id, { host: props.host, image: props.image, hardware: props.hardware, commit: props.commit, repository: props.repository, attempt: input.attempt ?? 1 }, this.principal);
      return row.e as Entity;
    });
  }

  /** QUEUED -> RUNNING; starting a running execution again changes nothing. */
  start(id: string): Promise<Entity> {
    return this.transition(id, ['QUEUED', 'RUNNING'], 'RUNNING', 'startedAt');
  }

  /** QUEUED or RUNNING -> COMPLETED, FAILED or STOPPED; finishing again with the same status changes nothing. */
  finish(id: string, status: Terminal): Promise<Entity> {
    return this.transition(id, ['QUEUED', 'RUNNING', status], status, 'endedAt');
  }

  private transition(id: string, from: string[], to: string, time: StatusTime): Promise<Entity> {
    return this.executor.write(async (tx) => {
      const current = await lockNode(tx, 'Execution', id);
      if (!current) throw notFound('Execution', id);
      if (!from.includes(current.status)) {
        throw conflict(`Execution '${id}' is ${current.status}; it can go to ${to} only from ${from.join(' or ')}`, { status: current.status });
      }
      const [row] = await tx.run(setStatusQuery(id, to, time));
      const e = row.e as Entity;
      if (current.status !== to) {
        tx.emit(statusChanged(e, current.status));
        const times = to === 'RUNNING'
          ? { startedAt: e.startedAt }
          : { endedAt: e.endedAt, duration: durationSeconds(e) };
        await recordSystemMetadata(tx, e.project, id, times, this.principal);
      }
      return e;
    });
  }

  /** Records what the execution read; aliases resolve now and the edge keeps the alias name. */
  recordInputs(executionId: string, inputs: InputRef[]): Promise<Entity[]> {
    checkBatch('inputs', inputs);
    return this.executor.write(async (tx) => {
      const execution = await requireExecution(tx, executionId);
      const resolved = await resolveInputRefs(tx, execution.project, inputs, 'inputs');
      if (resolved.some((r) => r.node.id === executionId)) throw badInput('An execution cannot read itself', { field: 'inputs' });
      const recorded = await tx.run(recordInputsQuery(executionId, resolved.map((r) => ({ id: r.node.id, inputName: r.inputName, alias: r.alias }))));
      const read = recorded.filter((r) => r.created).map((r) => r.id as string);
      if (read.length) tx.emit(lineageRecorded(execution.project, executionId, read, []));
      return resolved.filter((r) => r.node.labels.includes('Datum')).map((r) => r.node);
    });
  }

  /**
   * Records the files the execution wrote. Idempotent on (path, sha256) per execution:
   * recording the same output again returns the datum already recorded.
   */
  recordOutputs(executionId: string, outputs: OutputInput[]): Promise<Entity[]> {
    checkBatch('outputs', outputs);
    const rows = checkOutputs(outputs, 'outputs');
    return this.executor.write(async (tx) => {
      await requireExecution(tx, executionId);
      return (await writeOutputs(tx, executionId, rows)).map((r) => r.datum);
    });
  }

  list(filter: ExecutionFilter | null | undefined, first?: number | null, after?: string | null) {
    return listPage(this.executor, 'Execution', executionsWhere(filter), first, after);
  }
}

export async function requireExecution(tx: Tx, id: string): Promise<Entity> {
  const [row] = await tx.run(executionQuery(id));
  if (!row) throw notFound('Execution', id);
  return row.e;
}

/**
 * Writes outputs in the caller's transaction, in input order, each with whether it was
 * created now. Stored files are idempotent on (path, sha256) per execution; an external
 * URI names one datum per project, which may have only one producer.
 */
export async function writeOutputs(tx: Tx, executionId: string, rows: CheckedOutput[]): Promise<Array<{ datum: Entity; created: boolean }>> {
  const toWrite = ({ i, id, path, size, sha256, contentType }: CheckedOutput) => ({ i, id, path, size: int(size), sha256, contentType });
  // The same file listed twice in one call is one datum.
  const storedKey = (r: { path: string; sha256: string }) => `${r.path}\0${r.sha256}`;
  const stored = [...new Map(rows.filter((r) => !r.uri).map((r) => [storedKey(r), r])).values()];
  const external = rows.filter((r) => r.uri);
  const found = new Map<string, { datum: Entity; created: boolean }>();
  if (stored.length) {
    for (const r of await tx.run(writeStoredOutputsQuery(executionId, stored.map(toWrite)))) found.set(storedKey(r.d), { datum: r.d, created: r.created });
  }
  if (external.length) {
    for (const r of await tx.run(mergeExternalOutputsQuery(executionId, external.map((o) => ({ ...toWrite(o), uri: o.uri! }))))) {
      if (r.producer && r.producer !== executionId) {
        throw conflict(`outputs.${r.i}.uri '${r.d.uri}' was already written by execution '${r.producer}'; a datum has one producer`, { field: `outputs.${r.i}.uri` });
      }
      found.set(r.d.uri, { datum: r.d, created: r.created });
    }
    await tx.run(claimExternalOutputsQuery(executionId, [...new Set(external.map((r) => r.uri!))]));
  }
  const created = [...new Set([...found.values()].filter((f) => f.created).map((f) => f.datum.id))];
  if (created.length) tx.emit(lineageRecorded([...found.values()][0].datum.project, executionId, [], created));
  return rows.map((r) => found.get(r.uri ?? storedKey(r))!);
}
