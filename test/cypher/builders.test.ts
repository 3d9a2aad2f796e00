/**
 * Every Cypher statement the API sends is built by a pure function in src/db/cypher named
 * `…Query`. This tier runs them without a database: a snapshot of each one's text and
 * parameters (a change to a statement shows in review), and the isolation rule the
 * executor enforces at run time, checked here for all of them at once: a statement carries
 * the `$scope` predicate, or is pinned to a `$project`, or says why it is global.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Query } from '../../src/db/executor.js';
import { packageRoot } from '../../src/paths.js';
import { parseMetadata } from '../../src/domain/metadata.js';
import { MODEL, DATASET } from '../../src/domain/versions.js';
import * as aliases from '../../src/db/cypher/aliases.js';
import * as approvals from '../../src/db/cypher/approvals.js';
import * as audit from '../../src/db/cypher/audit.js';
import * as bookmarks from '../../src/db/cypher/bookmarks.js';
import * as datums from '../../src/db/cypher/datums.js';
import * as events from '../../src/db/cypher/events.js';
import * as executions from '../../src/db/cypher/executions.js';
import * as inputs from '../../src/db/cypher/inputs.js';
import * as lineage from '../../src/db/cypher/lineage.js';
import * as lists from '../../src/db/cypher/lists.js';
import * as metadata from '../../src/db/cypher/metadata.js';
import * as nodes from '../../src/db/cypher/nodes.js';
import * as openlineage from '../../src/db/cypher/openlineage.js';
import * as projects from '../../src/db/cypher/projects.js';
import * as relations from '../../src/db/cypher/relations.js';
import * as status from '../../src/db/cypher/status.js';
import * as tags from '../../src/db/cypher/tags.js';
import * as tokens from '../../src/db/cypher/tokens.js';
import * as versions from '../../src/db/cypher/versions.js';
import * as webhooks from '../../src/db/cypher/webhooks.js';

const modules: Record<string, Record<string, unknown>> = {
  aliases, approvals, audit, bookmarks, datums, events, executions, inputs, lineage, lists, metadata, nodes, openlineage, projects, relations, status, tags, tokens, versions, webhooks,
};

const ID = '00000000-0000-4000-8000-000000000001';
const ID2 = '00000000-0000-4000-8000-000000000002';
const [accuracy] = parseMetadata({ accuracy: 0.9 }).values;
const output = { i: 0, id: ID2, path: 'model/model.pkl', size: 10, sha256: 'a'.repeat(64), contentType: null };
const filtered = lineage.keepCondition({ kinds: ['DATUM'], tagsAny: ['gold'], metadata: [{ key: 'model_metrics.accuracy', gt: 0.9 }], executionStatus: ['COMPLETED'] });

/** One call of every builder, with arguments that reach all of its text. */
const SAMPLES: Record<string, () => Query> = {
  'aliases.aliasQuery': () => aliases.aliasQuery('fraud', 'model-prod'),
  'aliases.aliasTargetQuery': () => aliases.aliasTargetQuery('fraud', 'model-prod'),
  'aliases.aliasTargetAsOfQuery': () => aliases.aliasTargetAsOfQuery(ID, '2026-01-01T00:00:00.000Z'),
  'aliases.aliasConsumersQuery': () => aliases.aliasConsumersQuery('fraud', 'model-prod', ID, 100),
  'aliases.deleteAliasQuery': () => aliases.deleteAliasQuery('fraud', 'model-prod'),
  'aliases.protectAliasQuery': () => aliases.protectAliasQuery('fraud', 'model-prod', true),
  'aliases.moveCheckQuery': () => aliases.moveCheckQuery('fraud', 'model-prod', ID),
  'aliases.moveAliasQuery': () =>
    aliases.moveAliasQuery({ project: 'fraud', name: 'model-prod', datumId: ID, expected: null, mayMoveProtected: false, by: 'ci', reason: null, id: ID2, moveId: ID2 }),
  'approvals.decideQuery': () => approvals.decideQuery(ID, ID2, 'APPROVED', 'ci', 'good'),
  'approvals.versionDatumsQuery': () => approvals.versionDatumsQuery(ID),
  'approvals.statusAsOfQuery': () => approvals.statusAsOfQuery([ID], '2026-01-01T00:00:00.000Z'),
  'audit.auditEntryQuery': () => audit.auditEntryQuery({ principal: 'ci', tokenId: ID, operation: 'setAlias', targetId: ID2, project: 'fraud', summary: '{}' }, ID),
  'bookmarks.bookmarksReachedQuery': () => bookmarks.bookmarksReachedQuery(),
  'datums.aliasesByNameQuery': () => datums.aliasesByNameQuery('model-prod', null),
  'datums.datumsByUriQuery': () => datums.datumsByUriQuery('s3://bucket/key', 'fraud'),
  'events.recordEventsQuery': () => events.recordEventsQuery('fraud', [{ id: ID, type: 'alias.moved', data: '{}' }], 'ci'),
  'events.eventCountersQuery': () => events.eventCountersQuery(),
  'events.eventsAfterQuery': () => events.eventsAfterQuery('fraud', 3, 7),
  'executions.executionQuery': () => executions.executionQuery(ID),
  'executions.createExecutionQuery': () => executions.createExecutionQuery(ID, 'fraud', { name: 'train', kind: 'STEP' }, ID2),
  'executions.setStatusQuery': () => executions.setStatusQuery(ID, 'RUNNING', 'startedAt'),
  'executions.recordInputsQuery': () => executions.recordInputsQuery(ID, [{ id: ID2, inputName: 'train', alias: null }]),
  'executions.writeStoredOutputsQuery': () => executions.writeStoredOutputsQuery(ID, [output]),
  'executions.mergeExternalOutputsQuery': () => executions.mergeExternalOutputsQuery(ID, [{ ...output, uri: 's3://bucket/key' }]),
  'executions.claimExternalOutputsQuery': () => executions.claimExternalOutputsQuery(ID, ['s3://bucket/key']),
  'inputs.datumsByIdQuery': () => inputs.datumsByIdQuery([ID]),
  'inputs.aliasTargetsQuery': () => inputs.aliasTargetsQuery('fraud', ['model-prod']),
  'inputs.versionsForInputsQuery': () => inputs.versionsForInputsQuery('fraud', [{ uri: 'dataset://d/latest', owner: 'd', name: 'latest' }]),
  'inputs.mergeExternalInputsQuery': () => inputs.mergeExternalInputsQuery('fraud', [{ uri: 's3://bucket/key', id: ID, path: 'key' }]),
  'lineage.lineageQuery': () =>
    lineage.lineageQuery([ID], 'UPSTREAM', 3, 500, { asOf: '2026-01-01T00:00:00.000Z', keep: filtered, fields: { properties: ['createdAt', 'path'], temporal: ['createdAt'] } }),
  'lineage.lineageStepQuery': () => lineage.lineageStepQuery([ID], 'DOWNSTREAM', 11, '2026-01-01T00:00:00.000Z'),
  'lineage.lineageNodesQuery': () => lineage.lineageNodesQuery([ID], 'DOWNSTREAM', { asOf: null, keep: filtered, lean: true }),
  'lineage.impactedAliasesQuery': () => lineage.impactedAliasesQuery([ID], '2026-01-01T00:00:00.000Z'),
  'lists.listPageQuery': () =>
    lists.listPageQuery('Datum', lists.datumsWhere({ project: 'fraud', tagsAny: ['gold'], metadata: [{ key: 'accuracy', gte: 0.9 }], pathPrefix: 'model/' }), 50, ['2026-01-01T00:00:00.000Z', ID]),
  'lists.listCountQuery': () => lists.listCountQuery('Execution', lists.executionsWhere({ status: ['COMPLETED'], parent: ID })),
  'metadata.writeEntriesQuery': () => metadata.writeEntriesQuery([{ id: ID2, target: ID, value: accuracy, execution: null, source: 'API' }], 'ci', { nodes: true, round: 1 }),
  'metadata.lockTargetsQuery': () => metadata.lockTargetsQuery([ID]),
  'metadata.stepNamesQuery': () => metadata.stepNamesQuery([{ step: ID, run: ID2 }]),
  'metadata.currentValuesQuery': () => metadata.currentValuesQuery([{ target: ID, name: 'accuracy' }]),
  'nodes.nodesByIdQuery': () => nodes.nodesByIdQuery([ID]),
  'nodes.lockNodeQuery': () => nodes.lockNodeQuery('Execution', ID),
  'openlineage.recordRunQuery': () =>
    openlineage.recordRunQuery({
      project: 'shop', projectId: ID2, runId: ID, name: 'orders.extract', at: '2026-01-01T00:00:00.000Z', starting: false, final: 'FAILED', pipeline: true, parentId: ID2, parentName: 'orders',
      repository: 'https://github.com/acme/etl.git', commit: 'abc123', by: 'ci',
      outputs: [{ i: 0, uri: 's3://warehouse/raw/orders', path: 'raw/orders', version: ID, id: ID2, size: 2048 }],
      inputs: [{ i: 0, uri: 'postgres://db:5432/shop.public.orders', path: 'shop.public.orders', version: null, id: ID2 }],
    }),
  'openlineage.facetValuesQuery': () => openlineage.facetValuesQuery('shop', [{ target: ID, name: 'schema.amount' }]),
  'openlineage.stampFacetValuesQuery': () => openlineage.stampFacetValuesQuery('shop', '2026-01-01T00:00:00.000Z', [{ target: ID, name: 'schema.amount' }]),
  'openlineage.projectNodeQuery': () => openlineage.projectNodeQuery('shop'),
  'projects.ensureProjectQuery': () => projects.ensureProjectQuery('fraud', ID),
  'projects.projectsQuery': () => projects.projectsQuery(50),
  'relations.relatedQuery': () => relations.relatedQuery('consumersOf', [ID], { first: 101, offset: 0 }),
  'relations.relatedCountQuery': () => relations.relatedCountQuery('datumsOfVersion', [ID]),
  'relations.projectsByNameQuery': () => relations.projectsByNameQuery(['fraud']),
  'relations.readsQuery': () => relations.readsQuery([ID], 100),
  'relations.metadataEntriesQuery': () => relations.metadataEntriesQuery([ID], ['accuracy'], true, 1000),
  'status.componentsQuery': () => status.componentsQuery(),
  'status.countsQuery': () => status.countsQuery(),
  'tags.tagRowsQuery': () => tags.tagRowsQuery([{ target: ID, tags: ['gold'] }]),
  'tags.addTagsQuery': () => tags.addTagsQuery([ID], ['gold']),
  'tags.removeTagsQuery': () => tags.removeTagsQuery([ID], ['gold']),
  'tokens.createTokenQuery': () => tokens.createTokenQuery({ id: ID, hash: 'h', name: 'ci', role: 'reader', projects: ['fraud'] }),
  'tokens.registerAdminTokenQuery': () => tokens.registerAdminTokenQuery('h', ID, 'first-admin'),
  'tokens.liveTokenCountQuery': () => tokens.liveTokenCountQuery(),
  'tokens.managedTokensQuery': () => tokens.managedTokensQuery(),
  'tokens.revokeTokenQuery': () => tokens.revokeTokenQuery(ID),
  'tokens.tokenByHashQuery': () => tokens.tokenByHashQuery('h'),
  'tokens.recordTokenUsesQuery': () => tokens.recordTokenUsesQuery([{ id: ID, at: '2026-01-01T00:00:00.000Z' }]),
  'tokens.tokenEpochQuery': () => tokens.tokenEpochQuery(),
  'versions.ownerQuery': () => versions.ownerQuery(MODEL, 'fraud', 'churn'),
  'versions.versionsByUriQuery': () => versions.versionsByUriQuery(DATASET, 'dataset://d/v1', null),
  'versions.versionsByAliasQuery': () => versions.versionsByAliasQuery('d', 'latest', 'fraud'),
  'versions.bumpOwnerQuery': () => versions.bumpOwnerQuery(MODEL, 'fraud', 'churn', ID),
  'versions.versionInProjectQuery': () => versions.versionInProjectQuery(MODEL, 'fraud', 'model://churn/1'),
  'versions.createVersionQuery': () => versions.createVersionQuery(MODEL, { project: 'fraud', name: 'churn', id: ID, version: 1, uri: 'model://churn/1', by: 'ci' }),
  'versions.versionQuery': () => versions.versionQuery(DATASET, ID),
  'versions.containQuery': () => versions.containQuery(DATASET, ID, [ID2]),
  'versions.datumProjectsQuery': () => versions.datumProjectsQuery([ID]),
  'versions.joinVersionsQuery': () =>
    versions.joinVersionsQuery(MODEL, [{ project: 'fraud', datumId: ID, ownerId: ID2, versionId: ID2, name: 'churn', version: 3, uri: 'model://churn/3' }], 'ci'),
  'versions.pointVersionAliasesQuery': () => versions.pointVersionAliasesQuery([{ versionId: ID, name: 'latest', id: ID2 }], 'ci'),
  'webhooks.createWebhookQuery': () => webhooks.createWebhookQuery({ id: ID, project: 'fraud', url: 'https://hooks.example/p', types: ['alias.moved'], secret: 'whsec_c2VjcmV0', by: 'ci' }),
  'webhooks.webhooksQuery': () => webhooks.webhooksQuery('fraud', 100),
  'webhooks.webhookQuery': () => webhooks.webhookQuery(ID),
  'webhooks.deleteWebhookQuery': () => webhooks.deleteWebhookQuery(ID),
  'webhooks.webhookDeliveriesQuery': () => webhooks.webhookDeliveriesQuery(ID, 51, 17),
  'webhooks.webhookDeliveryCountQuery': () => webhooks.webhookDeliveryCountQuery(ID),
  'webhooks.webhookQueuesQuery': () => webhooks.webhookQueuesQuery(),
  'webhooks.lockWebhookQuery': () => webhooks.lockWebhookQuery(ID),
  'webhooks.queueEventsQuery': () => webhooks.queueEventsQuery(ID, 1000),
  'webhooks.claimDeliveriesQuery': () => webhooks.claimDeliveriesQuery(ID, 'replica-1', 60_000, 100),
  'webhooks.renewLeaseQuery': () => webhooks.renewLeaseQuery(ID, 'replica-1', 60_000),
  'webhooks.recordAttemptsQuery': () =>
    webhooks.recordAttemptsQuery(ID, [{ eventId: ID2, status: 'PENDING', statusCode: 500, error: 'the receiver answered HTTP 500', attemptedAt: '2026-01-01T00:00:00.000Z', retryInMs: 5000, attempted: true }]),
  'webhooks.releaseWebhookQuery': () => webhooks.releaseWebhookQuery(ID, 'replica-1', true),
  'webhooks.pruneDeliveriesQuery': () => webhooks.pruneDeliveriesQuery(604_800_000, 10_000),
  'webhooks.pruneEventsQuery': () => webhooks.pruneEventsQuery(604_800_000, 10_000),
};

const builders = Object.entries(modules).flatMap(([module, exports]) =>
  Object.entries(exports)
    .filter(([name, value]) => typeof value === 'function' && name.endsWith('Query'))
    .map(([name]) => `${module}.${name}`),
);

describe('the Cypher builders', () => {
  it('are all imported here: every module of src/db/cypher is listed', () => {
    const files = readdirSync(join(packageRoot, 'src', 'db', 'cypher')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    const withoutBuilders = ['scope', 'time', 'where'];
    expect(files.filter((f) => !withoutBuilders.includes(f)).sort()).toEqual(Object.keys(modules).sort());
  });

  it('each have a sample call here', () => {
    expect(builders.filter((name) => !SAMPLES[name])).toEqual([]);
    expect(Object.keys(SAMPLES).filter((name) => !builders.includes(name))).toEqual([]);
  });

  describe.each(builders)('%s', (name) => {
    const query = () => SAMPLES[name]();

    it('carries the project predicate, is pinned to a project, or says why it is global', () => {
      const { cypher, params = {}, global } = query();
      const scoped = /\$scope\b/.test(cypher);
      const pinned = typeof params.project === 'string';
      expect({ name, isolated: scoped || pinned || (typeof global === 'string' && global.length > 0) }).toEqual({ name, isolated: true });
    });

    it('takes caller values as parameters only', () => {
      const { cypher, params = {} } = query();
      for (const [key, value] of Object.entries(params)) {
        if (typeof value === 'string' && value.length > 3) expect({ name, key, inText: cypher.includes(value) }).toEqual({ name, key, inText: false });
      }
      expect(cypher).not.toMatch(/\$\{/);
    });

    it('builds the same text and parameters as reviewed', () => {
      expect(query()).toMatchSnapshot();
    });
  });
});
