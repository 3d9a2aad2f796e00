import { errorCode, resetDatabase, startApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
});
afterAll(() => api.close());

it('refuses a query nested past the depth limit with LIMIT_EXCEEDED, before running it', async () => {
  let selection = 'id';
  for (let i = 0; i < 10; i++) selection = `producer { outputs { ${selection} } }`;
  api.resetQueries();
  const result = await api.gql(`{ datums { edges { node { ${selection} } } } }`);
  expect(errorCode(result)).toBe('LIMIT_EXCEEDED');
  expect(result.errors![0].message).toMatch(/exceeds maximum operation depth of 15/);
  expect(result.errors![0].extensions).toMatchObject({ limit: 'depth', max: 15 });
  expect(api.queries).toHaveLength(0);
});

it('refuses aliased-field batching past the complexity limit', async () => {
  const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: datums(first: 1000) { edges { node { id path uri size sha256 tags { name } upstream { id } } } }`).join('\n');
  api.resetQueries();
  const result = await api.gql(`{ ${aliases} }`);
  expect(errorCode(result)).toBe('LIMIT_EXCEEDED');
  expect(result.errors![0].extensions).toMatchObject({ limit: 'complexity', max: 500000 });
  expect(result.errors![0].message).toMatch(/^The query is too complex: estimated cost \d+, the limit is 500000/);
  expect(api.queries).toHaveLength(0);
});

it('accepts ordinary queries well under the limits', async () => {
  const result = await api.gql(`{ datums(first: 100) { edges { node { id producer { name tags { name } } upstream(depth: 2) { id } } } } }`);
  expect(result.errors).toBeUndefined();
});
