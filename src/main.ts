import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { createDriver, MAX_POOL_SIZE, Neo4jAvailability, waitForNeo4j } from './db/driver.js';
import { Executor, type Query } from './db/executor.js';
import { isMigrated, migrate } from './db/migrations.js';
import { startLocalNeo4j, type LocalNeo4j } from './neo4j-local/launcher.js';
import { createApp } from './server.js';
import { TokenStore } from './access/tokens.js';
import { log, setLogLevel } from './logging.js';
import { Metrics } from './metrics.js';

export interface RunningServer {
  url: string;
  neo4jUri: string;
  close(): Promise<void>;
}

/**
 * PEDIGREE_ADMIN_TOKEN is registered as an admin token at every start; without it, a first
 * start (no tokens at all) makes one admin token and prints it, once.
 */
async function bootstrapAdmin(tokens: TokenStore, adminToken: string | undefined) {
  if (adminToken) {
    await tokens.register(adminToken, 'admin');
    return;
  }
  if ((await tokens.count()) > 0) return;
  const { token } = await tokens.create({ name: 'admin', role: 'admin', projects: ['*'] });
  log('first start: created an admin token; it is printed once, on the next line, and stored only hashed', {}, 'warn');
  console.log(token);
}

/**
 * config -> Neo4j (the local embedded one when NEO4J_URI is unset) -> migrations -> HTTP.
 * `close` stops in the reverse order: HTTP (draining requests), driver, local Neo4j.
 */
export async function startServer(config: Config, options: { onQuery?: (q: Query) => void } = {}): Promise<RunningServer> {
  setLogLevel(config.logLevel);
  let local: LocalNeo4j | undefined;
  let uri = config.neo4j.uri;
  if (!uri) {
    log('NEO4J_URI is not set: starting the local Neo4j', { dataDir: config.dataDir, port: config.localNeo4jPort });
    local = await startLocalNeo4j({ dataDir: config.dataDir, port: config.localNeo4jPort, log: (line) => log(line) });
    uri = local.uri;
  }
  const driver = createDriver({ ...config.neo4j, uri });
  const availability = new Neo4jAvailability({ ...config.neo4j, uri }, config.neo4j.database, { log });
  try {
    await waitForNeo4j(driver, config.neo4j.database);
    const metrics = new Metrics(MAX_POOL_SIZE);
    const system = new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 300_000, observer: metrics.executor });
    await migrate(system);
    const tokens = new TokenStore(system);
    await bootstrapAdmin(tokens, config.adminToken);

    const httpServer = createServer();
    const { app } = await createApp({
      driver,
      database: config.neo4j.database,
      txTimeoutMs: config.txTimeoutMs,
      bodyLimit: config.bodyLimit,
      production: config.production,
      introspection: config.introspection,
      isMigrated: () => isMigrated(system),
      availability,
      httpServer,
      onQuery: options.onQuery,
      tokens,
      metrics,
    });
    availability.start();
    httpServer.on('request', app);
    await new Promise<void>((resolve) => httpServer.listen(config.port, resolve));
    const { port } = httpServer.address() as AddressInfo;
    const url = `http://localhost:${port}`;
    log('Pedigree API ready', { graphql: `${url}/graphql`, neo4j: uri });
    let closing: Promise<void> | undefined;
    return {
      url,
      neo4jUri: uri,
      close: () =>
        (closing ??= (async () => {
          await new Promise<void>((resolve) => httpServer.close(() => resolve()));
          await availability.stop();
          await driver.close();
          await local?.stop();
        })()),
    };
  } catch (error) {
    await availability.stop();
    await driver.close();
    await local?.stop();
    throw error;
  }
}
