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
  latestApproved: async (n: Parent, _: unknown, ctx: RequestContext) =>
    (await ctx.loaders.relation('versionsOf').load(n.id)).find((v) => v.status === 'APPROVED') ?? null,
};

export const ModelVersion = { ...versionFields, model: relatedOne('ownerOfVersion'), approvals: related('approvalsOf') };

export const Dataset = { project: projectField, versions: relatedPage('versionsOf') };

export const DatasetVersion = {
  ...versionFields,
  dataset: relatedOne('ownerOfVersion'),
  aliases: async (n: Parent, _: unknown, ctx: RequestContext) => (await ctx.loaders.relation('versionAliasesOf').load(n.id)).map((a) => a.name as string),
};
