import type { Executor, Tx } from '../db/executor.js';
import { addTagsQuery, removeTagsQuery } from '../db/cypher/tags.js';
import { nodesByIdQuery } from '../db/cypher/nodes.js';
import { TAGGABLE } from '../domain/labels.js';
import { badInput, notFound } from '../domain/errors.js';
import { checkBatch, checkTags } from '../domain/validation.js';
import type { Entity } from '../db/records.js';

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
      await tx.run(removeTagsQuery(targetIds, names));
      return targets;
    });
  }

  /** The targets, in the order given; every one must exist and be taggable. */
  private async targets(tx: Tx, targetIds: string[]): Promise<Entity[]> {
    checkBatch('targets', targetIds);
    const rows = await tx.run(nodesByIdQuery(targetIds));
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
