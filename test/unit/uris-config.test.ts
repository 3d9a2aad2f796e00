import { ConfigError, configVariables, loadConfig } from '../../src/config.js';
import { checkRange } from '../../src/domain/errors.js';
import { hopsFor, lineageBounds } from '../../src/domain/lineage.js';
import { parseRef } from '../../src/domain/uris.js';

describe('parseRef', () => {
  it('tells ids, aliases, versions and external URIs apart', () => {
    expect(parseRef('datum://0F0E0D0C-0000-4000-8000-000000000001', 'uri')).toEqual({ kind: 'datumId', id: '0f0e0d0c-0000-4000-8000-000000000001' });
    expect(parseRef('datum://model-prod', 'uri')).toEqual({ kind: 'alias', name: 'model-prod' });
    expect(parseRef('model://fraud/3', 'uri')).toEqual({ kind: 'modelVersion', model: 'fraud', version: 3 });
    expect(parseRef('dataset://big-data/processed', 'uri')).toEqual({ kind: 'datasetVersion', dataset: 'big-data', version: 'processed' });
    expect(parseRef('s3://bucket/a/b.csv', 'uri')).toEqual({ kind: 'external', uri: 's3://bucket/a/b.csv' });
  });
  it('names the field and the expected form', () => {
    expect(() => parseRef('model://fraud/latest', 'inputs.2.uri')).toThrow("inputs.2.uri must look like model://<name>/<version number>, got 'model://fraud/latest'");
    expect(() => parseRef('datum://bad alias', 'uri')).toThrow(/uri must be 1-128 characters/);
  });
});

describe('limits', () => {
  it('clamps lineage bounds and says what is allowed', () => {
    expect(lineageBounds(3, 500)).toEqual({ depth: 3, limit: 500 });
    expect(() => lineageBounds(0, 10)).toThrow('depth must be 1..50, got 0');
    expect(() => lineageBounds(3, 20000)).toThrow('limit must be 1..10000, got 20000');
    expect(() => checkRange('first', 1.5, 0, 10)).toThrow('first must be 0..10, got 1.5');
  });
  it('counts Datum -> Execution -> Datum as one hop', () => {
    expect([1, 2, 3, 4].map(hopsFor)).toEqual([1, 1, 2, 2]);
  });
});

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, localNeo4jPort: 7687, neo4j: { user: 'neo4j', database: 'neo4j' } });
    expect(config.neo4j.uri).toBeUndefined();
    expect(config.dataDir).toMatch(/\.pedigree$/);
  });
  it('rejects bad values with a message that names the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(new ConfigError("PORT must be an integer 0..65535, got 'eighty'"));
    expect(() => loadConfig({ NEO4J_URI: 'http://localhost:7474' })).toThrow(/NEO4J_URI must be a bolt:\/\/ or neo4j:\/\/ URI/);
  });
});

describe('configVariables', () => {
  it('lists exactly the variables loadConfig reads', () => {
    const read = new Set<string>();
    const env = new Proxy({} as NodeJS.ProcessEnv, { get: (_, name) => (read.add(String(name)), undefined) });
    loadConfig(env);
    expect([...read].sort()).toEqual(configVariables.map(([name]) => name).sort());
  });
});
