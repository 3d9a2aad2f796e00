import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Driver } from 'neo4j-driver';
import { ConfigError, type Config } from './config.js';
import { createDriver, MAX_POOL_SIZE, Neo4jAvailability, waitForNeo4j } from './db/driver.js';
import { Executor, type Query } from './db/executor.js';
import { isMigrated, migrate } from './db/migrations.js';
import { startLocalNeo4j, type LocalNeo4j } from './neo4j-local/launcher.js';
import { createApp } from './server.js';
import { TokenStore } from './services/tokens.js';
import { OutboxReader } from './services/outbox.js';
import { WebhookDestinations } from './services/webhook-delivery.js';
import { WebhookDispatcher } from './services/webhook-dispatcher.js';
import { log, setLogLevel } from './logging.js';
import { Metrics } from './metrics.js';

export interface RunningServer {
  url: string;
  neo4jUri: string;
  close(): Promise<void>;
}

/**
 * PEDIGREE_ADMIN_TOKEN is registered as an admin token at every start; without it, a first
 * start (no tokens at all) makes one admin token and prints it, once. It runs only once the
 * server listens, so nothing that can still fail comes between making the token and
 * printing it: a failed start leaves no token behind that nobody has seen.
 */
async function bootstrapAdmin(tokens: TokenStore, adminToken: string | undefined) {
  if (adminToken) {
    await tokens.register(adminToken, 'admin');
    return;
  }
  if ((await tokens.count()) > 0) {
    log('tokens exist, so no admin token is printed; lost it? restart with PEDIGREE_ADMIN_TOKEN=<a secret of your choice>, which registers that secret as an admin token');
    return;
  }
  const { token } = await tokens.create({ name: 'admin', role: 'admin', projects: ['*'] });
  log('first start: created an admin token; it is printed once, on the next line, and stored only hashed', {}, 'warn');
  console.log(token);
}

/** Binds the HTTP port; a port that cannot be had is the operator's to change, so it is a ConfigError saying how. */
function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' ? new ConfigError(`Port ${port} is already taken (another Pedigree?): stop it or set PORT`)
        : error.code === 'EACCES' ? new ConfigError(`Port ${port} needs privileges this process does not have: set PORT to 1024 or above`)
        : error,
      );
    server.once('error', refused);
    server.listen(port, () => {
      server.off('error', refused);
      resolve();
    });
  });
}

/** What a request gets while the port is bound but Neo4j and the schema are not ready yet. */
const starting: RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify({ errors: [{ message: 'Pedigree is starting (waiting for Neo4j and migrations); retry in a moment', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
};

/**
 * config -> HTTP port -> Neo4j (the local embedded one when NEO4J_URI is unset) ->
 * migrations -> the app -> the admin token. The port comes first: it is the cheapest check
 * and the likeliest to fail, and nothing lasting has happened before it. `close` stops in
 * the reverse order: HTTP (draining requests), driver, local Neo4j.
 */
export async function startServer(config: Config, options: { onQuery?: (q: Query) => void } = {}): Promise<RunningServer> {
  setLogLevel(config.logLevel);
  const httpServer = createServer(starting);
  await listen(httpServer, config.port);
  let local: LocalNeo4j | undefined;
  let driver: Driver | undefined;
  let availability: Neo4jAvailability | undefined;
  let outbox: OutboxReader | undefined;
  let dispatcher: WebhookDispatcher | undefined;
  let tokens: TokenStore | undefined;
  const stop = async () => {
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await dispatcher?.stop();
    await outbox?.stop();
    await tokens?.stop().catch((error) => log('could not write when tokens were last used', { error: String(error) }, 'warn'));
    await availability?.stop();
    await driver?.close();
    await local?.stop();
  };
  try {
    let uri = config.neo4j.uri;
    if (!uri) {
      log('NEO4J_URI is not set: starting the local Neo4j', { dataDir: config.dataDir, port: config.localNeo4jPort });
      local = await startLocalNeo4j({ dataDir: config.dataDir, port: config.localNeo4jPort, log: (line) => log(line) });
      uri = local.uri;
    }
    driver = createDriver({ ...config.neo4j, uri });
    availability = new Neo4jAvailability({ ...config.neo4j, uri }, config.neo4j.database, { log });
    await waitForNeo4j(driver, config.neo4j.database);
    const metrics = new Metrics(MAX_POOL_SIZE);
    const system = new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 300_000, observer: metrics.executor });
    await migrate(system);
    tokens = new TokenStore(system);
    await tokens.start((error) => log('could not read the token epoch or write when tokens were last used; trying again', { error: String(error) }, 'warn'));
    outbox = new OutboxReader(system, config.eventPollMs, (error) => log('could not read the change-event outbox', { error: String(error) }, 'warn'));
    await outbox.start();
    const webhookDestinations = new WebhookDestinations(config.webhooks.allowHosts);
    dispatcher = new WebhookDispatcher(
      new Executor(driver, { database: config.neo4j.database, txTimeoutMs: config.txTimeoutMs, observer: metrics.executor }),
      webhookDestinations,
      { ...config.webhooks, retentionMs: config.eventRetentionMs, observer: metrics.webhooks, onError: (message, error) => log(message, { error: String(error) }, 'warn') },
      outbox,
    );
    dispatcher.start();
    const { app } = await createApp({
      driver,
      database: config.neo4j.database,
      txTimeoutMs: config.txTimeoutMs,
      bodyLimit: config.bodyLimit,
      introspection: config.introspection,
      isMigrated: () => isMigrated(system),
      availability,
      httpServer,
      onQuery: options.onQuery,
      tokens,
      metrics,
      outbox,
      webhookDestinations,
    });
    availability.start();
    httpServer.off('request', starting).on('request', app);
    await bootstrapAdmin(tokens, config.adminToken);
    const { port } = httpServer.address() as AddressInfo;
    const url = `http://localhost:${port}`;
    log('Pedigree API ready', { graphql: `${url}/graphql`, explorer: `${url}/explorer`, neo4j: uri });
    let closing: Promise<void> | undefined;
    return { url, neo4jUri: uri, close: () => (closing ??= stop()) };
  } catch (error) {
    await stop();
    throw error;
  }
}
