import { errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let d: string[];
const SET = `mutation($name: String!, $d: ID!, $e: ID, $r: String) { setAlias(project: "al", name: $name, datumId: $d, expectedDatumId: $e, reason: $r) { target { id } } }`;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  const writer = (await api.ok(`mutation { createExecution(input: {project: "al", name: "w"}) { id } }`)).createExecution.id;
  const outputs = Array.from({ length: 4 }, (_, i) => ({ path: `m${i}.pkl`, size: 1, sha256: sha(`al${i}`) }));
  d = (await api.ok(`mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`, { id: writer, o: outputs })).recordOutputs.map((x: { id: string }) => x.id);
});
afterAll(() => api.close());

it('lets exactly one of 64 concurrent compare-and-set moves from the same state win', async () => {
  await api.ok(SET, { name: 'race', d: d[0] });
  const results = await Promise.all(
    Array.from({ length: 64 }, (_, i) => api.gql(SET, { name: 'race', d: d[1 + (i % 3)], e: d[0], r: `writer ${i}` })),
  );
  const won = results.filter((r) => !r.errors);
  const lost = results.filter((r) => r.errors);
  expect(won).toHaveLength(1);
  expect(lost.every((r) => errorCode(r) === 'CONFLICT')).toBe(true);
  const { alias } = await api.ok(`{ alias(project: "al", name: "race") { target { id } history { totalCount edges { node { from { id } to { id } reason } } } } }`);
  expect(alias.history.totalCount).toBe(2);
  expect(alias.history.edges[0].node.from.id).toBe(d[0]);
  expect(alias.target.id).toBe(alias.history.edges[0].node.to.id);
  expect(alias.target.id).toBe(won[0].data.setAlias.target.id);
});

it('pages through the move history newest first, with who, when, from, to and why', async () => {
  await api.ok(SET, { name: 'prod', d: d[0], r: 'first' });
  await api.ok(SET, { name: 'prod', d: d[1], e: d[0], r: 'better' });
  await api.ok(SET, { name: 'prod', d: d[2], e: d[1], r: 'best' });
  const page1 = await api.ok(`{ alias(project: "al", name: "prod") { history(first: 2) { edges { node { reason by at from { id } to { id } } } pageInfo { hasNextPage endCursor } } } }`);
  const { edges, pageInfo } = page1.alias.history;
  expect(edges.map((e: { node: { reason: string } }) => e.node.reason)).toEqual(['best', 'better']);
  expect(edges[0].node).toMatchObject({ by: 'admin', from: { id: d[1] }, to: { id: d[2] } });
  const page2 = await api.ok(`query($after: String) { alias(project: "al", name: "prod") { history(first: 2, after: $after) { edges { node { reason from { id } } } pageInfo { hasNextPage } } } }`, { after: pageInfo.endCursor });
  expect(page2.alias.history.edges).toEqual([{ node: { reason: 'first', from: null } }]);
  expect(page2.alias.history.pageInfo.hasNextPage).toBe(false);
});

it('resolves datum://<alias> as of a time', async () => {
  const { alias } = await api.ok(`{ alias(project: "al", name: "prod") { history { edges { node { at to { id } } } } } }`);
  const moves = alias.history.edges.map((e: { node: { at: string; to: { id: string } } }) => e.node).reverse();
  const at = async (asOf: string) => (await api.ok(`query($t: DateTime) { datum(uri: "datum://prod", project: "al", asOf: $t) { id } }`, { t: asOf })).datum?.id ?? null;
  expect(await at('2000-01-01T00:00:00Z')).toBeNull();
  expect(await at(moves[moves.length - 1].at)).toBe(moves[moves.length - 1].to.id);
  expect(await at(new Date(Date.now() + 60_000).toISOString())).toBe(d[2]);
});

it('answers "which executions read model-prod while it pointed at X" in one query', async () => {
  const read = async () => {
    const id = (await api.ok(`mutation { createExecution(input: {project: "al", name: "reader"}) { id } }`)).createExecution.id;
    await api.ok(`mutation($id: ID!) { recordInputs(executionId: $id, inputs: [{uri: "datum://serving", inputName: "model"}]) { id } }`, { id });
    return id;
  };
  await api.ok(SET, { name: 'serving', d: d[0] });
  const early = await read();
  await api.ok(SET, { name: 'serving', d: d[3] });
  const late1 = await read();
  const late2 = await read();
  const q = `query($x: ID) { alias(project: "al", name: "serving") { consumers(pointingAt: $x) { id } } }`;
  expect((await api.ok(q, { x: d[0] })).alias.consumers).toEqual([{ id: early }]);
  expect((await api.ok(q, { x: d[3] })).alias.consumers).toEqual([{ id: late1 }, { id: late2 }]);
  expect((await api.ok(q, {})).alias.consumers).toHaveLength(3);
});
