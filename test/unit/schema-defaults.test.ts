/**
 * The SDL's argument defaults are what clients see; the bounds in the domain and beside
 * each relation's pattern are what the server enforces. They are written twice (SDL
 * cannot import TypeScript), so this test keeps them one fact.
 */
import { isObjectType, type GraphQLSchema } from 'graphql';
import { buildSchema } from '../../src/server.js';
import { DIFF_DEPTH, IMPACT_DEPTH, IMPACT_LIMIT, LINEAGE_DEPTH, LINEAGE_LIMIT, PATH_HOPS, PATH_LIMIT } from '../../src/domain/lineage.js';
import { METADATA_ENTRIES, READS, RELATIONS, type Relation } from '../../src/db/cypher/relations.js';

const schema: GraphQLSchema = buildSchema();

function defaultOf(type: string, field: string, arg: string): unknown {
  const named = schema.getType(type);
  if (!isObjectType(named)) throw new Error(`${type} is not an object type`);
  const found = named.getFields()[field]?.args.find((a) => a.name === arg);
  if (!found) throw new Error(`${type}.${field}(${arg}:) does not exist`);
  return found.defaultValue;
}

it('gives the lineage questions the domain defaults', () => {
  expect(defaultOf('Query', 'lineage', 'depth')).toBe(LINEAGE_DEPTH.default);
  expect(defaultOf('Query', 'lineage', 'limit')).toBe(LINEAGE_LIMIT.default);
  expect(defaultOf('Query', 'lineageCount', 'depth')).toBe(LINEAGE_DEPTH.default);
  for (const type of ['Datum', 'Execution', 'ModelVersion', 'DatasetVersion']) {
    expect(defaultOf(type, 'upstream', 'depth')).toBe(LINEAGE_DEPTH.fieldDefault);
    expect(defaultOf(type, 'downstream', 'limit')).toBe(LINEAGE_LIMIT.default);
  }
  expect(defaultOf('Query', 'impact', 'depth')).toBe(IMPACT_DEPTH.default);
  expect(defaultOf('Query', 'impact', 'limit')).toBe(IMPACT_LIMIT.default);
  expect(defaultOf('Query', 'lineagePaths', 'maxHops')).toBe(PATH_HOPS.default);
  expect(defaultOf('Query', 'lineagePaths', 'limit')).toBe(PATH_LIMIT.default);
  expect(defaultOf('Query', 'lineageDiff', 'depth')).toBe(DIFF_DEPTH.default);
});

it('gives every bounded per-parent list the default written beside its pattern', () => {
  const fields: Array<[type: string, field: string, relation: keyof typeof RELATIONS]> = [
    ['Datum', 'consumers', 'consumersOf'],
    ['Datum', 'inputs', 'inputsOfDatum'],
    ['Datum', 'outputs', 'outputsOfDatum'],
    ['Datum', 'tags', 'tagsOf'],
    ['Datum', 'aliases', 'aliasesOf'],
    ['Datum', 'datasetVersions', 'datasetVersionsOf'],
    ['Datum', 'modelVersions', 'modelVersionsOf'],
    ['Execution', 'steps', 'stepsOf'],
    ['Execution', 'inputs', 'inputsOfExecution'],
    ['Execution', 'outputs', 'outputsOfExecution'],
    ['Execution', 'tags', 'tagsOf'],
    ['ModelVersion', 'approvals', 'approvalsOf'],
    ['ModelVersion', 'consumers', 'consumersOf'],
    ['DatasetVersion', 'aliases', 'versionAliasesOf'],
    ['Model', 'versions', 'versionsOf'],
    ['DatasetVersion', 'datums', 'datumsOfVersion'],
    ['Alias', 'history', 'aliasMoves'],
  ];
  for (const [type, field, relation] of fields) {
    expect({ field: `${type}.${field}`, first: defaultOf(type, field, 'first') }).toEqual({ field: `${type}.${field}`, first: (RELATIONS[relation] as Relation).first!.default });
  }
  expect(defaultOf('Execution', 'reads', 'first')).toBe(READS.default);
  expect(defaultOf('Datum', 'metadata', 'first')).toBe(METADATA_ENTRIES.default);
});
