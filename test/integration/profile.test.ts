import { lineageQuery } from '../../src/db/cypher/lineage.js';
import { cypher, resetDatabase } from '../support/api.js';

/**
 * A diamond ladder: every layer has two datums, and each of the next layer's two
 * executions reads both. Paths from the top double at every hop, so a walk that
 * enumerates paths grows as 2^depth while the nodes grow linearly.
 */
const LAYERS = 24;

beforeAll(async () => {
  await resetDatabase();
  await cypher(`UNWIND range(0, $layers) AS i UNWIND [0, 1] AS j
    CREATE (:Entity:Datum {id: 'd' + i + '_' + j, project: 'diamond', path: 'd' + i + '_' + j})`, { layers: LAYERS });
  await cypher(`UNWIND range(1, $layers) AS i UNWIND [0, 1] AS j
    MATCH (out:Datum {id: 'd' + i + '_' + j})
    CREATE (e:Entity:Execution {id: 'e' + i + '_' + j, project: 'diamond'})
    CREATE (out)-[:PRODUCED_BY]->(e)
    WITH e, i
    UNWIND [0, 1] AS k
    MATCH (inp:Datum {id: 'd' + (i - 1) + '_' + k})
    CREATE (inp)-[:CONSUMED_BY {inputName: 'x'}]->(e)
    CREATE (e)-[:READ {inputName: 'x'}]->(inp)`, { layers: LAYERS });
});

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
