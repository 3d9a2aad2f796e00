import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import { int } from '../db/records.js';
import { badInput, conflict, notFound } from '../domain/errors.js';
import { checkBatch, checkSha256, checkSize, checkText, optionalText } from '../domain/validation.js';
import type { Entity } from '../loaders/index.js';
import { parsePath, parseUri } from '../scalars/validators.js';
import { checked } from '../domain/validation.js';
import { commonWhere, listPage, type CommonFilter } from './lists.js';
import { ensureProject, lockNode } from './projects.js';
import { addTagsQuery, checkTags } from './tags.js';
import type { Principal } from '../access/roles.js';
import { resolveInputRefs, type InputRef } from './refs.js';
import { parseMetadata, SYSTEM_GROUP } from '../metadata/rules.js';
import { writeEntriesQuery } from '../metadata/store.js';
import { visible } from '../db/cypher/scope.js';

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

export interface OutputInput {
  path: string;
  size: number | bigint | string;
  sha256: string;
  uri?: string | null;
  contentType?: string | null;
}

export interface ExecutionFilter extends CommonFilter {
  status?: string[] | null;
  kind?: string[] | null;
  name?: string | null;
  parent?: string | null;
}

/** Seconds from start to end, once both are known. */
export const durationSeconds = (e: Record<string, any>): number | null =>
  e.startedAt && e.endedAt ? (Date.parse(e.endedAt) - Date.parse(e.startedAt)) / 1000 : null;

/**
 * The system record every execution gets without asking (group `system`, source SYSTEM):
 * host, image, hardware, commit, repository and attempt at creation, startedAt when it
 * starts, endedAt and duration (seconds) when it ends.
 */
async function recordSystemMetadata(tx: Tx, executionId: string, fields: Record<string, unknown>, principal: Principal) {
  const system: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    system[key] = key === 'startedAt' || key === 'endedAt' ? { $type: 'DateTime', value } : value;
  }
  const { values, problems } = parseMetadata({ [SYSTEM_GROUP]: system }, { system: true });
  if (problems.length) throw new Error(`system metadata rejected: ${JSON.stringify(problems)}`);
  if (values.length) await tx.run(writeEntriesQuery([{ target: executionId, values, execution: null, source: 'SYSTEM' }], principal.name, { nodes: false }));
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
        const [parent] = await tx.run({ cypher: `MATCH (p:Execution {id: $id}) WHERE ${visible('p')} RETURN p.project AS project`, params: { id: input.parentId } });
        if (!parent) throw notFound('Execution', input.parentId);
        if (parent.project !== input.project) {
          throw badInput(`input.parentId '${input.parentId}' is in project '${parent.project}', not '${input.project}'`, { field: 'input.parentId' });
        }
      }
      const [row] = await tx.run({
        cypher: `CREATE (e:Entity:Execution {id: $id, project: $project, status: 'QUEUED', createdAt: ${NOW}})
SET e += $props
WITH e
OPTIONAL MATCH (parent:Execution {id: $parentId, project: $project})
FOREACH (p IN CASE WHEN parent IS NULL THEN [] ELSE [parent] END | CREATE (e)-[:PART_OF]->(p))
RETURN e`,
        params: { id, project: input.project, props, parentId: input.parentId ?? null },
      });
      if (tags.length) await tx.run(addTagsQuery([id], tags));
      await recordSystemMetadata(tx, id, { host: props.host, image: props.image, hardware: props.hardware, commit: props.commit, repository: props.repository, attempt: input.attempt ?? 1 }, this.principal);
      return row.e as Entity;
    });
  }

  /** QUEUED -> RUNNING; starting a running execution again changes nothing. */
  start(id: string): Promise<Entity> {
    return this.transition(id, ['QUEUED', 'RUNNING'], 'RUNNING', `e.startedAt = coalesce(e.startedAt, ${NOW})`);
  }

  /** QUEUED or RUNNING -> COMPLETED, FAILED or STOPPED; finishing again with the same status changes nothing. */
  finish(id: string, status: Terminal): Promise<Entity> {
    return this.transition(id, ['QUEUED', 'RUNNING', status], status, `e.endedAt = coalesce(e.endedAt, ${NOW})`);
  }

  private transition(id: string, from: string[], to: string, set: string): Promise<Entity> {
    return this.executor.write(async (tx) => {
      const current = await lockNode(tx, 'Execution', id);
      if (!current) throw notFound('Execution', id);
      if (!from.includes(current.status)) {
        throw conflict(`Execution '${id}' is ${current.status}; it can go to ${to} only from ${from.join(' or ')}`, { status: current.status });
      }
      const [row] = await tx.run({
        cypher: `MATCH (e:Execution {id: $id}) WHERE ${visible('e')} SET e.status = $to, ${set} RETURN e`,
        params: { id, to },
      });
      const e = row.e as Entity;
      if (current.status !== to) {
        const times = to === 'RUNNING'
          ? { startedAt: e.startedAt }
          : { endedAt: e.endedAt, duration: durationSeconds(e) };
        await recordSystemMetadata(tx, id, times, this.principal);
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
      await tx.run({
        cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $edges AS x
MATCH (n:Entity {id: x.id}) WHERE ${visible('n')}
MERGE (n)-[c:CONSUMED_BY {inputName: x.inputName}]->(e)
ON CREATE SET c.alias = x.alias, c.at = ${NOW}
MERGE (e)-[r:READ {inputName: x.inputName}]->(n)
ON CREATE SET r.alias = x.alias, r.at = ${NOW}`,
        params: { executionId, edges: resolved.map((r) => ({ id: r.node.id, inputName: r.inputName, alias: r.alias })) },
      });
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
    const where = commonWhere(filter);
    if (filter?.status?.length) where.add('n.status IN $status', { status: filter.status });
    if (filter?.kind?.length) where.add('n.kind IN $kind', { kind: filter.kind });
    if (filter?.name) where.add('n.name = $name', { name: filter.name });
    if (filter?.parent) where.add('EXISTS { (n)-[:PART_OF]->(:Execution {id: $parent}) }', { parent: filter.parent });
    return listPage(this.executor, 'Execution', where, first, after);
  }
}

export async function requireExecution(tx: Tx, id: string): Promise<Entity> {
  const [row] = await tx.run({ cypher: `MATCH (e:Execution {id: $id}) WHERE ${visible('e')} RETURN e`, params: { id } });
  if (!row) throw notFound('Execution', id);
  return row.e;
}

export interface OutputRow {
  i: number;
  id: string;
  path: string;
  size: ReturnType<typeof int>;
  sha256: string;
  uri: string | null;
  contentType: string | null;
}

/** Validates outputs; errors name the field (`outputs.2.sha256`). */
export function checkOutputs(outputs: OutputInput[], field: string): OutputRow[] {
  return outputs.map((o, i) => {
    const uri = o.uri ? checked(`${field}.${i}.uri`, parseUri, o.uri) : null;
    if (uri?.toLowerCase().startsWith('datum://')) {
      throw badInput(`${field}.${i}.uri: datum:// URIs are assigned by Pedigree; give an external URI (s3://, gs://, https://) or none`, { field: `${field}.${i}.uri` });
    }
    return {
      i,
      id: randomUUID(),
      path: checked(`${field}.${i}.path`, parsePath, o.path),
      size: int(checkSize(`${field}.${i}.size`, o.size)),
      sha256: checkSha256(`${field}.${i}.sha256`, o.sha256),
      uri,
      contentType: optionalText(`${field}.${i}.contentType`, o.contentType, 256),
    };
  });
}

/**
 * Writes outputs in the caller's transaction, in input order, each with whether it was
 * created now. Stored files are idempotent on (path, sha256) per execution; an external
 * URI names one datum per project, which may have only one producer.
 */
export async function writeOutputs(tx: Tx, executionId: string, rows: OutputRow[]): Promise<Array<{ datum: Entity; created: boolean }>> {
  // The same file listed twice in one call is one datum.
  const storedKey = (r: { path: string; sha256: string }) => `${r.path}\0${r.sha256}`;
  const stored = [...new Map(rows.filter((r) => !r.uri).map((r) => [storedKey(r), r])).values()];
  const external = rows.filter((r) => r.uri);
  const found = new Map<string, { datum: Entity; created: boolean }>();
  if (stored.length) {
    const created = await tx.run({
      cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $outputs AS o
OPTIONAL MATCH (x:Datum {project: e.project, path: o.path})
  WHERE x.sha256 = o.sha256 AND (x)-[:PRODUCED_BY]->(e)
WITH e, o, head(collect(x)) AS x
FOREACH (_ IN CASE WHEN x IS NULL THEN [1] ELSE [] END |
  CREATE (d:Entity:Datum {id: o.id, project: e.project, uri: 'datum://' + o.id, path: o.path, size: o.size,
                          sha256: o.sha256, contentType: o.contentType, external: false, createdAt: ${NOW}})
  CREATE (d)-[:PRODUCED_BY {at: ${NOW}}]->(e))
WITH e, o, x IS NULL AS created
MATCH (d:Datum {project: e.project, path: o.path}) WHERE d.sha256 = o.sha256 AND (d)-[:PRODUCED_BY]->(e)
RETURN o.i AS i, head(collect(d)) AS d, created`,
      params: { executionId, outputs: stored },
    });
    for (const r of created) found.set(storedKey(r.d), { datum: r.d, created: r.created });
  }
  if (external.length) {
    const merged = await tx.run({
      cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $outputs AS o
OPTIONAL MATCH (before:Datum {project: e.project, uri: o.uri})
MERGE (d:Entity:Datum {project: e.project, uri: o.uri})
ON CREATE SET d.id = o.id, d.createdAt = ${NOW}, d.external = true, d.path = o.path, d.size = o.size,
              d.sha256 = o.sha256, d.contentType = o.contentType
WITH e, o, d, before
OPTIONAL MATCH (d)-[:PRODUCED_BY]->(other:Execution)
RETURN o.i AS i, d, other.id AS producer, before IS NULL OR other IS NULL AS created`,
      params: { executionId, outputs: external },
    });
    for (const r of merged) {
      if (r.producer && r.producer !== executionId) {
        throw conflict(`outputs.${r.i}.uri '${r.d.uri}' was already written by execution '${r.producer}'; a datum has one producer`, { field: `outputs.${r.i}.uri` });
      }
      found.set(r.d.uri, { datum: r.d, created: r.created });
    }
    await tx.run({
      cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $uris AS uri
MATCH (d:Datum {project: e.project, uri: uri}) WHERE NOT (d)-[:PRODUCED_BY]->()
CREATE (d)-[:PRODUCED_BY {at: ${NOW}}]->(e)`,
      params: { executionId, uris: [...new Set(external.map((r) => r.uri))] },
    });
  }
  return rows.map((r) => found.get(r.uri ?? storedKey(r))!);
}
