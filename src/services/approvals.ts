import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import { decideQuery, versionDatumsQuery } from '../db/cypher/approvals.js';
import { badInput, conflict, notFound } from '../domain/errors.js';
import { optionalText } from '../domain/validation.js';
import type { Entity } from '../db/records.js';
import type { Principal } from '../domain/roles.js';
import { moveAlias } from './aliases.js';
import { lockNode } from './projects.js';

export type Decision = 'APPROVED' | 'REJECTED' | 'ARCHIVED';

/** The statuses each decision may start from. */
const FROM: Record<Decision, string[]> = {
  APPROVED: ['PENDING', 'REJECTED'],
  REJECTED: ['PENDING', 'APPROVED'],
  ARCHIVED: ['PENDING', 'APPROVED', 'REJECTED'],
};

export interface DecisionInput {
  id: string;
  comment?: string | null;
  /** Compare-and-set: CONFLICT unless the version still has this status. */
  expectedStatus?: string | null;
  /** With an approval: move this (typically protected) alias to the version's datum in the same transaction. */
  promote?: { alias: string; datumId?: string | null; expectedDatumId?: string | null } | null;
}

/**
 * The model-version approval workflow. The version is locked before its status is read,
 * so of concurrent decisions from the same status exactly one wins; each decision is kept
 * as an Approval (who, when, from, to, comment).
 */
export class ApprovalService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
  ) {}

  decide(decision: Decision, input: DecisionInput): Promise<Entity> {
    const comment = optionalText('comment', input.comment, 4096);
    if (input.promote && decision !== 'APPROVED') throw badInput('promote goes with an approval', { field: 'promote' });
    return this.executor.write(async (tx) => {
      const version = await lockNode(tx, 'ModelVersion', input.id);
      if (!version) throw notFound('Model version', input.id);
      if (input.expectedStatus && input.expectedStatus !== version.status) {
        throw conflict(`${version.uri} is ${version.status}, not the expected ${input.expectedStatus}; read it again and decide`, { field: 'expectedStatus', current: version.status });
      }
      if (!FROM[decision].includes(version.status)) {
        throw conflict(`${version.uri} is ${version.status}; it can become ${decision} only from ${FROM[decision].join(' or ')}`, { current: version.status });
      }
      const [row] = await tx.run(decideQuery(input.id, randomUUID(), decision, this.principal.name, comment));
      tx.emit({ type: 'model_version.status_changed', project: version.project, data: { versionId: input.id, uri: version.uri, from: version.status, to: decision, comment } });
      if (input.promote) {
        const datumId = input.promote.datumId ?? (await this.onlyDatum(tx, input.id, version.uri));
        await moveAlias(tx, { project: version.project, name: input.promote.alias, datumId, expectedDatumId: input.promote.expectedDatumId, reason: `approved ${version.uri}${comment ? `: ${comment}` : ''}` }, this.principal);
      }
      return row.v as Entity;
    });
  }

  private async onlyDatum(tx: Tx, versionId: string, uri: string): Promise<string> {
    const rows = await tx.run(versionDatumsQuery(versionId));
    if (rows.length !== 1) throw badInput(`${uri} contains ${rows.length === 0 ? 'no datum' : 'several datums'}; name promote.datumId`, { field: 'promote.datumId' });
    return rows[0].id;
  }
}
