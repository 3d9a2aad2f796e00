import { cypher } from './api.js';

/** Neo4j values (Integer, DateTime) as text, maps with sorted keys, so equal graphs print equally. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    if (Object.getPrototypeOf(value) !== Object.prototype) return String(value);
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/**
 * Every node and relationship with every property, as sorted lines, and the number of audit
 * entries apart (tokens are left out: a request marks its token used). Two fingerprints are
 * equal exactly when a request changed nothing.
 */
export async function fingerprint(): Promise<{ graph: string[]; auditEntries: number }> {
  const nodes = await cypher('MATCH (n) WHERE NOT n:AuditEntry AND NOT n:Token RETURN labels(n) AS labels, properties(n) AS props');
  const rels = await cypher(
    'MATCH (a)-[r]->(b) WHERE NOT a:AuditEntry AND NOT a:Token AND NOT b:AuditEntry AND NOT b:Token RETURN type(r) AS type, a.id AS from, b.id AS to, properties(r) AS props',
  );
  const audit = await cypher('MATCH (e:AuditEntry) RETURN count(e) AS n');
  return {
    graph: [
      ...nodes.records.map((r) => JSON.stringify(canonical([[...r.get('labels')].sort(), r.get('props')]))),
      ...rels.records.map((r) => JSON.stringify(canonical([r.get('type'), r.get('from'), r.get('to'), r.get('props')]))),
    ].sort(),
    auditEntries: Number(audit.records[0].get('n')),
  };
}
