// The API under measurement, in its own process so that its peak RSS is its own and not
// the generator's or the load generator's. Configured from the environment like
// `pedigree start`; answers the runner over IPC:
//   'reset'  -> clears the statement count
//   'stats'  -> { statements, peakRssBytes, cpuMs }
//   'record' -> keeps every statement sent from now on (off by default: the timed runs
//               would pile them up in the RSS this process reports)
//   'recorded' -> { queries: [{cypher, params}] } since 'record', and stops keeping them;
//               Neo4j integers travel as {int: '<decimal>'} (IPC carries JSON)
import neo4j from 'neo4j-driver';
import { loadConfig } from '../dist/src/config.js';
import { startServer } from '../dist/src/main.js';

let statements = 0;
let recorded = null;
const plain = (value) =>
  neo4j.isInt(value) ? { int: value.toString() }
  : Array.isArray(value) ? value.map(plain)
  : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  : value;
const server = await startServer({ ...loadConfig(), port: 0 }, {
  onQuery: (query) => {
    statements++;
    recorded?.push({ cypher: query.cypher, params: plain(query.params) });
  },
});
process.send({ ready: server.url });
process.on('message', async (message) => {
  if (message === 'reset') {
    statements = 0;
    process.send({ reset: true });
  } else if (message === 'stats') {
    const { user, system } = process.cpuUsage();
    process.send({ statements, peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuMs: (user + system) / 1000 });
  } else if (message === 'record') {
    recorded = [];
    process.send({ recording: true });
  } else if (message === 'recorded') {
    process.send({ queries: recorded ?? [] });
    recorded = null;
  } else if (message === 'close') {
    await server.close();
    process.exit(0);
  }
});
