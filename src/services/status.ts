import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Executor, Query } from '../db/executor.js';
import { visible } from '../db/cypher/scope.js';
import { packageRoot } from '../paths.js';

const version: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;

/** The server's own components: about the database, not any project's data. */
const COMPONENTS: Query = {
  cypher: `CALL dbms.components() YIELD name, versions, edition
RETURN name + ' ' + versions[0] + ' ' + edition AS neo4j`,
  global: 'the database server version, no project data',
};

/**
 * Counts within the token's projects, one label scan each; a status check reads no
 * nodes beyond that.
 */
const COUNTS: Query = {
  cypher: `CALL { MATCH (p:Project) WHERE ${visible('p')} RETURN count(p) AS projects }
CALL { MATCH (e:Execution) WHERE ${visible('e')} RETURN count(e) AS executions }
CALL { MATCH (d:Datum) WHERE ${visible('d')} RETURN count(d) AS datums }
RETURN projects, executions, datums`,
};

export interface ServerStatus {
  version: string;
  neo4j: string;
  projects: number;
  executions: number;
  datums: number;
}

/** `status`: one read transaction, so the counts are of one snapshot. */
export function serverStatus(executor: Executor): Promise<ServerStatus> {
  return executor.read(async (tx) => {
    const [[components], [counts]] = [await tx.run(COMPONENTS), await tx.run(COUNTS)];
    return { version, neo4j: components.neo4j, ...(counts as Omit<ServerStatus, 'version' | 'neo4j'>) };
  });
}
