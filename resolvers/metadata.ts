import { display, type MetadataType } from '../src/domain/metadata.js';
import { relatedOne, type Parent } from './shared.js';

export const MetadataEntry = {
  display: (n: Parent) => display(n.type as MetadataType, n.value),
  execution: relatedOne('loggedIn'),
  supersedes: relatedOne('supersedes'),
  target: relatedOne('describes'),
};
