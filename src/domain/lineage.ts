import { checkRange } from './errors.js';

/**
 * Lineage walk bounds. One hop of `depth` is Datum -> Execution -> Datum (two graph
 * edges); a model or dataset version sits one edge from the datums it contains. The walk
 * follows at most 2 x depth edges and returns at most `limit` nodes besides the root.
 */
export const LINEAGE_DEPTH = { default: 3, fieldDefault: 1, max: 50 } as const;
export const LINEAGE_LIMIT = { default: 500, max: 10_000 } as const;

export type Direction = 'UPSTREAM' | 'DOWNSTREAM';
export type LineageKind = 'DATUM' | 'EXECUTION' | 'MODEL_VERSION' | 'DATASET_VERSION';

/** An edge of a lineage answer, as the API sends it (the explorer reads the same shape). */
export interface LineageEdge {
  from: string;
  to: string;
  type: 'PRODUCED_BY' | 'CONSUMED_BY' | 'CONTAINS';
  inputName: string | null;
}

/** Graph label of each lineage kind (the closed set the walk may return). */
export const KIND_OF_LABEL: Record<string, LineageKind> = {
  Datum: 'DATUM',
  Execution: 'EXECUTION',
  ModelVersion: 'MODEL_VERSION',
  DatasetVersion: 'DATASET_VERSION',
};

export function lineageBounds(depth: number, limit: number) {
  return {
    depth: checkRange('depth', depth, 1, LINEAGE_DEPTH.max),
    limit: checkRange('limit', limit, 1, LINEAGE_LIMIT.max),
  };
}

/** Hops from the root for a node first reached after `edges` graph edges. */
export const hopsFor = (edges: number) => Math.ceil(edges / 2);
