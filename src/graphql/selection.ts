import {
  getNamedType,
  isAbstractType,
  isLeafType,
  Kind,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { NodeFields } from '../db/cypher/lineage.js';
import { KIND_OF_LABEL } from '../domain/labels.js';

/** What of a field's resolve info the selection is read from. */
export type SelectionInfo = Pick<GraphQLResolveInfo, 'schema' | 'fieldNodes' | 'fragments'>;

/**
 * Leaf fields whose resolvers read stored properties other than their own name (none for
 * one a loader answers from the id). Every other leaf field is the property of its name
 * (read by the default resolver, or by one that reads that property, as `Datum.external`
 * and `Execution.commands` do); object fields are resolved by loaders from the node's id
 * (and `project` from its project, which every node carries).
 */
export const READS: Record<string, Record<string, readonly string[]>> = {
  Execution: { duration: ['startedAt', 'endedAt'] },
  DatasetVersion: { aliases: [] },
};

/** What every projected node carries (see `projectionOf`). */
const ALWAYS = ['id', 'project'];

interface Selected {
  field: FieldNode;
  /** The type condition of the nearest fragment it sits in; null outside any. */
  on: string | null;
}

/** The fields of a selection set, through inline and named fragments. */
function fieldsOf(set: SelectionSetNode | undefined, info: SelectionInfo, on: string | null = null, out: Selected[] = []): Selected[] {
  for (const s of set?.selections ?? []) {
    if (s.kind === Kind.FIELD) out.push({ field: s, on });
    else if (s.kind === Kind.INLINE_FRAGMENT) fieldsOf(s.selectionSet, info, s.typeCondition?.name.value ?? on, out);
    else {
      const fragment = info.fragments[s.name.value];
      if (fragment) fieldsOf(fragment.selectionSet, info, fragment.typeCondition.name.value, out);
    }
  }
  return out;
}

const named = (selected: Selected[], name: string) => selected.filter((s) => s.field.name.value === name);

/** The fields selected on the field being resolved. */
const selectedIn = (info: SelectionInfo) => info.fieldNodes.flatMap((f) => fieldsOf(f.selectionSet, info));

/** The fields selected inside every field `name` of `selected`. */
const inside = (selected: Selected[], name: string, info: SelectionInfo) => named(selected, name).flatMap((s) => fieldsOf(s.field.selectionSet, info));

/** Whether a fragment on `on` applies to an object of `type`. */
function applies(schema: GraphQLSchema, on: string | null, type: GraphQLObjectType): boolean {
  if (on === null || on === type.name) return true;
  const condition = schema.getType(on);
  return !!condition && isAbstractType(condition) && schema.isSubType(condition, type);
}

/**
 * The stored properties that the fields selected on a lineage node need, over every type a
 * walk returns (a field a type lacks asks nothing of it). A property is temporal where
 * every lineage type that has a field of its name types it DateTime.
 */
function storedFields(schema: GraphQLSchema, selected: Selected[]): NodeFields {
  const types = Object.keys(KIND_OF_LABEL).map((label) => schema.getType(label) as GraphQLObjectType);
  const properties = new Set<string>();
  for (const { field, on } of selected) {
    for (const type of types) {
      const definition = type.getFields()[field.name.value];
      if (!definition || !applies(schema, on, type)) continue;
      const reads = READS[type.name]?.[definition.name] ?? (isLeafType(getNamedType(definition.type)) ? [definition.name] : []);
      for (const p of reads) if (!ALWAYS.includes(p)) properties.add(p);
    }
  }
  const sorted = [...properties].sort();
  const temporal = sorted.filter((p) => {
    const typed = types.map((t) => t.getFields()[p]).filter(Boolean);
    return typed.length > 0 && typed.every((f) => getNamedType(f.type).name === 'DateTime');
  });
  return { properties: sorted, temporal };
}

/**
 * What `Query.lineage` must fetch of each node: the properties the fields selected on its
 * `root` and on `nodes { node }` read, in fields, inline fragments and named fragments.
 * A field under `@skip`/`@include` is fetched either way.
 */
export function lineageNodeFields(info: SelectionInfo): NodeFields {
  const graph = selectedIn(info);
  return storedFields(info.schema, [...inside(graph, 'root', info), ...inside(inside(graph, 'nodes', info), 'node', info)]);
}

/**
 * What `Query.impact` must fetch of each node: what is selected on `root { node }`,
 * `nodes { node }`, `deployments`, `modelVersions`, `datasetVersions` and
 * `aliases { datum }` (each of them a node of the walk), and the `kind` its deployments
 * are picked by.
 */
export function impactNodeFields(info: SelectionInfo): NodeFields {
  const impact = selectedIn(info);
  const within = (selected: Selected[], name: string) => inside(selected, name, info);
  const onNodes = [
    ...within(within(impact, 'root'), 'node'),
    ...within(within(impact, 'nodes'), 'node'),
    ...within(impact, 'deployments'),
    ...within(impact, 'modelVersions'),
    ...within(impact, 'datasetVersions'),
    ...within(within(impact, 'aliases'), 'datum'),
  ];
  const { properties, temporal } = storedFields(info.schema, onNodes);
  return { properties: [...new Set([...properties, 'kind'])].sort(), temporal };
}

/**
 * What `Query.lineagePaths` must fetch of the nodes of its walks from `from`: what is
 * selected on `paths { nodes { node } }`. Its walks from `to` only meet those, by id.
 */
export function pathNodeFields(info: SelectionInfo): NodeFields {
  return storedFields(info.schema, inside(inside(inside(selectedIn(info), 'paths', info), 'nodes', info), 'node', info));
}

const walkFieldsByFieldNodes = new WeakMap<readonly FieldNode[], NodeFields>();

/**
 * What a node's own `upstream`/`downstream` field must fetch of each node: what is selected
 * on its `node`. Asked once per parent, with the same field nodes for every parent of a
 * list, so it is worked out once per field of an operation.
 */
export function walkNodeFields(info: SelectionInfo): NodeFields {
  let fields = walkFieldsByFieldNodes.get(info.fieldNodes);
  if (!fields) {
    fields = storedFields(info.schema, inside(selectedIn(info), 'node', info));
    walkFieldsByFieldNodes.set(info.fieldNodes, fields);
  }
  return fields;
}
