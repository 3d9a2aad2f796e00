import type { RequestContext } from '../src/context.js';
import { lineageFields, metadataField, projectField, related, relatedOne, relatedPage, type Parent } from './shared.js';

const versionFields = {
  project: projectField,
  datums: relatedPage('datumsOfVersion'),
  consumers: related('consumersOf'),
  tags: related('tagsOf'),
  metadata: metadataField,
  ...lineageFields,
};

export const Model = {
  project: projectField,
  versions: relatedPage('versionsOf'),
  latestApproved: relatedOne('latestApprovedOf'),
};

export const ModelVersion = { ...versionFields, model: relatedOne('ownerOfVersion'), approvals: related('approvalsOf') };

export const Dataset = { project: projectField, versions: relatedPage('versionsOf') };

export const DatasetVersion = {
  ...versionFields,
  dataset: relatedOne('ownerOfVersion'),
  aliases: async (n: Parent, args: { first?: number | null }, ctx: RequestContext) => (await ctx.loaders.related('versionAliasesOf', args.first).load(n.id)).map((a) => a.name as string),
};
