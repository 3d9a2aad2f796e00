/**
 * What `lineage` fetches of each node is what its selection reads, checked without a
 * database: the selection is read from a parsed request as the resolver sees it, and the
 * statement built from it returns exactly those properties (plus id, project and labels,
 * which redaction and type resolution read).
 */
import { getNamedType, isLeafType, Kind, parse, type FieldNode, type FragmentDefinitionNode, type GraphQLObjectType, type OperationDefinitionNode } from 'graphql';
import { lineageNodesQuery, lineageQuery, projectionOf, type NodeFields } from '../../src/db/cypher/lineage.js';
import { KIND_OF_LABEL } from '../../src/domain/labels.js';
import { lineageNodeFields, READS } from '../../src/graphql/selection.js';
import { buildSchema } from '../../src/server.js';

const schema = buildSchema();

/** The fields `Query.lineage`'s resolver would be given for `request`. */
function fieldsFor(request: string): NodeFields {
  const document = parse(request);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return lineageNodeFields({ schema, fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments });
}

/** The map each walked node is returned as, from the statement's text. */
function returned(request: string) {
  const query = lineageQuery(['d1'], 'UPSTREAM', 3, 500, { asOf: null, keep: null, fields: fieldsFor(request) });
  const [, map] = /RETURN rootId, (n \{[^}]*\}) AS node,/.exec(query.cypher) ?? [];
  return { map, projected: query.projected };
}

describe('the lineage statement returns what the selection reads', () => {
  it('only id, project and labels when no node field is asked for', () => {
    expect(returned('{ lineage(id: "d1") { depthReached nodes { id kind distance frontier redacted } edges { from to } } }')).toEqual({
      map: 'n {.id, .project, labels: labels(n)}',
      projected: { node: [] },
    });
  });

  it('the properties of inline fragments, DateTimes as epoch milliseconds, what a computed field reads, nothing for loader fields', () => {
    const request = `{ lineage(id: "d1") { nodes { node { __typename id
      ... on Datum { path size createdAt producer { name createdAt } tags { name } }
      ... on Execution { name duration project { name } } } } } }`;
    expect(returned(request)).toEqual({
      map: 'n {.id, .project, createdAt: n.createdAt.epochMillis, endedAt: n.endedAt.epochMillis, .name, .path, .size, startedAt: n.startedAt.epochMillis, labels: labels(n)}',
      projected: { node: ['createdAt', 'endedAt', 'startedAt'] },
    });
  });

  it('the root and the nodes together, through named fragments, fragments on Node and aliases', () => {
    const request = `query Q { g: lineage(id: "d1") { ...Graph } }
      fragment Graph on LineageGraph { root { ...Any } nodes { n: node { ... on ModelVersion { s: status } } } }
      fragment Any on Node { id ... on DatasetVersion { v: version aliases } ... on Execution { parameters commands } }`;
    expect(fieldsFor(request)).toEqual({ properties: ['commands', 'parameters', 'status', 'version'], temporal: [] });
  });

  it('a field of another type, or one outside the nodes, asks nothing of them', () => {
    expect(fieldsFor('{ lineage(id: "d1") { root { ... on Alias { name } } nodes { id } edges { type inputName } } }')).toEqual({ properties: [], temporal: [] });
  });

  it('the hop-by-hop walk fetches its nodes with the same projection', () => {
    const fields = fieldsFor('{ lineage(id: "d1") { nodes { node { ... on Datum { path createdAt } } } } }');
    const query = lineageNodesQuery(['d1'], 'UPSTREAM', { asOf: null, keep: null, fields });
    expect(query.cypher).toContain('RETURN n {.id, .project, createdAt: n.createdAt.epochMillis, .path, labels: labels(n)} AS node,');
    expect(query.projected).toEqual({ node: ['createdAt'] });
  });

  it('whole nodes when no projection is given (the walks of impact, paths and diff)', () => {
    const query = lineageQuery(['d1'], 'UPSTREAM', 3, 500);
    expect(query.cypher).toContain('RETURN rootId, n AS node,');
    expect(query.projected).toBeUndefined();
  });

  it('refuses a name that is not a plain property name instead of writing it into the text', () => {
    expect(() => projectionOf('n', { properties: ['x} RETURN 1 //'], temporal: [] })).toThrow(RangeError);
    expect(() => projectionOf('n', { properties: ['labels'], temporal: [] })).toThrow(RangeError);
  });

  it('knows what every computed leaf field of a lineage type reads', () => {
    // a leaf field with its own resolver reads its own property (these) or says what it reads in READS
    const readingOwnName = ['Datum.external', 'Execution.commands'];
    const computed = Object.keys(KIND_OF_LABEL).flatMap((t) =>
      Object.values((schema.getType(t) as GraphQLObjectType).getFields())
        .filter((f) => f.resolve && isLeafType(getNamedType(f.type)))
        .map((f) => `${t}.${f.name}`),
    );
    const declared = Object.entries(READS).flatMap(([t, fields]) => Object.keys(fields).map((f) => `${t}.${f}`));
    expect(computed.sort()).toEqual([...readingOwnName, ...declared].sort());
  });
});
