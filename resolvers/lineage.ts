import type { LineageNode as Walked } from '../src/services/lineage.js';

export const LineageNode = {
  node: (n: Walked) => (n.redacted ? null : n.entity),
};
