import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express, { type ErrorRequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Driver } from 'neo4j-driver';
import { resolvers } from '../resolvers/index.js';
import { createContext, type ContextDeps, type RequestContext } from './context.js';
import type { Query } from './db/executor.js';
import { schemaDir } from './paths.js';
import { tokenFromHeader, type TokenStore } from './access/tokens.js';
import { complexityPlugin, depthRule } from './access/limits.js';

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

/**
 * Typed errors reach the client with their code (a scalar's rejection inside a query
 * literal stays BAD_USER_INPUT rather than a generic validation failure); anything else is
 * logged and masked, so no stack trace or driver detail leaks.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = typedCode(original) ?? typedCode(error) ?? (formatted.extensions?.code as string | undefined);
  if (code && CLIENT_CODES.has(code)) {
    const extensions = { ...(original instanceof GraphQLError ? original.extensions : {}), ...formatted.extensions, code };
    delete (extensions as Record<string, unknown>).stacktrace;
    return { ...formatted, extensions };
  }
  console.error(JSON.stringify({ level: 'error', msg: 'unexpected error', path: formatted.path, error: String((original as Error)?.stack ?? original) }));
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export interface AppDeps extends ContextDeps {
  tokens: TokenStore;
  driver: Driver;
  bodyLimit: number;
  production: boolean;
  introspection: boolean;
  /** Whether the schema the queries rely on is in place (for /readyz). */
  isMigrated: () => Promise<boolean>;
  httpServer?: Server;
  onQuery?: (query: Query) => void;
}

const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/** Every GraphQL request carries a token; which one decides the principal and its role. */
async function authenticate(tokens: TokenStore, header: string | undefined) {
  const token = tokenFromHeader(header);
  if (!token) throw unauthenticated('Send a token: Authorization: Bearer <token> (an admin makes one with `pedigree token create`)');
  const principal = await tokens.authenticate(token);
  if (!principal) throw unauthenticated('The token is unknown or revoked');
  return principal;
}

/** A GraphQL error body for failures before GraphQL runs (body too large, invalid JSON). */
const httpError = (status: number, code: string, message: string) => ({ status, body: { errors: [{ message, extensions: { code } }] } });

/** Builds the HTTP app: POST /graphql, /healthz, /readyz. Listening is left to the caller. */
export async function createApp(deps: AppDeps) {
  const plugins: ApolloServerPlugin<RequestContext>[] = [];
  if (deps.httpServer) plugins.push(ApolloServerPluginDrainHttpServer({ httpServer: deps.httpServer }));
  if (deps.production) plugins.push(ApolloServerPluginLandingPageDisabled());
  plugins.push(complexityPlugin as ApolloServerPlugin<RequestContext>);
  const apollo = new ApolloServer<RequestContext>({
    schema: buildSchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: deps.introspection,
    validationRules: [depthRule],
    plugins,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const neo4j = await deps.driver
      .getServerInfo({ database: deps.database })
      .then((info) => ({ ok: true, server: info.agent, bolt: info.protocolVersion?.toString(), address: info.address }))
      .catch((error: Error) => ({ ok: false, error: error.message.split('\n')[0] }));
    const migrated = neo4j.ok && (await deps.isMigrated().catch(() => false));
    res.status(migrated ? 200 : 503).json({ ready: migrated, neo4j, migrated });
  });
  app.use(
    '/graphql',
    express.json({ limit: deps.bodyLimit }),
    expressMiddleware(apollo, { context: async ({ req }) => createContext(deps, await authenticate(deps.tokens, req.headers.authorization)) }),
  );
  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const failure =
      error?.type === 'entity.too.large' ? httpError(413, 'LIMIT_EXCEEDED', `Request body is larger than the limit of ${deps.bodyLimit} bytes`)
      : error?.type === 'entity.parse.failed' ? httpError(400, 'BAD_USER_INPUT', `Request body is not valid JSON: ${error.message}`)
      : null;
    if (!failure) return next(error);
    res.status(failure.status).json(failure.body);
  };
  app.use(bodyErrors);
  return { app, apollo };
}
