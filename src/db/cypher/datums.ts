import type { Query } from '../executor.js';
import { visible } from './scope.js';

/** Aliases with this name in the token's projects, or in `project` only (names are unique per project). */
export const aliasesByNameQuery = (name: string, project: string | null): Query => ({
  cypher: `MATCH (n:Alias {name: $name}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
  params: { name, project },
});

/**
 * Datums of one URI are versions of one external object: each OpenLineage run that writes it
 * writes a version with `writtenAt`, the time its run said it wrote it; the URI's
 * unversioned datum (version '', the one GraphQL's external URIs name) has none and is the
 * oldest. Newest first, with `d` the datum variable:
 */
export const NEWEST_VERSION_FIRST = (d: string) => `${d}.writtenAt IS NOT NULL DESC, ${d}.writtenAt DESC, ${d}.createdAt DESC, ${d}.id`;

/** The newest datum with this URI in each of the token's projects, or in `project` only. */
export const datumsByUriQuery = (uri: string, project: string | null): Query => ({
  cypher: `MATCH (n:Datum {uri: $uri}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')}
WITH n ORDER BY ${NEWEST_VERSION_FIRST('n')}
WITH n.project AS project, head(collect(n)) AS n
RETURN n, project`,
  params: { uri, project },
});
