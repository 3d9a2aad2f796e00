import type { Executor, Query, Tx } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import { badInput, notFound } from '../domain/errors.js';
import { checkBatch, checkText } from '../domain/validation.js';
import type { Entity } from '../loaders/index.js';
import { visible } from '../db/cypher/scope.js';

/** Labels that can carry tags. */
const TAGGABLE = ['Datum', 'Execution', 'ModelVersion', 'DatasetVersion'];

export function checkTags(tags: string[], field = 'tags'): string[] {
  checkBatch(field, tags, 0);
  return [...new Set(tags.map((t, i) => checkText(`${field}.${i}`, t.trim(), 128)))];
}

/**
 * Each row's tags on its target, in one statement. Tags live in the target's project; a
 * tag is created the first time it is used there.
 */
export function tagRowsQuery(rows: Array<{ target: string; tags: string[] }>): Query {
  return {
    cypher: `UNWIND $rows AS row
MATCH (n:Entity {id: row.target}) WHERE ${visible('n')}
UNWIND row.tags AS name
MERGE (t:Entity:Tag {project: n.project, name: name})
ON CREATE SET t.id = randomUUID(), t.createdAt = ${NOW}
MERGE (n)-[:TAGGED]->(t)`,
    params: { rows },
  };
}

/** The same tags on every target. */
export const addTagsQuery = (targetIds: string[], tags: string[]) => tagRowsQuery(targetIds.map((target) => ({ target, tags })));

export class TagService {
  constructor(private readonly executor: Executor) {}

  add(targetIds: string[], tags: string[]): Promise<Entity[]> {
    const names = checkTags(tags);
    return this.executor.write(async (tx) => {
      const targets = await this.targets(tx, targetIds);
      if (names.length) await tx.run(addTagsQuery(targetIds, names));
      return targets;
    });
  }

  remove(targetIds: string[], tags: string[]): Promise<Entity[]> {
    const names = checkTags(tags);
    return this.executor.write(async (tx) => {
      const targets = await this.targets(tx, targetIds);
      await tx.run({
        cypher: `UNWIND $targetIds AS targetId
MATCH (n:Entity {id: targetId})-[r:TAGGED]->(t:Tag) WHERE t.name IN $tags AND ${visible('n')}
DELETE r`,
        params: { targetIds, tags: names },
      });
      return targets;
    });
  }

  /** The targets, in the order given; every one must exist and be taggable. */
  private async targets(tx: Tx, targetIds: string[]): Promise<Entity[]> {
    checkBatch('targets', targetIds);
    const rows = await tx.run({
      cypher: `UNWIND $ids AS id MATCH (n:Entity {id: id}) WHERE ${visible('n')} RETURN n`,
      params: { ids: targetIds },
    });
    const byId = new Map(rows.map((r) => [r.n.id as string, r.n as Entity]));
    return targetIds.map((id, i) => {
      const node = byId.get(id);
      if (!node) throw notFound('Tag target', id);
      if (!node.labels.some((l: string) => TAGGABLE.includes(l))) {
        throw badInput(`targets.${i} is a ${node.labels.filter((l: string) => l !== 'Entity')[0]}; tags go on ${TAGGABLE.join(', ')}`, { field: `targets.${i}` });
      }
      return node;
    });
  }
}
