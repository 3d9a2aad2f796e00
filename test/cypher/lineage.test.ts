import { lineageQuery, WALK_TYPES } from '../../src/db/cypher/lineage.js';

describe('lineageQuery', () => {
  it('walks upstream as one outgoing variable-length pattern bounded by 2 x depth edges', () => {
    const q = lineageQuery(['r'], 'UPSTREAM', 3, 500);
    expect(q.cypher).toContain(`MATCH p = (root)-[:${WALK_TYPES}*1..6]->(n)`);
    expect(q.cypher).toContain('min(length(p)) AS edges');
    expect(q.params).toMatchObject({ rootIds: ['r'] });
    expect(String(q.params!.cap)).toBe('501');
  });
  it('walks downstream as the same pattern incoming', () => {
    expect(lineageQuery(['r'], 'DOWNSTREAM', 5, 10).cypher).toContain(`MATCH p = (root)<-[:${WALK_TYPES}*1..10]-(n)`);
  });
  it('never uses a quantified path pattern, which would enumerate paths', () => {
    const { cypher } = lineageQuery(['r'], 'UPSTREAM', 50, 10);
    expect(cypher).not.toMatch(/\)\{\d|\)\+|\)\*\s/);
    expect(cypher).toContain('*1..100]');
  });
  it('refuses an unclamped depth rather than writing it into Cypher', () => {
    expect(() => lineageQuery(['r'], 'UPSTREAM', 51, 10)).toThrow(RangeError);
    expect(() => lineageQuery(['r'], 'UPSTREAM', 2.5, 10)).toThrow(RangeError);
  });
});
