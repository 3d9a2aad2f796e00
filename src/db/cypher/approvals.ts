import type { Query } from '../executor.js';
import { visible } from './scope.js';
import { NOW } from './time.js';

/** A decision on a model version: its new status, and an Approval that keeps who, when, from, to and why. */
export const decideQuery = (versionId: string, approvalId: string, to: string, by: string, comment: string | null): Query => ({
  cypher: `MATCH (v:ModelVersion {id: $id}) WHERE ${visible('v')}
CREATE (v)-[:DECIDED]->(:Approval {id: $approvalId, project: v.project, at: ${NOW}, by: $by, from: v.status, to: $to, comment: $comment})
SET v.status = $to, v.statusChangedAt = ${NOW}, v.statusChangedBy = $by
RETURN v`,
  params: { id: versionId, approvalId, by, to, comment },
});

/** Up to two datums of a model version: a promotion needs it to hold exactly one. */
export const versionDatumsQuery = (versionId: string): Query => ({
  cypher: `MATCH (:ModelVersion {id: $id})-[:CONTAINS]->(d:Datum) WHERE ${visible('d')} RETURN d.id AS id LIMIT 2`,
  params: { id: versionId },
});

/** Each model version's status at `asOf` (ISO time): the last decision by then, else PENDING. */
export const statusAsOfQuery = (versionIds: string[], asOf: string): Query => ({
  cypher: `UNWIND $ids AS id
MATCH (v:ModelVersion {id: id}) WHERE ${visible('v')}
CALL {
  WITH v
  OPTIONAL MATCH (v)-[:DECIDED]->(d:Approval) WHERE d.at <= datetime($asOf)
  WITH d ORDER BY d.at DESC, d.id DESC
  RETURN head(collect(d.to)) AS decided
}
RETURN id, coalesce(decided, 'PENDING') AS status`,
  params: { ids: versionIds, asOf },
});
