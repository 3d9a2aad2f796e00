/** The kinds of node a lineage walk answers. */
export type LineageKind = 'DATUM' | 'EXECUTION' | 'MODEL_VERSION' | 'DATASET_VERSION';

/**
 * The graph's node labels that are API objects (each node also carries :Entity and a
 * unique `id`), with what each can take part in. Everything that lists labels derives
 * from here: the id constraints, the Node type resolution, what tags and metadata may
 * describe, and the lineage kinds.
 */
const LABELS = {
  Project: {},
  Execution: { kind: 'EXECUTION', taggable: true, describable: true },
  Datum: { kind: 'DATUM', taggable: true, describable: true },
  Alias: {},
  Tag: {},
  Model: {},
  ModelVersion: { kind: 'MODEL_VERSION', taggable: true, describable: true },
  Dataset: {},
  DatasetVersion: { kind: 'DATASET_VERSION', taggable: true, describable: true },
  MetadataEntry: {},
} as const satisfies Record<string, { kind?: LineageKind; taggable?: boolean; describable?: boolean }>;

type Traits = { kind?: LineageKind; taggable?: boolean; describable?: boolean };
const entries = Object.entries(LABELS) as Array<[string, Traits]>;

/** Labels of the API's objects (GraphQL `Node`s). */
export const NODE_LABELS: string[] = entries.map(([label]) => label);
/** Labels that can carry tags. */
export const TAGGABLE: string[] = entries.filter(([, t]) => t.taggable).map(([label]) => label);
/** Labels that metadata can describe. */
export const DESCRIBABLE: string[] = entries.filter(([, t]) => t.describable).map(([label]) => label);
/** Graph label of each lineage kind (the closed set a walk may return). */
export const KIND_OF_LABEL: Record<string, LineageKind> = Object.fromEntries(entries.filter(([, t]) => t.kind).map(([label, t]) => [label, t.kind!]));
export const LABEL_OF_KIND = Object.fromEntries(Object.entries(KIND_OF_LABEL).map(([label, kind]) => [kind, label])) as Record<LineageKind, string>;
