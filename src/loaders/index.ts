import DataLoader from 'dataloader';
import type { Executor } from '../db/executor.js';
import type { Entity } from '../db/records.js';
import { nodesByIdQuery } from '../db/cypher/nodes.js';
import {
  METADATA_ENTRIES,
  metadataEntriesQuery,
  projectsByNameQuery,
  READS,
  readsQuery,
  relatedCountQuery,
  relatedQuery,
  RELATIONS,
  type Page,
  type Relation,
  type RelationName,
} from '../db/cypher/relations.js';
import { checkRange } from '../domain/errors.js';

/** `first` of a per-parent list: its default when not given, LIMIT_EXCEEDED past its maximum. */
const firstOf = (first: number | null | undefined, bound: { default: number; max: number }) => checkRange('first', first ?? bound.default, 1, bound.max);

export interface Read {
  inputName: string;
  alias: string | null;
  node: Entity;
}

/** A loader per distinct key of its own arguments (page, names), made on first use. */
function keyed<K, V>(make: (key: K) => DataLoader<string, V>): (key: K) => DataLoader<string, V> {
  const loaders = new Map<string, DataLoader<string, V>>();
  return (key) => {
    const id = JSON.stringify(key);
    let loader = loaders.get(id);
    if (!loader) loaders.set(id, (loader = make(key)));
    return loader;
  };
}

/** The rows of a batch by key, in the order and number of the keys asked. */
const inOrder = <T>(ids: readonly string[], rows: Array<[string, T]>, missing: T) => {
  const byId = new Map(rows);
  return ids.map((id) => byId.get(id) ?? missing);
};

/**
 * One set per request. Every per-parent field goes through a loader, so a list of 200
 * datums with producer, tags and aliases costs one query per field, not one per datum.
 * Batch results keep the order and length of the keys.
 */
export function createLoaders(executor: Executor) {
  const nodeById = new DataLoader<string, Entity | null>(async (ids) => {
    const rows = await executor.query(nodesByIdQuery(ids));
    return inOrder(ids, rows.map((r) => [r.n.id, r.n as Entity]), null);
  });
  const prime = (nodes: Entity[]) => {
    for (const node of nodes) nodeById.prime(node.id, node);
  };

  /** Related nodes of each parent; `page` limits each parent's list separately. */
  const relation = keyed(([name, page]: [RelationName, Page]) =>
    new DataLoader<string, Entity[]>(async (ids) => {
      const rows = await executor.query(relatedQuery(name, ids, page));
      for (const r of rows) prime(r.items);
      return inOrder(ids, rows.map((r) => [r.id, r.items as Entity[]]), []);
    }),
  );

  /** How many related nodes each parent has (for `totalCount` on per-parent connections). */
  const count = keyed((name: RelationName) =>
    new DataLoader<string, number>(async (ids) => {
      const rows = await executor.query(relatedCountQuery(name, ids));
      return inOrder(ids, rows.map((r) => [r.id, r.c as number]), 0);
    }),
  );

  /** The one related node, or null, for relations marked `one`. */
  const single = (name: RelationName, id: string) => relation([name, { first: 1, offset: 0 }]).load(id).then((items) => items[0] ?? null);

  const projectByName = new DataLoader<string, Entity | null>(async (names) => {
    const rows = await executor.query(projectsByNameQuery(names));
    return inOrder(names, rows.map((r) => [r.p.name, r.p as Entity]), null);
  });

  /** What each execution read (at most `first`), with the input name and the alias it came through. */
  const reads = keyed((first: number) =>
    new DataLoader<string, Read[]>(async (ids) => {
      const rows = await executor.query(readsQuery(ids, first));
      for (const r of rows) prime(r.reads.map((x: Read) => x.node));
      return inOrder(ids, rows.map((r) => [r.id, r.reads as Read[]]), []);
    }),
  );

  /**
   * Metadata entries of each node: the current value per name (`group.key`), or with
   * `history` every entry, newest first; `names` narrows to those names; at most `first`.
   */
  const metadata = keyed(([names, history, first]: [string[] | null, boolean, number]) =>
    new DataLoader<string, Entity[]>(async (ids) => {
      const rows = await executor.query(metadataEntriesQuery(ids, names, history, first));
      return inOrder(ids, rows.map((r) => [r.id, r.entries as Entity[]]), []);
    }),
  );

  return {
    nodeById,
    /** A page of each parent's related nodes (per-parent connections). */
    relation: (name: RelationName, page: Page) => relation([name, page]),
    /** The first items of each parent's related nodes, within the relation's bound (per-parent list fields). */
    related: (name: RelationName, first?: number | null) => relation([name, { first: firstOf(first, (RELATIONS[name] as Relation).first ?? { default: 1, max: 1 }), offset: 0 }]),
    count,
    single,
    projectByName,
    readsOf: (first?: number | null) => reads(firstOf(first, READS)),
    metadataOf: (names: string[] | null | undefined, history: boolean, first?: number | null) => metadata([names ?? null, history, firstOf(first, METADATA_ENTRIES)]),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
