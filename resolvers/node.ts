import { NODE_LABELS } from '../src/domain/labels.js';
import type { Parent } from './shared.js';

export const Node = {
  __resolveType: (n: Parent) => n.labels.find((l) => NODE_LABELS.includes(l)) ?? null,
};
