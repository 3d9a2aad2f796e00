import { badInput } from '../domain/errors.js';
import { checkName } from '../domain/uris.js';
import { checkText, optionalText } from '../domain/validation.js';
import { parseStorageSize, parseUri } from '../scalars/validators.js';
import { datasetUri, instantOf, runIdOf, stableId, type Dataset, type Facets, type OpenLineageEvent } from './events.js';
import { facetGroups, packGroups, type Groups } from './facets.js';

/**
 * What a valid event asks of the graph (section 6.3 of the design), decided before anything
 * is read or written, so the service only executes it:
 *
 * - the job namespace is the project; a run is an Execution whose id is the runId and whose
 *   name is the job name; the event type moves its status (START/RUNNING -> RUNNING,
 *   COMPLETE -> COMPLETED, FAIL -> FAILED, ABORT -> STOPPED; OTHER or none leaves it);
 * - the `parent` run facet makes the run PART_OF the parent run, a PIPELINE execution
 *   created when first named (in the same project only);
 * - a dataset is a Datum with uri = namespace + "/" + name (`datasetUri`). Each run that
 *   writes a dataset writes a version of its own, keyed by the dataset's `version` facet
 *   when it has one and by the run otherwise; an input is the version its `version` facet
 *   names, or the one current at the event's time;
 * - facets become metadata (`facetGroups`) on the execution, the datums read and written,
 *   or the project (a JobEvent's job facets, keyed `<job>::<key>`).
 */

export type FinalStatus = 'COMPLETED' | 'FAILED' | 'STOPPED';

/** The status each terminal event type ends a run in. */
const FINAL: Record<string, FinalStatus> = { COMPLETE: 'COMPLETED', FAIL: 'FAILED', ABORT: 'STOPPED' };

/** A dataset an event names, as the graph keys it. */
export interface DatasetPlan {
  /** Where in the event (`inputs.2`), for errors and warnings. */
  field: string;
  uri: string;
  /** The dataset name: a datum's path is its name. */
  path: string;
  /** The `version` facet's datasetVersion, or null. */
  version: string | null;
  /** The id a datum for this dataset gets when this event creates it (see `datumId`). */
  id: string;
  /** outputStatistics.size, when it is a byte count. */
  size: number | bigint | null;
  metadata: Groups[];
}

interface Common {
  project: string;
  /** The event time, ISO in UTC. */
  at: string;
  /** The event's `producer` (which integration sent it), for the audit record. */
  producer: string;
  warnings: string[];
}

export interface RunPlan extends Common {
  kind: 'RunEvent';
  runId: string;
  name: string;
  eventType: string | null;
  /** START or RUNNING: the run has started by `at`. */
  starting: boolean;
  /** The status a terminal event ends the run in. */
  final: FinalStatus | null;
  /** The job is a DAG (its jobType facet says so): the execution is a PIPELINE. */
  pipeline: boolean;
  parent: { runId: string; name: string } | null;
  repository: string | null;
  commit: string | null;
  /** Run and job facets, for the execution. */
  metadata: Groups[];
  inputs: DatasetPlan[];
  outputs: DatasetPlan[];
}

export interface DatasetEventPlan extends Common {
  kind: 'DatasetEvent';
  dataset: DatasetPlan;
}

export interface JobPlan extends Common {
  kind: 'JobEvent';
  name: string;
  /** The job's facets (and its declared inputs and outputs), for the project, keyed `<job>::<key>`. */
  metadata: Groups[];
  datasets: DatasetPlan[];
}

export type EventPlan = RunPlan | DatasetEventPlan | JobPlan;

/**
 * The id of a datum an event creates: one per (project, uri, version key), so a retried or
 * reordered event names the node it named before. An output's version key is its version
 * facet or its run; '' is the URI's unversioned datum (first seen as an input).
 */
export const datumId = (project: string, uri: string, versionKey: string) => stableId('datum', project, uri, versionKey);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function datasetPlan(project: string, dataset: Dataset, field: string, facetMaps: Array<Facets | undefined>, versionKey: string | null): DatasetPlan {
  const uri = datasetUri(dataset.namespace, dataset.name);
  try {
    parseUri(uri);
  } catch (error) {
    throw badInput(`${field}: the dataset's URI ${(error as Error).message.replace(/^Uri /, '')}`, { field: `${field}.name` });
  }
  const declared = dataset.facets?.version?.datasetVersion;
  const version = typeof declared === 'string' && declared ? declared : null;
  const size = dataset.outputFacets?.outputStatistics?.size;
  let bytes: number | bigint | null = null;
  try {
    bytes = size === undefined ? null : parseStorageSize(size);
  } catch {
    // a size that is no byte count stays in the facet's metadata, as sent
  }
  return { field, uri, path: dataset.name, version, id: datumId(project, uri, version ?? versionKey ?? ''), size: bytes, metadata: packGroups(facetGroups(facetMaps)) };
}

/** Each dataset once, the first mention winning; a repeat is said in a warning. */
function distinct(datasets: DatasetPlan[], warnings: string[]): DatasetPlan[] {
  const seen = new Map<string, DatasetPlan>();
  for (const d of datasets) {
    const first = seen.get(d.uri);
    if (first) warnings.push(`${d.field} names the dataset ${d.uri} again (as ${first.field} did); the first mention is used`);
    else seen.set(d.uri, d);
  }
  return [...seen.values()];
}

/** The parent run a `parent` facet names, when it can be linked; otherwise why not, in `warnings`. */
function parentOf(facet: unknown, project: string, runId: string, warnings: string[]): RunPlan['parent'] {
  const run = isObject(facet) && isObject(facet.run) ? facet.run : null;
  const job = isObject(facet) && isObject(facet.job) ? facet.job : null;
  const parentId = typeof run?.runId === 'string' ? runIdOf(run.runId) : null;
  if (!parentId || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(parentId) || typeof job?.name !== 'string' || !job.name) {
    warnings.push('run.facets.parent names no run (run.runId, a UUID, and job.name are needed): kept as metadata, no PART_OF');
    return null;
  }
  if (job.namespace !== project) {
    warnings.push(`run.facets.parent is a run of namespace ${JSON.stringify(job.namespace)}, not of this project ${JSON.stringify(project)}: kept as metadata, no PART_OF (a step and its pipeline run share a project)`);
    return null;
  }
  if (parentId === runId) {
    warnings.push('run.facets.parent names the run itself: kept as metadata, no PART_OF');
    return null;
  }
  return { runId: parentId, name: checkText('run.facets.parent.job.name', job.name, 4096) };
}

/**
 * The plan of one valid event. `project` is the project of a DatasetEvent, which names no
 * job namespace (the request's `project`, or the token's only project); null when there is
 * none to use.
 */
export function planEvent(event: OpenLineageEvent, datasetProject: string | null): EventPlan {
  const warnings: string[] = [];
  const at = instantOf(event.eventTime);
  const common = { at, producer: event.producer, warnings };
  if (event.dataset && !event.job) {
    if (!datasetProject) {
      throw badInput('A DatasetEvent names no job namespace to take the project from: pass ?project=<name> with the request, or send it with a token of one project', { field: 'project' });
    }
    const project = checkName('project', datasetProject);
    return { kind: 'DatasetEvent', project, ...common, dataset: datasetPlan(project, event.dataset, 'dataset', [event.dataset.facets], null) };
  }
  const job = event.job!;
  const project = checkName('job.namespace', job.namespace);
  const name = checkText('job.name', job.name, 4096);
  if (!event.run) {
    const datasets = distinct(
      [
        ...(event.inputs ?? []).map((d, i) => datasetPlan(project, d, `inputs.${i}`, [d.facets, d.inputFacets], null)),
        ...(event.outputs ?? []).map((d, i) => datasetPlan(project, d, `outputs.${i}`, [d.facets, d.outputFacets], null)),
      ],
      warnings,
    );
    const declared: Record<string, unknown> = {};
    if (event.inputs?.length) declared[`${name}::inputs`] = event.inputs.map((d) => datasetUri(d.namespace, d.name));
    if (event.outputs?.length) declared[`${name}::outputs`] = event.outputs.map((d) => datasetUri(d.namespace, d.name));
    const groups = facetGroups([job.facets], { keyPrefix: `${name}::` });
    if (Object.keys(declared).length) groups.lineage = { ...groups.lineage, ...declared };
    return { kind: 'JobEvent', project, name, ...common, metadata: packGroups(groups), datasets };
  }
  const runId = runIdOf(event.run.runId);
  const runFacets = event.run.facets ?? {};
  const parent = runFacets.parent === undefined ? null : parentOf(runFacets.parent, project, runId, warnings);
  const source = isObject(job.facets?.sourceCodeLocation) ? job.facets!.sourceCodeLocation : {};
  const repository = typeof source.repoUrl === 'string' ? source.repoUrl : typeof source.url === 'string' ? source.url : null;
  const jobType = job.facets?.jobType?.jobType;
  // a job facet named like a run facet (both may say `tags`) gets a group of its own
  const rename = Object.fromEntries(Object.keys(job.facets ?? {}).filter((n) => n in runFacets).map((n) => [n, `job_${n}`]));
  const groups = { ...facetGroups([runFacets], { skip: parent ? ['parent'] : [] }), ...facetGroups([job.facets], { rename }) };
  return {
    kind: 'RunEvent',
    project,
    ...common,
    runId,
    name,
    eventType: event.eventType ?? null,
    starting: event.eventType === 'START' || event.eventType === 'RUNNING',
    final: FINAL[event.eventType ?? ''] ?? null,
    pipeline: jobType === 'DAG',
    parent,
    repository: optionalText('job.facets.sourceCodeLocation.repoUrl', repository),
    commit: optionalText('job.facets.sourceCodeLocation.version', typeof source.version === 'string' ? source.version : null, 256),
    metadata: packGroups(groups),
    inputs: distinct((event.inputs ?? []).map((d, i) => datasetPlan(project, d, `inputs.${i}`, [d.facets, d.inputFacets], null)), warnings),
    outputs: distinct((event.outputs ?? []).map((d, i) => datasetPlan(project, d, `outputs.${i}`, [d.facets, d.outputFacets], runId)), warnings),
  };
}
