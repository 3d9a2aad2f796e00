import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fork } from 'node:child_process';
import { loadConfig } from '../dist/src/config.js';
import { createDriver } from '../dist/src/db/driver.js';
import { startLocalNeo4j } from '../dist/src/neo4j-local/launcher.js';
import { generateGraph } from './generate.mjs';
import { loadGraph } from './load.mjs';
import { pickStartNodes } from './lineage.mjs';
import { LINEAGE_QUERY } from './workloads.mjs';
const local = await startLocalNeo4j({ dataDir: mkdtempSync(join(tmpdir(), 'probe-')), port: 7699, heap: '1g' });
const config = loadConfig();
const driver = createDriver({ ...config.neo4j, uri: local.uri });
const token = `pdg_bench_${randomBytes(16).toString('hex')}`;
const child = fork(join(import.meta.dirname, 'api-process.mjs'), [], { env: { ...process.env, NEO4J_URI: local.uri, NODE_ENV: 'production', PEDIGREE_ADMIN_TOKEN: token, PORT: '0' }, execArgv: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const url = await new Promise((r) => child.once('message', (m) => r(m.ready)));
try {
  const graph = generateGraph({ seed: 1, targetNodes: 100000, chainLength: 1000 });
  await loadGraph(driver, config.neo4j.database, graph, () => {});
  const { starts } = pickStartNodes(graph);
  const start = starts.find((s) => s.direction === 'DOWNSTREAM' && s.sizeClass === 1000);
  const gql = async (query, variables) => (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json();
  const t = [];
  for (let i = 0; i < 300; i++) { const s = performance.now(); const r = await gql(LINEAGE_QUERY, { id: start.id, depth: 20, direction: 'DOWNSTREAM' }); if (i === 0) console.log(r.data.lineage.nodes.length); t.push(performance.now() - s); }
  t.sort((a, b) => a - b); console.log('p50', t[150]);
} finally { const gone = new Promise((r) => child.once('exit', r)); child.send('close'); await gone; await driver.close(); await local.stop(); }
