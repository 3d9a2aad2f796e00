import type { Executor, Row, Tx } from '../db/executor.js';
import { groupBy } from '../domain/group.js';
import { badInput, notFound } from '../domain/errors.js';
import { checkBatch } from '../domain/validation.js';
import type { Entity } from '../db/records.js';
import { json, parseMetadata, type MetadataProblem, type MetadataSource, type MetadataValue } from '../domain/metadata.js';
import { currentValuesQuery, lockTargetsQuery, stepNamesQuery, writeEntriesQuery, type EntryRow } from '../db/cypher/metadata.js';
import { executionQuery } from '../db/cypher/executions.js';
import { moveAlias } from './aliases.js';
import type { Principal } from '../domain/roles.js';
import { tagRowsQuery } from '../db/cypher/tags.js';
import { joinVersions } from './versions.js';
import { randomUUID } from 'node:crypto';
import { DESCRIBABLE } from '../domain/labels.js';
import { MAX_EVENT_IDS, someIds, type ChangeEvent } from '../domain/events.js';


export interface MetadataItem {
  targetId: string;
  /** The argument that named the target, for errors about it: `target`, `items.2.datumId`. */
  targetField: string;
  metadata: unknown;
  /** The execution that logs it (a step logging onto its pipeline run gets step_name:: keys). */
  executionId?: string | null;
  source: MetadataSource;
  /** Where the item came from, for error fields: `items.2.properties`. */
  field: string;
  /** Leave out values equal to the current ones (idempotent ingestion). */
  skipUnchanged?: boolean;
}

export interface Applied {
  target: Entity;
  /** The names (`group.key`) written (unchanged values are skipped when asked). */
  names: string[];
  /** The entries written, when asked for. */
  entries: Entity[];
}

/** Reports every problem of a request at once, each with its field. */
export function problemsError(problems: MetadataProblem[]) {
  const shown = problems.slice(0, 5).map((p) => `${p.field}: ${p.message}`).join('; ');
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  return badInput(`Invalid metadata: ${shown}${more}`, { field: problems[0].field, problems });
}

export class MetadataService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
    private readonly findByUri: (uri: string, project?: string | null) => Promise<Entity | null>,
  ) {}

  /**
   * `logMetadata`: any describable node, by id or by a URI resolved now (datum://<id or
   * alias>, model://name/3, dataset://name/v2, an external datum's URI; `project` where the
   * URI exists in several), optionally from a logging execution.
   */
  async log(target: string, metadata: unknown, executionId?: string | null, project?: string | null): Promise<Applied> {
    let targetId = target;
    if (target.includes('://')) {
      const found = await this.findByUri(target, project);
      if (!found) throw notFound('Metadata target', target, { field: 'target' });
      targetId = found.id;
    }
    return this.executor.write(async (tx) => {
      if (executionId && !(await tx.run(executionQuery(executionId))).length) throw notFound('Execution', executionId, { field: 'execution' });
      const [applied] = await applyMetadata(tx, [{ targetId, targetField: 'target', metadata, executionId, source: 'API', field: 'metadata' }], this.principal);
      return applied;
    });
  }

  /**
   * Valohai's applyMetadata / applyMetadataBatch / applyMetadataAll: datums only, one
   * transaction. `field` names the list argument and `datumField(i)` the argument that
   * named item i's datum (`items.2.datumId`, `datumIds.2`).
   */
  applyToDatums(items: Array<{ datumId: string; properties: unknown }>, field: string, datumField: (i: number) => string): Promise<Applied[]> {
    checkBatch(field, items);
    return this.executor.write((tx) =>
      applyMetadata(
        tx,
        items.map((item, i) => ({ targetId: item.datumId, targetField: datumField(i), metadata: item.properties, source: 'API' as const, field: `${field}.${i}.properties` })),
        this.principal,
        { labels: ['Datum'] },
      ),
    );
  }
}

export interface ApplyOptions {
  /** Labels the targets may have. */
  labels?: string[];
  /** Whether the entry nodes are wanted back. */
  entries?: boolean;
  /**
   * A second, different value for one (target, name) in the same call: refused (an API
   * call, where it is a mistake), or written after the first so that the last is current
   * and the earlier ones stay in history (ingestion, where a sidecar and manifest lines
   * may both describe a file; the ingest report lists each such repeat).
   */
  repeats?: 'refuse' | 'history';
}

/**
 * Applies metadata items inside the caller's transaction: validates everything first
 * (nothing is written when anything is wrong), locks the targets in id order, then runs
 * the reserved-key actions and writes the values.
 */
export async function applyMetadata(tx: Tx, items: MetadataItem[], principal: Principal, options: ApplyOptions = {}): Promise<Applied[]> {
  const { labels = DESCRIBABLE, entries: withEntries = true, repeats = 'refuse' } = options;
  const ids = [...new Set(items.map((i) => i.targetId))];
  const locked = await tx.run(lockTargetsQuery(ids));
  const targets = new Map(locked.map((r) => [r.n.id as string, r.n as Entity]));
  const prefixes = await stepPrefixes(tx, items, targets);
  const problems: MetadataProblem[] = [];
  const parsed = items.map((item) => {
    const target = targets.get(item.targetId);
    if (!target) throw notFound('Metadata target', item.targetId, { field: item.targetField });
    const label = target.labels.find((l: string) => labels.includes(l));
    if (!label) {
      throw badInput(`Metadata goes on ${labels.join(', ')}; '${item.targetId}' is a ${target.labels.filter((l: string) => l !== 'Entity')[0]}`, { field: item.targetField });
    }
    const result = parseMetadata(item.metadata, { stepPrefix: prefixes.get(item) ?? null });
    const { actions } = result;
    if (label !== 'Datum') {
      for (const [key, used] of [['valohai.alias', actions.alias], ['valohai.dataset-versions', actions.datasetVersions.length], ['valohai.model-versions', actions.modelVersions.length]] as const) {
        if (used) result.problems.push({ field: key, message: `${key} applies to datums, not to a ${label}` });
      }
    }
    problems.push(...result.problems.map((p) => ({ field: p.field ? `${item.field}.${p.field}` : item.field, message: p.message })));
    return { item, target, ...result };
  });
  const chains = chainsOf(parsed, repeats, problems);
  if (problems.length) throw problemsError(problems);

  // Reserved keys: one statement each for all targets' tags and versions; alias moves one
  // by one, since each is a compare-and-set of its own.
  const tagRows = parsed.filter((p) => p.actions.tags.length).map((p) => ({ target: p.target.id, tags: [...new Set(p.actions.tags.map((t) => t.trim()))] }));
  if (tagRows.length) await tx.run(tagRowsQuery(tagRows));
  for (const { target, actions } of parsed) {
    if (actions.alias) await moveAlias(tx, { project: target.project, name: actions.alias, datumId: target.id, reason: 'valohai.alias metadata' }, principal);
  }
  const joins = parsed
    .map((p) => ({ project: p.target.project, datumId: p.target.id, versions: [...p.actions.datasetVersions, ...p.actions.modelVersions] }))
    .filter((j) => j.versions.length);
  if (joins.length) await joinVersions(tx, joins, principal);
  const written: Row[] = [];
  for (const [round, rows] of roundsOf(await changedChains(tx, chains)).entries()) written.push(...(await tx.run(writeEntriesQuery(rows, principal.name, { nodes: withEntries, round }))));
  const byTarget = groupBy(written, (r) => r.target as string);
  for (const [id, rows] of byTarget) tx.emit(metadataLogged(targets.get(id)!.project, id, rows));
  return parsed.map((p) => {
    const rows = byTarget.get(p.target.id) ?? [];
    return { target: p.target, names: rows.map((r) => r.name as string), entries: withEntries ? rows.map((r) => r.m as Entity) : [] };
  });
}

/** `metadata.logged`: the names written on one target, and the new entries' ids. */
export const metadataLogged = (project: string, target: string, written: Row[]): ChangeEvent => ({
  type: 'metadata.logged',
  project,
  data: { target, names: [...new Set(written.map((r) => r.name as string))].slice(0, MAX_EVENT_IDS), entries: someIds(written.map((r) => r.entryId as string)) },
});

type ParsedItem = { item: MetadataItem; target: Entity; values: MetadataValue[] };

/** The values one call gives one (target, name), in the order given. */
interface Chain {
  target: string;
  name: string;
  links: Array<{ value: MetadataValue; item: MetadataItem }>;
}

/**
 * The values of a call per (target, name). Repeats of an equal value count once; with
 * `refuse`, a different value for the same identity is a problem.
 */
function chainsOf(parsed: ParsedItem[], repeats: 'refuse' | 'history', problems: MetadataProblem[]): Chain[] {
  const chains = new Map<string, Chain>();
  for (const { item, target, values } of parsed) {
    for (const value of values) {
      const identity = `${target.id}\0${value.name}`;
      const chain = chains.get(identity) ?? { target: target.id, name: value.name, links: [] };
      chains.set(identity, chain);
      const before = chain.links.at(-1);
      if (before && sameValue(before.value, value)) continue;
      if (before && repeats === 'refuse') {
        problems.push({ field: `${item.field}.${value.name}`, message: `${value.name} of '${target.id}' already gets another value in this call; send one value per name` });
        continue;
      }
      chain.links.push({ value, item });
    }
  }
  return [...chains.values()];
}

/**
 * Re-ingesting a folder changes nothing, also where a file's value is given more than once:
 * a chain whose last value is already current is left out whole. (A single value is
 * compared with the current one by the write itself.)
 */
async function changedChains(tx: Tx, chains: Chain[]): Promise<Chain[]> {
  const repeated = chains.filter((c) => c.links.length > 1 && c.links.at(-1)!.item.skipUnchanged);
  if (!repeated.length) return chains;
  const rows = await tx.run(currentValuesQuery(repeated.map((c) => ({ target: c.target, name: c.name }))));
  const current = new Map(rows.map((r) => [`${r.target}\0${r.name}`, `${r.type}:${r.value}`]));
  return chains.filter((c) => {
    const last = c.links.at(-1)!;
    return !(last.item.skipUnchanged && current.get(`${c.target}\0${c.name}`) === `${last.value.type}:${json(last.value.value)}`);
  });
}

/**
 * Rows to write, as rounds in which each (target, name) appears at most once: the n-th
 * value of a chain goes in round n, so it supersedes the one before it.
 */
function roundsOf(chains: Chain[]): EntryRow[][] {
  const rounds: EntryRow[][] = [];
  for (const chain of chains) {
    chain.links.forEach(({ value, item }, round) => {
      (rounds[round] ??= []).push({ id: randomUUID(), target: chain.target, value, execution: item.executionId ?? null, source: item.source, skipUnchanged: item.skipUnchanged });
    });
  }
  return rounds;
}

const sameValue = (a: MetadataValue, b: MetadataValue) => a.type === b.type && json(a.value) === json(b.value);

/** ZenML's rule: a step logging onto its own pipeline run writes `step_name::key`. */
async function stepPrefixes(tx: Tx, items: MetadataItem[], targets: Map<string, Entity>): Promise<Map<MetadataItem, string>> {
  const pairs = items.filter((i) => i.executionId && i.executionId !== i.targetId && targets.get(i.targetId)?.labels.includes('Execution'));
  const out = new Map<MetadataItem, string>();
  if (!pairs.length) return out;
  const rows = await tx.run(stepNamesQuery(pairs.map((i) => ({ step: i.executionId!, run: i.targetId }))));
  const names = new Map(rows.map((r) => [`${r.step}|${r.run}`, r.name as string]));
  for (const item of pairs) {
    const name = names.get(`${item.executionId}|${item.targetId}`);
    if (name) out.set(item, name);
  }
  return out;
}
