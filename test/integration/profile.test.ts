import { lineageQuery } from '../../src/db/cypher/lineage.js';
import { cypher, resetDatabase, startApi, type TestApi } from '../support/api.js';

/**
 * A diamond ladder: every layer has two datums, and each of the next layer's two
 * executions reads both. Paths from the top double at every hop, so a walk that
 * enumerates paths grows as 2^depth while the nodes grow linearly.
 *
 * Every node exists from T0; the edges into layer i were recorded i minutes later, so a
 * walk as of a time in between stops at the layer recorded by then.
 */
const LAYERS = 24;
const T0 = '2024-01-01T00:00:00Z';
const minutesAfterT0 = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

let api: TestApi;

beforeAll(async () => {
  await resetDatabase();
  await cypher(`UNWIND range(0, $layers) AS i UNWIND [0, 1] AS j
    CREATE (:Entity:Datum {id: 'd' + i + '_' + j, project: 'diamond', path: 'd' + i + '_' + j, createdAt: datetime($t0)})`, { layers: LAYERS, t0: T0 });
  await cypher(`UNWIND range(1, $layers) AS i UNWIND [0, 1] AS j
    MATCH (out:Datum {id: 'd' + i + '_' + j})
    WITH out, i, j, datetime($t0) + duration({minutes: i}) AS at
    CREATE (e:Entity:Execution {id: 'e' + i + '_' + j, project: 'diamond', createdAt: datetime($t0)})
    CREATE (out)-[:PRODUCED_BY {at: at}]->(e)
    WITH e, i, at
    UNWIND [0, 1] AS k
    MATCH (inp:Datum {id: 'd' + (i - 1) + '_' + k})
    CREATE (inp)-[:CONSUMED_BY {inputName: 'x', at: at}]->(e)
    CREATE (e)-[:READ {inputName: 'x', at: at}]->(inp)`, { layers: LAYERS, t0: T0 });
  api = await startApi();
});
afterAll(() => api.close());

function operators(plan: any, acc: string[] = []): string[] {
  acc.push(plan.operatorType.split('@')[0]);
  for (const child of plan.children) operators(child, acc);
  return acc;
}
const dbHits = (plan: any): number => plan.dbHits + plan.children.reduce((sum: number, c: any) => sum + dbHits(c), 0);

async function profile(depth: number) {
  const q = lineageQuery([`d${LAYERS}_0`], 'UPSTREAM', depth, 10_000);
  // the plan of a token that sees every project, as the executor sends it
  const result = await cypher('PROFILE ' + q.cypher, { ...q.params, scope: null });
  return { rows: result.records.length - 1, hits: dbHits(result.summary.profile), ops: operators(result.summary.profile) };
}

it('walks upstream with a pruning breadth-first expand, never enumerating paths', async () => {
  const { ops } = await profile(10);
  expect(ops.some((op) => op.startsWith('VarLengthExpand(Pruning'))).toBe(true);
  expect(ops.some((op) => /Repeat|Trail|ShortestPath/.test(op))).toBe(false);
});

it('keeps db hits per returned node flat from depth 2 to depth 20 on the diamond ladder', async () => {
  const results = [];
  for (const depth of [2, 5, 10, 20]) results.push({ depth, ...(await profile(depth)) });
  // the root's producer, then two datums and two executions per edge level
  for (const r of results) expect(r.rows).toBe(4 * r.depth - 1);
  const perNode = results.map((r) => r.hits / r.rows);
  console.log('db hits per returned node at depths 2, 5, 10, 20:', perNode.map((x) => x.toFixed(1)).join(', '));
  // Linear work: no depth costs more per node than depth 2 (fixed costs only amortise);
  // path enumeration would multiply the per-node cost by about 2^18 at depth 20.
  for (const cost of perNode) expect(cost).toBeLessThanOrEqual(perNode[0] * 1.1);
});

describe('lineagePaths between the two ends of the diamond ladder', () => {
  const PATHS = `query($from: ID!, $to: ID!, $maxHops: Int, $asOf: DateTime) {
    lineagePaths(from: $from, to: $to, maxHops: $maxHops, limit: 100, asOf: $asOf) { direction truncated paths { nodes { id } } } }`;

  /**
   * The paths from the top of the ladder to `hops` layers down, and PROFILE of every
   * statement that request sent (with the parameters it sent them with, scope included).
   */
  async function profilePaths(hops: number, asOf?: string) {
    api.resetQueries();
    const { lineagePaths } = await api.ok(PATHS, { from: 'd0_0', to: `d${hops}_0`, maxHops: hops, asOf });
    const sent = [...api.queries];
    let rows = 0;
    let hits = 0;
    const ops: string[] = [];
    for (const q of sent) {
      const result = await cypher('PROFILE ' + q.cypher, q.params);
      rows += result.records.length;
      hits += dbHits(result.summary.profile);
      ops.push(...operators(result.summary.profile));
    }
    return { answer: lineagePaths, statements: sent.map((q) => q.cypher), rows, hits, ops };
  }

  // d0_0 reaches dN_0 through one of two executions at each of the layers 1..N-1: 2^(N-1) paths
  const HOPS = [4, 8, 12];

  for (const asOf of [undefined, minutesAfterT0(60)]) {
    it(`keeps db hits per walked node flat while the paths double per hop${asOf ? ', asOf a time after every edge' : ''}`, async () => {
      const results = [];
      for (const hops of HOPS) results.push({ hops, ...(await profilePaths(hops, asOf)) });
      // every path in the answer (up to the limit), shortest first, ending where it should
      expect(results.map((r) => [r.answer.direction, r.answer.paths.length, r.answer.truncated])).toEqual([
        ['DOWNSTREAM', 8, false],
        ['DOWNSTREAM', 100, true],
        ['DOWNSTREAM', 100, true],
      ]);
      for (const r of results) for (const path of r.answer.paths) expect(path.nodes.map((n: { id: string }) => n.id)).toHaveLength(2 * r.hops + 1);
      for (const r of results) {
        // the asOf walks carry their predicate, so the plan checks below are about them
        if (asOf) for (const statement of r.statements) expect(statement).toContain('$asOf');
        expect(r.ops.some((op) => op.startsWith('VarLengthExpand(Pruning,BFS'))).toBe(true);
        expect(r.ops.some((op) => /Repeat|Trail|ShortestPath/.test(op))).toBe(false);
      }
      const perNode = results.map((r) => r.hits / r.rows);
      console.log(`lineagePaths${asOf ? ' asOf' : ''} at ${HOPS.join(', ')} hops (${HOPS.map((h) => 2 ** (h - 1)).join(', ')} paths): db hits per walked node ${perNode.map((x) => x.toFixed(1)).join(', ')}`);
      // The statements walk the nodes between the two ends, each once: the paths (16 times
      // more from 4 to 8 hops, 256 times more to 12) never reach the database.
      for (const cost of perNode) expect(cost).toBeLessThanOrEqual(perNode[0] * 1.2);
    });
  }

  it('asOf leaves out the edges recorded later: the end six layers down is not reached as of minute 6', async () => {
    const { answer } = await profilePaths(8, minutesAfterT0(6.5));
    expect(answer).toEqual({ direction: null, truncated: false, paths: [] });
  });
});
