import type { RequestContext } from '../src/context.js';
import { durationSeconds } from '../src/services/executions.js';
import { lineageFields, metadataField, projectField, related, relatedOne, type Parent } from './shared.js';

export const Execution = {
  project: projectField,
  commands: (n: Parent) => n.commands ?? [],
  duration: durationSeconds,
  parent: relatedOne('parentOf'),
  steps: related('stepsOf'),
  inputs: related('inputsOfExecution'),
  reads: (n: Parent, args: { first?: number | null }, ctx: RequestContext) => ctx.loaders.readsOf(args.first).load(n.id),
  outputs: related('outputsOfExecution'),
  datasetVersions: related('datasetVersionsOf'),
  modelVersions: related('modelVersionsOf'),
  tags: related('tagsOf'),
  metadata: metadataField,
  ...lineageFields,
};
