import { projectField, relatedOne, type Parent } from './shared.js';

export const Alias = {
  project: projectField,
  target: relatedOne('aliasTarget'),
  protected: (n: Parent) => n.protected === true,
};
