import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import { int, type Entity } from '../db/records.js';
import { mergeExternalInputsQuery } from '../db/cypher/inputs.js';
import { facetValuesQuery, projectNodeQuery, recordRunQuery, stampFacetValuesQuery, type DatasetRow } from '../db/cypher/openlineage.js';
import { conflict } from '../domain/errors.js';
import { json, parseMetadata } from '../domain/metadata.js';
import type { Principal } from '../domain/roles.js';
import type { DatasetEventPlan, DatasetPlan, EventPlan, JobPlan, RunPlan } from '../openlineage/plan.js';
import type { Groups } from '../openlineage/facets.js';
import { durationSeconds, lineageRecorded, recordSystemMetadata, statusChanged } from './executions.js';
import { applyMetadata, type MetadataItem } from './metadata.js';
import { ensureProject } from './projects.js';

/** A dataset of the answer: its URI and the datum it is in the graph. */
export interface DatumRef {
  uri: string;
  datumId: string;
}

/**
 * What one event changed, gathered in one place per event: an execution whose status moved
 * (`execution.status_changed`) and the lineage edges new with this event, inputs read and
 * outputs written (`lineage.recorded`). A retried event changes nothing and says so.
 */
export interface EventChanges {
  status: { executionId: string; from: string | null; to: string } | null;
  lineage: { executionId: string; inputs: string[]; outputs: string[] } | null;
}

export type Recorded =
  | { event: 'RunEvent'; project: string; runId: string; execution: { id: string; name: string; kind: string; status: string }; parent: string | null; inputs: DatumRef[]; outputs: DatumRef[]; changes: EventChanges; warnings: string[] }
  | { event: 'DatasetEvent'; project: string; dataset: DatumRef; warnings: string[] }
  | { event: 'JobEvent'; project: string; job: string; datasets: DatumRef[]; warnings: string[] };

/** Facet metadata for one node, before the unchanged values are left out. */
interface FacetItem {
  targetId: string;
  label: string;
  groups: Groups;
  /** Where in the event it came from, for errors (`outputs.0.facets`). */
  field: string;
  /** The run that logged it (datums read or written by it). */
  executionId: string | null;
}

const datasetRows = (datasets: DatasetPlan[], versionOf: (d: DatasetPlan) => string | null): DatasetRow[] =>
  datasets.map((d, i) => ({ i, uri: d.uri, path: d.path, version: versionOf(d), id: d.id, size: d.size === null ? null : int(d.size) }));

/**
 * OpenLineage events into the graph (the mapping is src/openlineage/plan.ts). Each event is
 * one write transaction: the caller names the operation for the audit entry, which the
 * executor writes first in that transaction.
 */
export class OpenLineageService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
  ) {}

  record(plan: EventPlan): Promise<Recorded> {
    return this.executor.write(async (tx) => {
      if (plan.kind === 'RunEvent') return this.run(tx, plan);
      await ensureProject(tx, plan.project);
      return plan.kind === 'DatasetEvent' ? this.dataset(tx, plan) : this.job(tx, plan);
    });
  }

  private async run(tx: Tx, plan: RunPlan): Promise<Recorded> {
    const warnings = [...plan.warnings];
    const [row] = await tx.run(
      recordRunQuery({
        project: plan.project,
        projectId: randomUUID(),
        runId: plan.runId,
        name: plan.name,
        at: plan.at,
        starting: plan.starting,
        final: plan.final,
        pipeline: plan.pipeline,
        parentId: plan.parent?.runId ?? null,
        parentName: plan.parent?.name ?? null,
        repository: plan.repository,
        commit: plan.commit,
        by: this.principal.name,
        outputs: datasetRows(plan.outputs, (d) => d.version ?? plan.runId),
        inputs: datasetRows(plan.inputs, (d) => d.version),
      }),
    );
    if (!row) throw conflict(`run.runId '${plan.runId}' names an execution outside project '${plan.project}'; a runId names one run, in the namespace of its job`, { field: 'run.runId' });
    const e = row.e as Entity;
    const was = row.was as Record<string, any> | null;
    if (plan.parent && !row.parent) {
      warnings.push(`run.facets.parent names run ${plan.parent.runId}, which is not an execution of project '${plan.project}' or is not this run's parent: no PART_OF`);
    }
    const written = row.written as Array<{ i: number; id: string; created: boolean; producer: string | null }>;
    const read = row.read as Array<{ i: number; id: string; created: boolean }>;
    const outputs = new Map(written.map((r) => [r.i, r]));
    const inputs = new Map(read.map((r) => [r.i, r]));
    for (const [i, r] of outputs) {
      if (r.producer) warnings.push(`${plan.outputs[i].field}: version ${JSON.stringify(plan.outputs[i].version)} of ${plan.outputs[i].uri} was written by run ${r.producer}; a datum has one producer, so this run is not recorded as writing it`);
    }

    // the system record gets the run's attempt when it is new, and what this event changed of its times and source
    const system: Record<string, unknown> = was ? {} : { attempt: e.attempt };
    if (e.startedAt && e.startedAt !== was?.startedAt) system.startedAt = e.startedAt;
    if (e.endedAt && e.endedAt !== was?.endedAt) system.endedAt = e.endedAt;
    if (system.startedAt || system.endedAt) system.duration = durationSeconds(e);
    if (e.commit && e.commit !== was?.commit) system.commit = e.commit;
    if (e.repository && e.repository !== was?.repository) system.repository = e.repository;
    if (Object.keys(system).length) await recordSystemMetadata(tx, plan.project, e.id, system, this.principal);

    await this.applyFacets(tx, plan, [
      ...plan.metadata.map((groups) => ({ targetId: e.id, label: 'Execution', groups, field: 'run.facets', executionId: null })),
      ...plan.outputs.flatMap((d, i) =>
        outputs.get(i)!.producer ? [] : d.metadata.map((groups) => ({ targetId: outputs.get(i)!.id, label: 'Datum', groups, field: `${d.field}.facets`, executionId: e.id })),
      ),
      ...plan.inputs.flatMap((d, i) => d.metadata.map((groups) => ({ targetId: inputs.get(i)!.id, label: 'Datum', groups, field: `${d.field}.facets`, executionId: e.id }))),
    ]);

    // What this event changed: the one place where its status change and new lineage are known.
    const from = (was?.status as string | undefined) ?? null;
    const newInputs = read.filter((r) => r.created).map((r) => r.id);
    const newOutputs = written.filter((r) => r.created).map((r) => r.id);
    const changes: EventChanges = {
      status: from !== e.status ? { executionId: e.id, from, to: e.status } : null,
      lineage: newInputs.length || newOutputs.length ? { executionId: e.id, inputs: newInputs, outputs: newOutputs } : null,
    };
    if (changes.status) tx.emit(statusChanged(e, from));
    if (changes.lineage) tx.emit(lineageRecorded(plan.project, e.id, newInputs, newOutputs));

    return {
      event: 'RunEvent',
      project: plan.project,
      runId: plan.runId,
      execution: { id: e.id, name: e.name, kind: e.kind, status: e.status },
      parent: (row.parent as string | null) ?? null,
      inputs: plan.inputs.map((d, i) => ({ uri: d.uri, datumId: inputs.get(i)!.id })),
      outputs: plan.outputs.map((d, i) => ({ uri: d.uri, datumId: outputs.get(i)!.id })),
      changes,
      warnings,
    };
  }

  /** A DatasetEvent's facets go on the newest datum of its URI (its unversioned datum, created, when there is none). */
  private async dataset(tx: Tx, plan: DatasetEventPlan): Promise<Recorded> {
    const [datum] = await this.newest(tx, plan.project, [plan.dataset]);
    await this.applyFacets(tx, plan, plan.dataset.metadata.map((groups) => ({ targetId: datum.datumId, label: 'Datum', groups, field: 'dataset.facets', executionId: null })));
    return { event: 'DatasetEvent', project: plan.project, dataset: datum, warnings: plan.warnings };
  }

  /** A JobEvent's job facets go on the project, keyed `<job>::<key>`; its datasets' facets as a DatasetEvent's would. */
  private async job(tx: Tx, plan: JobPlan): Promise<Recorded> {
    const [project] = await tx.run(projectNodeQuery(plan.project));
    const datums = plan.datasets.length ? await this.newest(tx, plan.project, plan.datasets) : [];
    await this.applyFacets(tx, plan, [
      ...plan.metadata.map((groups) => ({ targetId: project.id as string, label: 'Project', groups, field: 'job.facets', executionId: null })),
      ...plan.datasets.flatMap((d, i) => d.metadata.map((groups) => ({ targetId: datums[i].datumId, label: 'Datum', groups, field: `${d.field}.facets`, executionId: null }))),
    ]);
    return { event: 'JobEvent', project: plan.project, job: plan.name, datasets: datums, warnings: plan.warnings };
  }

  /** The newest datum of each dataset's URI, as a GraphQL input by that URI would name it. */
  private async newest(tx: Tx, project: string, datasets: DatasetPlan[]): Promise<DatumRef[]> {
    const rows = await tx.run(mergeExternalInputsQuery(project, datasets.map((d) => ({ uri: d.uri, id: d.id, path: d.path }))));
    const byUri = new Map(rows.map((r) => [r.uri as string, (r.d as Entity).id]));
    return datasets.map((d) => ({ uri: d.uri, datumId: byUri.get(d.uri)! }));
  }

  /**
   * Facet metadata through the metadata rules (applyMetadata), the newest event's value
   * current whatever order events arrive in: a value is written where its node has none, or
   * has another one from an older event (or one logged otherwise); at one instant the larger
   * value wins. Equal values are left out, so a retried event writes no entry and locks no
   * node. The values written are stamped with the event's time.
   */
  private async applyFacets(tx: Tx, plan: EventPlan, items: FacetItem[]): Promise<void> {
    const parsed = items.map((item) => ({ item, values: parseMetadata(item.groups).values }));
    const pairs = [...new Map(parsed.flatMap(({ item, values }) => values.map((v) => [`${item.targetId}\0${v.name}`, { target: item.targetId, name: v.name }]))).values()];
    if (!pairs.length) return;
    const current = new Map((await tx.run(facetValuesQuery(plan.project, pairs))).map((r) => [`${r.target}\0${r.name}`, r]));
    const changed: MetadataItem[] = [];
    const labels = new Set<string>();
    for (const { item, values } of parsed) {
      const groups: Groups = {};
      for (const v of values) {
        const now = current.get(`${item.targetId}\0${v.name}`);
        const value = `${v.type}:${json(v.value)}`;
        const was = now && `${now.type}:${now.value}`;
        const newer = !now || (was !== value && (now.eventAt === null || plan.at > now.eventAt || (plan.at === now.eventAt && value > was!)));
        if (newer) (groups[v.group!] ??= {})[v.key] = item.groups[v.group!][v.key];
      }
      if (!Object.keys(groups).length) continue;
      labels.add(item.label);
      changed.push({ targetId: item.targetId, targetField: item.field, metadata: groups, executionId: item.executionId, source: 'API', field: item.field, skipUnchanged: true });
    }
    if (!changed.length) return;
    const applied = await applyMetadata(tx, changed, this.principal, { labels: [...labels], entries: false });
    const written = [...new Map(applied.flatMap((a) => a.names.map((name) => [`${a.target.id}\0${name}`, { target: a.target.id, name }]))).values()];
    if (written.length) await tx.run(stampFacetValuesQuery(plan.project, plan.at, written));
  }
}
