/**
 * Every per-parent list is bounded: an execution that wrote 20,000 files answers its
 * `outputs` a page at a time, and the whole list stays reachable through the paged root
 * field. The cost estimate counts each list's `first`, so a request that could fan out to
 * millions of items is refused before it runs.
 */
import { errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let execution: string;
const OUTPUTS = 20_000;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  execution = (await api.ok(`mutation { createExecution(input: {project: "wide", name: "export"}) { id } }`)).createExecution.id;
  for (let start = 0; start < OUTPUTS; start += 10_000) {
    const outputs = Array.from({ length: 10_000 }, (_, i) => ({ path: `part/${String(start + i).padStart(5, '0')}.bin`, size: 1, sha256: sha(`wide${start + i}`) }));
    await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, { e: execution, o: outputs });
  }
}, 120_000);
afterAll(() => api.close());

const OUTPUTS_OF = `query($id: ID!, $first: Int) { execution(id: $id) { outputs(first: $first) { path } } }`;

it('answers the first 100 outputs by default, in path order, and asks the database for no more', async () => {
  api.resetQueries();
  const { execution: found } = await api.ok(OUTPUTS_OF, { id: execution });
  expect(found.outputs).toHaveLength(100);
  expect(found.outputs[0].path).toBe('part/00000.bin');
  expect(found.outputs[99].path).toBe('part/00099.bin');
  const statement = api.queries.find((q) => q.cypher.includes('PRODUCED_BY'))!;
  expect(String(statement.params!.first)).toBe('100');
});

it('answers up to 1,000 when asked, and LIMIT_EXCEEDED past that', async () => {
  expect((await api.ok(OUTPUTS_OF, { id: execution, first: 1000 })).execution.outputs).toHaveLength(1000);
  const past = await api.gql(OUTPUTS_OF, { id: execution, first: 1001 });
  expect(errorCode(past)).toBe('LIMIT_EXCEEDED');
  expect(past.errors![0].message).toBe('first must be 1..1000, got 1001');
});

it('keeps all 20,000 reachable through the paged list of the execution’s datums', async () => {
  const PAGE = `query($p: ID!, $after: String) { datums(filter: {producer: $p}, first: 1000, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { path } } } }`;
  let after: string | null = null;
  const paths = new Set<string>();
  for (;;) {
    const { datums }: { datums: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: { path: string } }> } } = await api.ok(PAGE, { p: execution, after });
    expect(datums.totalCount).toBe(OUTPUTS);
    for (const edge of datums.edges) paths.add(edge.node.path);
    if (!datums.pageInfo.hasNextPage) break;
    after = datums.pageInfo.endCursor;
  }
  expect(paths.size).toBe(OUTPUTS);
});

it('prices a fan-out by the lists it asks for: 20 executions × 1,000 outputs passes, 1,000 × 1,000 does not', async () => {
  const fanOut = (executions: number) => `{ executions(filter: {project: "wide"}, first: ${executions}) { edges { node { outputs(first: 1000) { path } } } } }`;
  expect((await api.ok(fanOut(20))).executions.edges[0].node.outputs).toHaveLength(1000);
  const wide = await api.gql(fanOut(1000));
  expect(errorCode(wide)).toBe('LIMIT_EXCEEDED');
  expect(wide.errors![0].extensions).toMatchObject({ limit: 'complexity', max: 500_000 });
  expect(wide.errors![0].extensions!.cost).toBeGreaterThan(1_000_000);
});
