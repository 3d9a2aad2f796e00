import { resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  const { createExecution } = await api.ok(`mutation { createExecution(input: {project: "n1", name: "writer"}) { id } }`);
  const outputs = Array.from({ length: 500 }, (_, i) => ({ path: `f/${i}.bin`, size: i, sha256: sha(String(i)) }));
  const { recordOutputs } = await api.ok(`mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`, { id: createExecution.id, o: outputs });
  const ids = recordOutputs.map((d: { id: string }) => d.id);
  await api.ok(`mutation($t: [ID!]!) { addTags(targets: $t, tags: ["a", "b"]) { id } }`, { t: ids });
  for (const [i, id] of ids.slice(0, 5).entries()) {
    await api.ok(`mutation($d: ID!) { setAlias(project: "n1", name: "alias-${i}", datumId: $d) { name } }`, { d: id });
  }
});
afterAll(() => api.close());

const LIST = `query($first: Int) {
  datums(filter: {project: "n1"}, first: $first) {
    edges { node { id path producer { id name tags { name } } tags { name } aliases { name } project { name } } }
  }
}`;

it('lists datums with producer, tags and aliases in a constant number of queries, not 1 + N', async () => {
  api.resetQueries();
  const small = await api.ok(LIST, { first: 20 });
  const forSmall = api.queries.length;
  api.resetQueries();
  const large = await api.ok(LIST, { first: 500 });
  const forLarge = api.queries.length;
  expect(small.datums.edges).toHaveLength(20);
  expect(large.datums.edges).toHaveLength(500);
  expect(large.datums.edges[0].node.tags).toEqual([{ name: 'a' }, { name: 'b' }]);
  expect(large.datums.edges.filter((e: { node: { aliases: unknown[] } }) => e.node.aliases.length)).toHaveLength(5);
  // the page, then one batch each for producer, tags, aliases, project, and the producer's tags
  expect(forLarge).toBe(forSmall);
  expect(forLarge).toBeLessThanOrEqual(6);
});

it('answers the benchmark list, 500 datums with producer, tags and aliases, in 4 round trips', async () => {
  api.resetQueries();
  const data = await api.ok(`{ datums(filter: {project: "n1"}, first: 500) { edges { node { id uri path producer { id name } tags { name } aliases { name } } } } }`);
  expect(data.datums.edges).toHaveLength(500);
  expect(api.queries.length).toBe(4);
});

it('batches upstream walks of many datums into one query per depth', async () => {
  api.resetQueries();
  const data = await api.ok(`{ datums(filter: {project: "n1"}, first: 100) { edges { node { upstream(depth: 2) { id distance } } } } }`);
  expect(data.datums.edges[0].node.upstream).toHaveLength(1);
  expect(api.queries.length).toBe(2);
});
