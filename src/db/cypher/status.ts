import type { Query } from '../executor.js';
import { visible } from './scope.js';

/** The database server's name, version and edition. */
export const componentsQuery = (): Query => ({
  cypher: `CALL dbms.components() YIELD name, versions, edition
RETURN name + ' ' + versions[0] + ' ' + edition AS neo4j`,
  global: 'the database server version, no project data',
});

/** Projects, executions and datums in the token's projects: one label scan each, nothing more read. */
export const countsQuery = (): Query => ({
  cypher: `CALL { MATCH (p:Project) WHERE ${visible('p')} RETURN count(p) AS projects }
CALL { MATCH (e:Execution) WHERE ${visible('e')} RETURN count(e) AS executions }
CALL { MATCH (d:Datum) WHERE ${visible('d')} RETURN count(d) AS datums }
RETURN projects, executions, datums`,
});
