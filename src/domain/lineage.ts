import { badInput, checkRange, limitExceeded } from './errors.js';
import { parseDateTime } from '../scalars/validators.js';
import { checked } from './validation.js';
import type { MetadataPredicate } from './predicates.js';

/**
 * Lineage walk bounds. One hop of `depth` is Datum -> Execution -> Datum (two graph
 * edges); a model or dataset version sits one edge from the datums it contains. A walk
 * follows at most 2 x depth edges and returns at most `limit` nodes besides the root.
 * Each question has a default and a hard maximum; past the maximum the answer is
 * LIMIT_EXCEEDED, past a node budget inside a walk it is `truncated`.
 */
export const LINEAGE_DEPTH = { default: 3, fieldDefault: 1, max: 50 } as const;
export const LINEAGE_LIMIT = { default: 500, max: 10_000 } as const;
/** `lineageCount` walks up to this many nodes; a larger lineage is counted this far and `truncated`. */
export const COUNT_CAP = 100_000;
export const IMPACT_DEPTH = { default: 10, max: 50 } as const;
export const IMPACT_LIMIT = { default: 2_000, max: 10_000 } as const;
/** `lineagePaths`: hops as in `depth`; paths returned; partial paths explored before the answer is `truncated`. */
export const PATH_HOPS = { default: 10, max: 25 } as const;
export const PATH_LIMIT = { default: 20, max: 100 } as const;
export const PATH_BUDGET = 100_000;
/** The subgraph between two nodes holds at most this many nodes. */
export const PATH_NODES = 10_000;
export const DIFF_DEPTH = { default: 5, max: 20 } as const;
/** Each side of a diff walks at most this many nodes. */
export const DIFF_NODES = 5_000;
/** `LineageFilter.stopAt` ids and `maxFanOut`. */
export const MAX_STOP_NODES = 100;
export const MAX_FAN_OUT = 10_000;
/** Steps spent on DERIVED edges across hidden nodes before the answer is `truncated`. */
export const DERIVED_BUDGET = 200_000;

export type Direction = 'UPSTREAM' | 'DOWNSTREAM';
export type LineageKind = 'DATUM' | 'EXECUTION' | 'MODEL_VERSION' | 'DATASET_VERSION';
export type ExecutionStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'STOPPED';

/** An edge of a lineage answer, as the API sends it (the explorer reads the same shape). */
export interface LineageEdge {
  from: string;
  to: string;
  type: 'PRODUCED_BY' | 'CONSUMED_BY' | 'CONTAINS' | 'DERIVED';
  inputName: string | null;
  /** For DERIVED edges: the hidden nodes between `from` and `to`, upstream first. */
  via?: string[] | null;
}

/** Graph label of each lineage kind (the closed set the walk may return). */
export const KIND_OF_LABEL: Record<string, LineageKind> = {
  Datum: 'DATUM',
  Execution: 'EXECUTION',
  ModelVersion: 'MODEL_VERSION',
  DatasetVersion: 'DATASET_VERSION',
};

export const LABEL_OF_KIND = Object.fromEntries(Object.entries(KIND_OF_LABEL).map(([label, kind]) => [kind, label])) as Record<LineageKind, string>;

/** What a lineage question keeps in its answer and where its walk stops. */
export interface LineageFilter {
  kinds?: LineageKind[] | null;
  tagsAny?: string[] | null;
  tagsAll?: string[] | null;
  metadata?: MetadataPredicate[] | null;
  executionStatus?: ExecutionStatus[] | null;
  stopAt?: string[] | null;
  maxFanOut?: number | null;
}

export function lineageBounds(depth: number, limit: number) {
  return {
    depth: checkRange('depth', depth, 1, LINEAGE_DEPTH.max),
    limit: checkRange('limit', limit, 1, LINEAGE_LIMIT.max),
  };
}

/** Hops from the root for a node first reached after `edges` graph edges. */
export const hopsFor = (edges: number) => Math.ceil(edges / 2);

/**
 * `asOf` as an ISO instant: the graph as it stood then. A time in the future would answer
 * today's graph under a false label, and one before 1970 predates anything recorded.
 */
export function checkAsOf(value: string | Date | null | undefined, now = Date.now()): string | null {
  if (value === null || value === undefined) return null;
  const iso = checked('asOf', parseDateTime, value);
  const at = Date.parse(iso);
  if (at > now) throw badInput(`asOf must not be in the future, got ${iso}`, { field: 'asOf' });
  if (at < 0) throw badInput(`asOf must not be before 1970-01-01T00:00:00Z, got ${iso}`, { field: 'asOf' });
  return iso;
}

/** A filter with its bounds checked; `stopAt` and `maxFanOut` change the walk, the rest what is kept. */
export function checkFilter(filter: LineageFilter | null | undefined): LineageFilter {
  if (!filter) return {};
  if (filter.stopAt && filter.stopAt.length > MAX_STOP_NODES) {
    throw limitExceeded(`filter.stopAt takes at most ${MAX_STOP_NODES} ids, got ${filter.stopAt.length}`, { field: 'filter.stopAt', max: MAX_STOP_NODES });
  }
  if (filter.maxFanOut !== null && filter.maxFanOut !== undefined) checkRange('filter.maxFanOut', filter.maxFanOut, 1, MAX_FAN_OUT);
  return filter;
}

/** Whether the filter hides any node (kinds, tags, metadata or status): the answer then needs DERIVED edges. */
export const hidesNodes = (f: LineageFilter) =>
  !!(f.kinds?.length || f.tagsAny?.length || f.tagsAll?.length || f.metadata?.length || f.executionStatus?.length);

/** Whether the filter changes the walk itself, which then goes hop by hop. */
export const shapesWalk = (f: LineageFilter) => !!(f.stopAt?.length || f.maxFanOut);
