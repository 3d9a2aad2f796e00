import type { Parent } from './shared.js';

const TYPES = ['Datum', 'Execution', 'Alias', 'Tag', 'Model', 'ModelVersion', 'Dataset', 'DatasetVersion', 'Project', 'MetadataEntry'];

export const Node = {
  __resolveType: (n: Parent) => n.labels.find((l) => TYPES.includes(l)) ?? null,
};
