import type { Executor } from '../db/executor.js';
import type { Loaders } from '../loaders/index.js';
import { parseRef } from '../domain/uris.js';
import { AliasService } from './aliases.js';
import { DatumService } from './datums.js';
import { ExecutionService } from './executions.js';
import { LineageService } from './lineage.js';
import { LineageQuestionService } from './lineage-questions.js';
import { MetadataService } from './metadata.js';
import { ComparisonService } from './comparison.js';
import { IngestService } from './ingest.js';
import { OpenLineageService } from './openlineage.js';
import { ApprovalService } from './approvals.js';
import { WebhookService } from './webhooks.js';
import type { WebhookDestinations } from './webhook-delivery.js';
import { auditPage } from './audit.js';
import type { AuditFilter } from '../domain/filters.js';
import type { Principal } from '../domain/roles.js';
import { serverStatus } from './status.js';
import { listProjects } from './projects.js';
import { TagService } from './tags.js';
import { VersionService } from './versions.js';
import { DATASET, MODEL } from '../domain/versions.js';

/** The services of one request, sharing its executor, loaders and principal. */
export function createServices(executor: Executor, loaders: Loaders, principal: Principal, webhookDestinations: WebhookDestinations) {
  const aliases = new AliasService(executor, principal);
  const datums = new DatumService(executor, loaders, aliases);
  const models = new VersionService(executor, principal, MODEL);
  const datasets = new VersionService(executor, principal, DATASET);
  const lineage = new LineageService(executor, loaders);
  /** A node named by URI: a datum (by id, alias or external URI), or a model or dataset version. */
  const findByUri = (uri: string, project?: string | null) => {
    const kind = parseRef(uri, 'target').kind;
    if (kind === 'modelVersion') return models.findByUri(uri, project);
    if (kind === 'datasetVersion') return datasets.findByUri(uri, project);
    return datums.find({ uri, project });
  };
  return {
    executions: new ExecutionService(executor, principal),
    datums,
    tags: new TagService(executor),
    aliases,
    models,
    datasets,
    lineage,
    lineageQuestions: new LineageQuestionService(executor, loaders, lineage),
    metadata: new MetadataService(executor, principal, findByUri),
    comparison: new ComparisonService(loaders),
    ingest: new IngestService(executor, principal),
    openLineage: new OpenLineageService(executor, principal),
    approvals: new ApprovalService(executor, principal),
    webhooks: new WebhookService(executor, principal, webhookDestinations),
    status: () => serverStatus(executor),
    projects: (first?: number | null) => listProjects(executor, first),
    audit: { page: (filter: AuditFilter | null | undefined, first?: number | null, after?: string | null) => auditPage(executor, filter, first, after) },
  };
}

export type Services = ReturnType<typeof createServices>;
