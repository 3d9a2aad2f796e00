import { display, type MetadataType } from '../src/domain/metadata.js';
import { relatedOne, type Parent } from './shared.js';

const parsed = (n: Parent) => (n.value === null || n.value === undefined ? null : JSON.parse(n.value));

export const MetadataEntry = {
  value: parsed,
  display: (n: Parent) => display(n.type as MetadataType, parsed(n)),
  execution: relatedOne('loggedIn'),
  supersedes: relatedOne('supersedes'),
  target: relatedOne('describes'),
};
