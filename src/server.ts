import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError, type ValidationRule } from 'graphql';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Driver } from 'neo4j-driver';
import { probeNeo4j, within, type Neo4jAvailability, type ProbeResult } from './db/driver.js';
import { resolvers } from '../resolvers/index.js';
import { createContext, type ContextDeps, type RequestContext } from './context.js';
import type { Query } from './db/executor.js';
import { explorerDir, schemaDir } from './paths.js';
import type { TokenStore } from './services/tokens.js';
import { authenticate } from './http/auth.js';
import { bookmarksIn, bookmarksOf, bookmarksOut } from './http/bookmarks.js';
import { serveSubscriptions } from './http/subscriptions.js';
import type { OutboxReader } from './services/outbox.js';
import { databaseUnreachable } from './domain/errors.js';
import { complexityPlugin, depthRule, fragmentLimitError } from './graphql/limits.js';
import { favicon, graphqlLandingPage } from './landing.js';
import { valohaiMetadataApi } from './http/valohai-metadata.js';
import { openLineageApi } from './http/openlineage.js';
import { log, requestLogging } from './logging.js';
import type { Metrics } from './metrics.js';

/** Every SDL file under schema/, in a stable order. */
export function loadTypeDefs(): string[] {
  return readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(schemaDir, f), 'utf8'));
}

export const buildSchema = () => makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });

const CLIENT_CODES = new Set([
  'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'UNAUTHENTICATED', 'FORBIDDEN', 'LIMIT_EXCEEDED', 'SERVICE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE',
]);

/** The first typed code along an error's chain of causes. */
function typedCode(error: unknown): string | undefined {
  for (let e: any = error, i = 0; e && i < 5; e = e.originalError, i++) {
    const code = e.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code) && code !== 'GRAPHQL_VALIDATION_FAILED') return code;
  }
  return undefined;
}

/** Extensions without `http`, Apollo's transport detail (status, headers), which must not reach the answer body. */
const withoutHttp = ({ http: _, ...rest }: Readonly<Record<string, unknown>>) => rest;

/**
 * Typed errors reach the client with their code (a scalar's rejection inside a query
 * literal stays BAD_USER_INPUT rather than a generic validation failure); anything else is
 * logged and masked, so no stack trace or driver detail leaks.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = typedCode(original) ?? typedCode(error) ?? (formatted.extensions?.code as string | undefined);
  if (code && CLIENT_CODES.has(code)) {
    const { stacktrace: _, ...extensions } = withoutHttp({ ...(original instanceof GraphQLError ? original.extensions : {}), ...formatted.extensions, code });
    return { ...formatted, extensions };
  }
  log('unexpected error', { path: formatted.path, error: String((original as Error)?.stack ?? original) }, 'error');
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export interface AppDeps extends ContextDeps {
  tokens: TokenStore;
  driver: Driver;
  bodyLimit: number;
  /** Whether `__schema` and `__type` are answered (PEDIGREE_INTROSPECTION). */
  introspection: boolean;
  /** Whether the schema the queries rely on is in place (for /readyz). */
  isMigrated: () => Promise<boolean>;
  /** Whether Neo4j answers; without it every request tries the database itself. */
  availability?: Neo4jAvailability;
  httpServer?: Server;
  onQuery?: (query: Query) => void;
  metrics: Metrics;
  /** This replica's reader of the change-event outbox: with it (and httpServer), subscriptions are served over WebSocket. */
  outbox?: OutboxReader;
}

/** Seconds a client should wait before retrying: about one probe period of Neo4jAvailability. */
const RETRY_AFTER = '1';
/** Longest /readyz waits for Neo4j: a readiness probe that hangs is as bad as a false answer. */
const READY_TIMEOUT_MS = 3_000;

const isUnavailable = (error: unknown) => (error as GraphQLError | undefined)?.extensions?.code === 'SERVICE_UNAVAILABLE';

/**
 * Authentication reads the database, so it is where most requests meet an outage first:
 * the answer is a 503 with Retry-After, which load balancers and HTTP clients understand,
 * rather than Apollo's 500 for a failed context.
 */
function asHttp503(error: unknown): never {
  if (!isUnavailable(error)) throw error;
  const extensions = withoutHttp((error as GraphQLError).extensions);
  throw new GraphQLError((error as GraphQLError).message, {
    extensions: { ...extensions, http: { status: 503, headers: new HeaderMap([['retry-after', RETRY_AFTER]]) } },
  });
}

/** A request that got nothing but SERVICE_UNAVAILABLE errors is answered 503, like one refused before it ran. */
const unavailableStatusPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        if (data == null && errors?.length && errors.every(isUnavailable)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', RETRY_AFTER);
        }
      },
    };
  },
};

/** Neo4j's state for /readyz: the known outage without touching the database, else a bounded live check. */
async function readiness(deps: AppDeps): Promise<{ neo4j: ProbeResult; migrated: boolean }> {
  if (deps.availability && !deps.availability.available) return { neo4j: deps.availability.lastProbe, migrated: false };
  const started = Date.now();
  const neo4j = await probeNeo4j(deps.driver, deps.database, READY_TIMEOUT_MS);
  if (!neo4j.ok) return { neo4j, migrated: false };
  const left = Math.max(READY_TIMEOUT_MS - (Date.now() - started), 1);
  return { neo4j, migrated: await within(deps.isMigrated(), left, 'Neo4j').catch(() => false) };
}

/**
 * Refuses introspection when PEDIGREE_INTROSPECTION=false. Apollo's own switch would answer
 * "pass introspection: true to ApolloServer", which nobody running the server can act on;
 * this names the setting. `__typename` stays allowed, as in Apollo's rule.
 */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '__schema' && node.name.value !== '__type') return;
    context.reportError(
      new GraphQLError('Introspection is turned off on this server (PEDIGREE_INTROSPECTION=false); whoever runs it can allow it with PEDIGREE_INTROSPECTION=true', {
        nodes: node,
        extensions: { code: 'FORBIDDEN' },
      }),
    );
  },
});

/** A GraphQL error body for failures before GraphQL runs (body too large, invalid JSON). */
const httpError = (status: number, code: string, message: string) => ({ status, body: { errors: [{ message, extensions: { code } }] } });

/** Builds the HTTP app: POST /graphql, /healthz, /readyz, /metrics. Listening is left to the caller. */
export async function createApp(deps: AppDeps) {
  const plugins: ApolloServerPlugin<RequestContext>[] = [];
  if (deps.httpServer) plugins.push(ApolloServerPluginDrainHttpServer({ httpServer: deps.httpServer }));
  // GET /graphql from a browser gets graphqlLandingPage instead of Apollo's, which loads from a CDN.
  plugins.push(ApolloServerPluginLandingPageDisabled());
  // No field carries a cache hint, and the default cache-control plugin still ran on every
  // resolved field (about 5% of a 10,000-node lineage answer's CPU); noStore says it instead.
  plugins.push(ApolloServerPluginCacheControlDisabled());
  plugins.push(complexityPlugin as ApolloServerPlugin<RequestContext>);
  plugins.push(unavailableStatusPlugin);
  plugins.push(bookmarksOut);
  plugins.push(deps.metrics.plugin as ApolloServerPlugin<RequestContext>);
  const schema = buildSchema();
  const validationRules = deps.introspection ? [depthRule] : [depthRule, noIntrospection];
  if (deps.httpServer && deps.outbox) {
    const subscriptions = serveSubscriptions({ httpServer: deps.httpServer, schema, validationRules, context: { ...deps, observer: deps.metrics.executor }, tokens: deps.tokens, reader: deps.outbox });
    plugins.push({ serverWillStart: async () => ({ drainServer: async () => void (await subscriptions.dispose()) }) });
  }
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    validationRules,
    plugins,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging, deps.metrics.httpRequests);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { neo4j, migrated } = await readiness(deps);
    res.status(migrated ? 200 : 503).json({ ready: migrated, neo4j, migrated });
  });
  // Open like /healthz: scrapers seldom carry tokens, and it holds counts and latencies
  // labelled by schema names and error codes only, no ids, projects or arguments.
  app.get('/metrics', deps.metrics.handler);
  app.get('/favicon.ico', favicon);
  // A browser pointed at the server or at /graphql learns how to call it; clients go on.
  app.get(['/', '/graphql'], graphqlLandingPage);
  // While Neo4j is known to be down nothing can be answered, so say so at once rather
  // than letting each request wait out the driver's retries.
  const refuseWhileDown: RequestHandler = (_req, res, next) => {
    if (deps.availability?.available !== false) return next();
    const { status, body } = httpError(503, 'SERVICE_UNAVAILABLE', databaseUnreachable().message);
    res.status(status).set('retry-after', RETRY_AFTER).json(body);
  };
  const contextDeps = { ...deps, observer: deps.metrics.executor };
  // every answer is one token's view of the graph: no cache on the way may keep it
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  };
  const fragmentLimit: RequestHandler = (req, res, next) => {
    const error = fragmentLimitError(req.method === 'GET' ? req.query.query : req.body?.query);
    if (!error) return next();
    const extensions = withoutHttp(error.extensions);
    res.status(400).json({ errors: [{ message: error.message, extensions }] });
  };
  app.use(
    '/graphql',
    noStore,
    refuseWhileDown,
    express.json({ limit: deps.bodyLimit }),
    fragmentLimit,
    bookmarksIn,
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(contextDeps, await authenticate(deps.tokens, req.headers.authorization).catch((e) => asHttp503(deps.metrics.refused(e))), bookmarksOf(res.locals)),
    }),
  );
  // The lineage explorer: a static page and its bundle, built from explorer/ by `npm run build`.
  // Valohai's datum metadata endpoints, authenticated and refused while Neo4j is down as /graphql is.
  app.use('/api/v0', refuseWhileDown, valohaiMetadataApi({ context: contextDeps, bodyLimit: deps.bodyLimit, authenticate: (header) => authenticate(deps.tokens, header).catch((e) => asHttp503(deps.metrics.refused(e))) }));
  // OpenLineage's lineage endpoints (OPENLINEAGE_URL=<this server>), authenticated and refused while Neo4j is down alike.
  app.use('/api/v1', refuseWhileDown, openLineageApi({ context: contextDeps, bodyLimit: deps.bodyLimit, authenticate: (header) => authenticate(deps.tokens, header).catch((e) => asHttp503(deps.metrics.refused(e))) }));
  app.use('/explorer', express.static(explorerDir));
  // Express's own 404 and error pages are HTML, and in development they print the stack
  // trace with file paths; every answer here is JSON with a code instead.
  app.use((req, res) => {
    res.status(404).json(httpError(404, 'NOT_FOUND', `Nothing at ${req.method} ${req.path}: GraphQL is at POST /graphql`).body);
  });
  const bodyErrors: ErrorRequestHandler = (error, _req, res, _next) => {
    const failure =
      error?.type === 'entity.too.large' ? httpError(413, 'LIMIT_EXCEEDED', `Request body is larger than the limit of ${deps.bodyLimit} bytes`)
      : error?.type === 'entity.parse.failed' ? httpError(400, 'BAD_USER_INPUT', `Request body is not valid JSON: ${error.message}`)
      // body-parser's other refusals (charset, content encoding, corrupt gzip) carry a status and a message meant for the client
      : error?.expose === true && error.status >= 400 && error.status < 500 ? httpError(error.status, 'BAD_REQUEST', `Request body refused: ${error.message}`)
      : null;
    if (failure) return void res.status(failure.status).json(failure.body);
    log('unexpected error', { error: String(error?.stack ?? error) }, 'error');
    res.status(500).json(httpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error').body);
  };
  app.use(bodyErrors);
  return { app, apollo };
}
