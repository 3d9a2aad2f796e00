import { lineageFields, metadataField, projectField, related, relatedOne } from './shared.js';

export const Datum = {
  project: projectField,
  external: (n: { external?: boolean }) => n.external === true,
  producer: relatedOne('producerOf'),
  consumers: related('consumersOf'),
  inputs: related('inputsOfDatum'),
  outputs: related('outputsOfDatum'),
  tags: related('tagsOf'),
  aliases: related('aliasesOf'),
  datasetVersions: related('datasetVersionsOf'),
  modelVersions: related('modelVersionsOf'),
  metadata: metadataField,
  ...lineageFields,
};
