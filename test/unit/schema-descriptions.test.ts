import {
  buildASTSchema,
  concatAST,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  parse,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema, loadTypeDefs } from '../../src/server.js';

/**
 * The SDL is the API's reference: clients read it through introspection, so every type,
 * field, argument, input field and enum value says what it is for. The check reads the
 * SDL files themselves, `extend type` blocks merged in; a last test checks the server
 * serves those descriptions (a scalar resolver's own would replace the SDL's).
 */
const sdlSchema = (typeDefs: string[]) => buildASTSchema(concatAST(typeDefs.map((sdl) => parse(sdl))));

/** Schema coordinates (`Type.field(arg:)`) of everything without a description; built-ins are exempt. */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const need = (description: string | null | undefined, coordinate: string) => {
    if (!description?.trim()) missing.push(coordinate);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    need(type.description, type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        need(field.description, `${type.name}.${field.name}`);
        for (const arg of field.args) need(arg.description, `${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(field.description, `${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(value.description, `${type.name}.${value.name}`);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    need(directive.description, `@${directive.name}`);
    for (const arg of directive.args) need(arg.description, `@${directive.name}(${arg.name}:)`);
  }
  return missing;
}

it('describes every type, field, argument, input field and enum value of the schema', () => {
  const schema = sdlSchema(loadTypeDefs());
  expect(undescribed(schema)).toEqual([]);
  // fields added by `extend type` in other files were among those checked
  const datum = schema.getType('Datum');
  expect(isObjectType(datum) && Object.keys(datum.getFields())).toContain('metadata');
  expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['lineage', 'tokens', 'status']));
});

it('names each kind of undescribed element, in base and extended types alike', () => {
  const schema = sdlSchema([
    `"d" type Query { "d" a(x: Int, "d" y: Int): E  b: String }
     "d" input I { "d" p: Int  q: Int }
     enum E { "d" ONE  TWO }
     scalar S
     "d" directive @tagged("d" as: String, by: String) on FIELD_DEFINITION`,
    `extend type Query { "d" c(z: I): S  d: Int }`,
  ]);
  expect(undescribed(schema).sort()).toEqual(
    ['@tagged(by:)', 'E', 'E.TWO', 'I.q', 'Query.a(x:)', 'Query.b', 'Query.c(z:)', 'Query.d', 'S'].sort(),
  );
});

it('serves the SDL descriptions, scalars included', () => {
  const sdl = sdlSchema(loadTypeDefs());
  const served = buildSchema();
  for (const name of ['DateTime', 'JSON', 'JSONObject', 'BigInt', 'StorageSize', 'Uri', 'DType', 'Path', 'Datum']) {
    expect({ name, description: served.getType(name)?.description }).toEqual({ name, description: sdl.getType(name)?.description });
  }
});
