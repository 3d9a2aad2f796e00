import { resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let producer: string;
let other: string;
const paths = ['a/1.csv', 'a/2.csv', 'a/b/3.csv', 'c/4.csv', 'c/5.csv', 'd.txt', 'e.txt'];

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  const create = async (project: string, name: string) =>
    (await api.ok(`mutation($p: String!, $n: String!) { createExecution(input: {project: $p, name: $n, kind: ADHOC, tags: ["nightly"]}) { id } }`, { p: project, n: name })).createExecution.id;
  producer = await create('lists', 'writer');
  other = await create('elsewhere', 'other');
  // one output per call, so creation times (and the newest-first order) are distinct
  for (const path of paths) {
    await api.ok(`mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`, {
      id: producer,
      o: [{ path, size: 10, sha256: sha(path) }],
    });
  }
  await api.ok(`mutation($id: ID!) { recordOutputs(executionId: $id, outputs: [{path: "x.bin", size: 1, sha256: "${sha('x')}"}]) { id } }`, { id: other });
});
afterAll(() => api.close());

const DATUMS = `query($filter: DatumFilter, $first: Int, $after: String) {
  datums(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id path } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

async function allPages(filter: object, first: number) {
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const { datums }: { datums: any } = await api.ok(DATUMS, { filter, first, after });
    pages++;
    expect(datums.pageInfo.hasPreviousPage).toBe(after !== null);
    seen.push(...datums.edges.map((e: { node: { path: string } }) => e.node.path));
    if (!datums.pageInfo.hasNextPage) return { seen, pages, totalCount: datums.totalCount };
    after = datums.pageInfo.endCursor;
  }
}

it('pages through every datum of a project exactly once, newest first', async () => {
  const { seen, pages, totalCount } = await allPages({ project: 'lists' }, 3);
  expect(pages).toBe(3);
  expect(totalCount).toBe(7);
  expect(seen).toEqual([...paths].reverse());
});

it('filters by path prefix, producer and project', async () => {
  expect((await allPages({ project: 'lists', pathPrefix: 'a/' }, 10)).seen).toEqual(['a/b/3.csv', 'a/2.csv', 'a/1.csv']);
  expect((await allPages({ producer: other }, 10)).seen).toEqual(['x.bin']);
  expect((await allPages({}, 100)).totalCount).toBe(8);
});

it('filters by tags, all of and any of', async () => {
  const { datums } = await api.ok(DATUMS, { filter: { project: 'lists' }, first: 10 });
  const byPath = Object.fromEntries(datums.edges.map((e: { node: { id: string; path: string } }) => [e.node.path, e.node.id]));
  await api.ok(`mutation($t: [ID!]!) { addTags(targets: $t, tags: ["gold", "eu"]) { id } }`, { t: [byPath['a/1.csv'], byPath['c/4.csv']] });
  await api.ok(`mutation($t: [ID!]!) { addTags(targets: $t, tags: ["gold"]) { id } }`, { t: [byPath['d.txt']] });
  await api.ok(`mutation($t: [ID!]!) { removeTags(targets: $t, tags: ["eu"]) { id } }`, { t: [byPath['c/4.csv']] });
  expect((await allPages({ tagsAll: ['gold', 'eu'] }, 10)).seen).toEqual(['a/1.csv']);
  expect((await allPages({ tagsAny: ['eu', 'gold'] }, 10)).seen.sort()).toEqual(['a/1.csv', 'c/4.csv', 'd.txt']);
  const { datum } = await api.ok(`query($id: ID!) { datum(id: $id) { tags { name project { name } } } }`, { id: byPath['a/1.csv'] });
  expect(datum.tags).toEqual([{ name: 'eu', project: { name: 'lists' } }, { name: 'gold', project: { name: 'lists' } }]);
});

it('filters by creation time', async () => {
  const { datums } = await api.ok(`{ datums(filter: {project: "lists"}, first: 10) { edges { node { createdAt path } } } }`);
  const times = datums.edges.map((e: { node: { createdAt: string } }) => e.node.createdAt);
  const middle = times[3];
  const before = await allPages({ project: 'lists', createdBefore: middle }, 10);
  const after = await allPages({ project: 'lists', createdAfter: middle }, 10);
  expect(before.seen.length + after.seen.length).toBe(7);
  expect(after.seen).toContain(datums.edges[3].node.path);
});

it('lists executions with status, kind, name and tag filters', async () => {
  const { executions } = await api.ok(`{ executions(filter: {kind: [ADHOC], status: [QUEUED], tagsAll: ["nightly"], name: "writer"}) { totalCount edges { node { name project { name } } } } }`);
  expect(executions).toEqual({ totalCount: 1, edges: [{ node: { name: 'writer', project: { name: 'lists' } } }] });
});

it('rejects a forged cursor and a page size past the maximum', async () => {
  const forged = await api.gql(DATUMS, { after: 'not-a-cursor' });
  expect(forged.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  expect(forged.errors![0].extensions!.field).toBe('after');
  const huge = await api.gql(DATUMS, { first: 5000 });
  expect(huge.errors![0].extensions!.code).toBe('LIMIT_EXCEEDED');
  expect(huge.errors![0].message).toBe('first must be 0..1000, got 5000');
});
