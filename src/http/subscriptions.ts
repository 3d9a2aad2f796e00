import type { Server } from 'node:http';
import { specifiedRules, validate, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { createContext, type ContextDeps, type SubscriptionContext } from '../context.js';
import type { Principal } from '../domain/roles.js';
import type { OutboxReader } from '../services/outbox.js';
import type { TokenStore } from '../services/tokens.js';
import { log } from '../logging.js';
import { tokenFromHeader } from './auth.js';

/** Close codes of a refused connection: no token, or a token that is unknown or revoked. */
export const CLOSE = { unauthenticated: 4401, forbidden: 4403 } as const;

/** How often an open connection's token is checked again, so a revoked one stops hearing events. */
const RECHECK_MS = 2_000;

export interface SubscriptionDeps {
  httpServer: Server;
  schema: GraphQLSchema;
  validationRules: readonly ValidationRule[];
  context: ContextDeps;
  tokens: TokenStore;
  reader: OutboxReader;
}

type Connection = { principal?: Principal; recheck?: NodeJS.Timeout };

/**
 * GraphQL subscriptions over WebSocket at /graphql (graphql-transport-ws, the graphql-ws
 * library on the same HTTP server), authenticated by the token in
 * `connectionParams.authorization` with the same token store, roles and project scoping
 * as HTTP. Returns what drains it at shutdown.
 */
export function serveSubscriptions(deps: SubscriptionDeps) {
  const wsServer = new WebSocketServer({ server: deps.httpServer, path: '/graphql' });
  const connections = new WeakMap<WebSocket, Connection>();
  const cleanup = useServer<Record<string, unknown>, Connection>(
    {
      schema: deps.schema,
      // the HTTP path's depth and introspection rules hold here too
      validate: (schema, document) => validate(schema, document, [...specifiedRules, ...deps.validationRules]),
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        const token = tokenFromHeader(typeof header === 'string' ? header : undefined);
        if (!token) {
          ctx.extra.socket.close(CLOSE.unauthenticated, 'Send a token: connectionParams { authorization: "Bearer <token>" }');
          return false;
        }
        const principal = await deps.tokens.authenticate(token);
        if (!principal) return false;
        const connection: Connection = { principal };
        connection.recheck = setInterval(() => {
          deps.tokens.authenticate(token).then(
            (still) => {
              if (!still) ctx.extra.socket.close(CLOSE.forbidden, 'The token was revoked');
            },
            (error) => log('could not check a subscriber token again', { error: String(error) }, 'warn'),
          );
        }, RECHECK_MS);
        connection.recheck.unref();
        connections.set(ctx.extra.socket, connection);
        return true;
      },
      onClose: (ctx) => clearInterval(connections.get(ctx.extra.socket)?.recheck),
      context: (ctx) => {
        const principal = connections.get(ctx.extra.socket)!.principal!;
        const subscription = Object.assign(createContext(deps.context, principal), {
          reader: deps.reader,
          renew: () => void Object.assign(subscription, createContext(deps.context, principal)),
        }) as SubscriptionContext;
        return subscription;
      },
    },
    wsServer,
  );
  return { dispose: () => cleanup.dispose() };
}
