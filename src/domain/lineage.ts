import { checkRange } from './errors.js';
import type { MetadataPredicate } from './predicates.js';
import type { LineageKind } from './labels.js';
export type { LineageKind };

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

/** Whether the filter changes the walk itself, which then goes hop by hop. */
export const shapesWalk = (f: LineageFilter) => !!(f.stopAt?.length || f.maxFanOut);
