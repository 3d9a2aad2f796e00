/** A predicate on the current value of a metadata name, `group.key` or `key` (`DatumFilter.metadata`, `LineageFilter.metadata`). */
export interface MetadataPredicate {
  key: string;
  eq?: unknown;
  ne?: unknown;
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
  in?: unknown[] | null;
  exists?: boolean | null;
}

export const MAX_PREDICATES = 10;
