import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Executor } from '../db/executor.js';
import { componentsQuery, countsQuery } from '../db/cypher/status.js';
import { packageRoot } from '../paths.js';

const version: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;

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
    const [[components], [counts]] = [await tx.run(componentsQuery()), await tx.run(countsQuery())];
    return { version, neo4j: components.neo4j, ...(counts as Omit<ServerStatus, 'version' | 'neo4j'>) };
  });
}
