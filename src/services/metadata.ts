import type { Executor, Tx } from '../db/executor.js';
import { groupBy } from '../domain/group.js';
import { badInput, notFound } from '../domain/errors.js';
import { checkBatch } from '../domain/validation.js';
import type { Entity } from '../loaders/index.js';
import { parseMetadata, type MetadataProblem } from '../metadata/rules.js';
import { writeEntriesQuery, type MetadataSource } from '../metadata/store.js';
import { moveAlias } from './aliases.js';
import type { Principal } from '../access/roles.js';
import { tagRowsQuery } from './tags.js';
import { joinVersions } from './versions.js';
import { visible } from '../db/cypher/scope.js';

/** Labels metadata can describe. */
const DESCRIBABLE = ['Datum', 'Execution', 'ModelVersion', 'DatasetVersion'];

export interface MetadataItem {
  targetId: string;
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
  /** The keys written (unchanged values are skipped when asked). */
  keys: string[];
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
  ) {}

  /** `logMetadata`: any describable node, optionally from a logging execution. */
  log(targetId: string, metadata: unknown, executionId?: string | null): Promise<Applied> {
    return this.executor.write((tx) => applyMetadata(tx, [{ targetId, metadata, executionId, source: 'API', field: 'metadata' }], this.principal)).then((r) => r[0]);
  }

  /** Valohai's applyMetadata / applyMetadataBatch / applyMetadataAll: datums only, one transaction. */
  applyToDatums(items: Array<{ datumId: string; properties: unknown }>, field: string): Promise<Applied[]> {
    checkBatch(field, items);
    return this.executor.write((tx) =>
      applyMetadata(tx, items.map((item, i) => ({ targetId: item.datumId, metadata: item.properties, source: 'API' as const, field: `${field}.${i}.properties` })), this.principal, ['Datum']),
    );
  }
}

/**
 * Applies metadata items inside the caller's transaction: validates everything first
 * (nothing is written when anything is wrong), locks the targets in id order, then runs
 * the reserved-key actions and writes the values.
 */
export async function applyMetadata(tx: Tx, items: MetadataItem[], principal: Principal, labels = DESCRIBABLE, { entries: withEntries = true } = {}): Promise<Applied[]> {
  const ids = [...new Set(items.map((i) => i.targetId))];
  const locked = await tx.run({
    cypher: `MATCH (n:Entity) WHERE n.id IN $ids AND ${visible('n')}
WITH n ORDER BY n.id
SET n.revision = coalesce(n.revision, 0) + 1
RETURN n`,
    params: { ids },
  });
  const targets = new Map(locked.map((r) => [r.n.id as string, r.n as Entity]));
  const prefixes = await stepPrefixes(tx, items, targets);
  const problems: MetadataProblem[] = [];
  const parsed = items.map((item) => {
    const target = targets.get(item.targetId);
    if (!target) throw notFound('Metadata target', item.targetId, { field: item.field });
    const label = target.labels.find((l: string) => labels.includes(l));
    if (!label) {
      throw badInput(`Metadata goes on ${labels.join(', ')}; '${item.targetId}' is a ${target.labels.filter((l: string) => l !== 'Entity')[0]}`, { field: item.field });
    }
    const result = parseMetadata(item.metadata, prefixes.get(item) ?? null);
    const { actions } = result;
    if (label !== 'Datum') {
      for (const [key, used] of [['valohai.alias', actions.alias], ['valohai.dataset-versions', actions.datasetVersions.length], ['valohai.model-versions', actions.modelVersions.length]] as const) {
        if (used) result.problems.push({ field: key, message: `${key} applies to datums, not to a ${label}` });
      }
    }
    problems.push(...result.problems.map((p) => ({ field: p.field ? `${item.field}.${p.field}` : item.field, message: p.message })));
    return { item, target, ...result };
  });
  if (problems.length) throw problemsError(problems);

  // Reserved keys: one statement each for all targets' tags and versions; alias moves one
  // by one, since each is a compare-and-set of its own.
  const tagRows = parsed.filter((p) => p.actions.tags.length).map((p) => ({ target: p.target.id, tags: [...new Set(p.actions.tags.map((t) => t.trim()))] }));
  if (tagRows.length) await tx.run(tagRowsQuery(tagRows));
  for (const { target, actions } of parsed) {
    if (actions.alias) await moveAlias(tx, { project: target.project, name: actions.alias, datumId: target.id, reason: 'valohai.alias metadata' }, principal);
  }
  const joins = parsed
    .map((p) => ({ project: p.target.project, datumId: p.target.id, uris: [...p.actions.datasetVersions, ...p.actions.modelVersions] }))
    .filter((j) => j.uris.length);
  if (joins.length) await joinVersions(tx, joins, principal);
  const written = await tx.run(
    writeEntriesQuery(
      parsed.map((p) => ({ target: p.target.id, values: p.values, execution: p.item.executionId ?? null, source: p.item.source, skipUnchanged: p.item.skipUnchanged })),
      principal.name,
      { nodes: withEntries },
    ),
  );
  const byTarget = groupBy(written, (r) => r.target as string);
  return parsed.map((p) => {
    const rows = byTarget.get(p.target.id) ?? [];
    return { target: p.target, keys: rows.map((r) => r.key as string), entries: withEntries ? rows.map((r) => r.m as Entity) : [] };
  });
}

/** ZenML's rule: a step logging onto its own pipeline run writes `step_name::key`. */
async function stepPrefixes(tx: Tx, items: MetadataItem[], targets: Map<string, Entity>): Promise<Map<MetadataItem, string>> {
  const pairs = items.filter((i) => i.executionId && i.executionId !== i.targetId && targets.get(i.targetId)?.labels.includes('Execution'));
  const out = new Map<MetadataItem, string>();
  if (!pairs.length) return out;
  const rows = await tx.run({
    cypher: `UNWIND $pairs AS pair
MATCH (s:Execution {id: pair.step})-[:PART_OF]->(:Execution {id: pair.run}) WHERE ${visible('s')}
RETURN pair.step AS step, pair.run AS run, s.name AS name`,
    params: { pairs: pairs.map((i) => ({ step: i.executionId, run: i.targetId })) },
  });
  const names = new Map(rows.map((r) => [`${r.step}|${r.run}`, r.name as string]));
  for (const item of pairs) {
    const name = names.get(`${item.executionId}|${item.targetId}`);
    if (name) out.set(item, name);
  }
  return out;
}
