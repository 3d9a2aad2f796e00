import DataLoader from 'dataloader';
import { groupBy } from '../domain/group.js';
import type { Executor, Row } from '../db/executor.js';
import { int } from '../db/records.js';
import { RELATIONS, type RelationName } from './relations.js';
import { visible } from '../db/cypher/scope.js';

/** A node as the API sees it: its properties plus its labels. */
export type Entity = Record<string, any> & { id: string; labels: string[] };

export interface Page {
  /** At most this many items. */
  first: number;
  /** Items skipped before the page (per-parent lists page by offset). */
  offset: number;
}

/**
 * One set per request. Every per-parent field goes through a loader, so a list of 200
 * datums with producer, tags and aliases costs one query per field, not one per datum.
 * Batch results keep the order and length of the keys.
 */
export function createLoaders(executor: Executor) {
  const nodeById = new DataLoader<string, Entity | null>(async (ids) => {
    const rows = await executor.query({
      cypher: `UNWIND $ids AS id MATCH (n:Entity {id: id}) WHERE ${visible('n')} RETURN n`,
      params: { ids },
    });
    const byId = new Map(rows.map((r) => [r.n.id as string, r.n as Entity]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  const related = new Map<string, DataLoader<string, Entity[]>>();
  /** Related nodes of each parent; `page` limits each parent's list separately. */
  function relation(name: RelationName, page?: Page): DataLoader<string, Entity[]> {
    const key = page ? `${name}:${page.first}:${page.offset}` : name;
    let loader = related.get(key);
    if (!loader) {
      const { pattern, order } = RELATIONS[name];
      const slice = page ? 'SKIP $offset LIMIT $first' : '';
      loader = new DataLoader(async (ids) => {
        const rows = await executor.query({
          cypher: `UNWIND $ids AS id
MATCH (n:Entity {id: id}) WHERE ${visible('n')}
CALL { WITH n MATCH ${pattern} WHERE ${visible('m')} RETURN DISTINCT m ORDER BY ${order} ${slice} }
RETURN id, collect(m) AS items`,
          params: { ids, first: int(page?.first ?? 0), offset: int(page?.offset ?? 0) },
        });
        const byId = new Map(rows.map((r) => [r.id as string, r.items as Entity[]]));
        for (const items of byId.values()) for (const item of items) nodeById.prime(item.id, item);
        return ids.map((id) => byId.get(id) ?? []);
      });
      related.set(key, loader);
    }
    return loader;
  }

  const counts = new Map<RelationName, DataLoader<string, number>>();
  /** How many related nodes each parent has (for `totalCount` on per-parent connections). */
  function count(name: RelationName): DataLoader<string, number> {
    let loader = counts.get(name);
    if (!loader) {
      const { pattern } = RELATIONS[name];
      loader = new DataLoader(async (ids) => {
        const rows = await executor.query({
          cypher: `UNWIND $ids AS id MATCH (n:Entity {id: id}) WHERE ${visible('n')}
CALL { WITH n MATCH ${pattern} WHERE ${visible('m')} RETURN count(DISTINCT m) AS c } RETURN id, c`,
          params: { ids },
        });
        const byId = new Map(rows.map((r: Row) => [r.id as string, r.c as number]));
        return ids.map((id) => byId.get(id) ?? 0);
      });
      counts.set(name, loader);
    }
    return loader;
  }

  /** The one related node, or null, for relations marked `one`. */
  const single = (name: RelationName, id: string) => relation(name).load(id).then((items) => items[0] ?? null);

  const projectByName = new DataLoader<string, Entity | null>(async (names) => {
    const rows = await executor.query({
      cypher: `UNWIND $names AS name MATCH (p:Project {name: name}) WHERE ${visible('p')} RETURN p`,
      params: { names },
    });
    const byName = new Map(rows.map((r) => [r.p.name as string, r.p as Entity]));
    return names.map((name) => byName.get(name) ?? null);
  });

  /** What each execution read, with the input name and the alias it came through. */
  const readsOf = new DataLoader<string, Array<{ inputName: string; alias: string | null; node: Entity }>>(async (ids) => {
    const rows = await executor.query({
      cypher: `UNWIND $ids AS id
MATCH (e:Execution {id: id})-[r:READ]->(m) WHERE ${visible('e')} AND ${visible('m')}
RETURN id, r.inputName AS inputName, r.alias AS alias, m AS node ORDER BY r.inputName, m.id`,
      params: { ids },
    });
    for (const r of rows) nodeById.prime(r.node.id, r.node);
    const byId = groupBy(rows, (r) => r.id as string);
    return ids.map((id) => (byId.get(id) ?? []).map((r) => ({ inputName: r.inputName, alias: r.alias, node: r.node as Entity })));
  });

  const metadata = new Map<string, DataLoader<string, Entity[]>>();
  /**
   * Metadata entries of each node: the current value per name (`group.key`), or with
   * `history` every entry, newest first; `names` narrows to those names.
   */
  function metadataOf(names: string[] | null | undefined, history: boolean): DataLoader<string, Entity[]> {
    const key = JSON.stringify([names ?? null, history]);
    let loader = metadata.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const rows = await executor.query({
          cypher: `UNWIND $ids AS id
MATCH (n:Entity {id: id})<-[:DESCRIBES]-(m:MetadataEntry)
WHERE ($history OR m:Current) AND ($names IS NULL OR m.name IN $names) AND ${visible('n')}
RETURN id, m ORDER BY coalesce(m.group, ''), m.key, m.loggedAt DESC, coalesce(m.round, 0) DESC, m.id`,
          params: { ids, names: names ?? null, history },
        });
        const byId = groupBy(rows, (r) => r.id as string);
        return ids.map((id) => (byId.get(id) ?? []).map((r) => r.m as Entity));
      });
      metadata.set(key, loader);
    }
    return loader;
  }

  return { nodeById, relation, count, single, projectByName, readsOf, metadataOf };
}

export type Loaders = ReturnType<typeof createLoaders>;
