import type { Query } from '../executor.js';
import { visible } from './scope.js';

/** Aliases with this name in the token's projects, or in `project` only (names are unique per project). */
export const aliasesByNameQuery = (name: string, project: string | null): Query => ({
  cypher: `MATCH (n:Alias {name: $name}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
  params: { name, project },
});

/** External datums with this URI in the token's projects, or in `project` only (one per project). */
export const datumsByUriQuery = (uri: string, project: string | null): Query => ({
  cypher: `MATCH (n:Datum {uri: $uri}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
  params: { uri, project },
});
