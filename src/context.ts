import type { Driver } from 'neo4j-driver';
import { Executor, type ExecutorObserver, type Query } from './db/executor.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import { createServices, type Services } from './services/index.js';
import { randomUUID } from 'node:crypto';
import { auditRecord, type AuditContext } from './domain/audit.js';
import { auditEntryQuery } from './db/cypher/audit.js';
import { outboxStatements } from './db/cypher/events.js';
import type { ChangeEvent } from './domain/events.js';
import type { OutboxReader } from './services/outbox.js';
import type { Principal } from './domain/roles.js';
import { RequestBookmarks } from './domain/bookmarks.js';
import type { TokenStore } from './services/tokens.js';
import type { WebhookDestinations } from './services/webhook-delivery.js';

/** What every resolver receives: who asks, and the services and loaders of this request only. */
export interface RequestContext {
  principal: Principal;
  services: Services;
  loaders: Loaders;
  /** Filled by the access guard; the executor writes it with the mutation. */
  audit: AuditContext;
  tokens: TokenStore;
  /** The client's bookmarks, which every session starts from, and what the request's writes reached (the answer's Pedigree-Bookmark). */
  bookmarks: RequestBookmarks;
}

/**
 * A subscription's context: the connection's principal, this replica's outbox reader, and
 * `renew`, which gives the context fresh loaders and services before each event is
 * resolved (a subscription lives long; a loader's cache must not).
 */
export type SubscriptionContext = RequestContext & { reader: OutboxReader; renew(): void };

export interface ContextDeps {
  driver: Driver;
  database: string;
  txTimeoutMs: number;
  /** Called for every Cypher statement any request sends (round-trip counting). */
  onQuery?: (query: Query) => void;
  observer?: ExecutorObserver;
  tokens: TokenStore;
  /** Where webhooks may send (PEDIGREE_WEBHOOK_ALLOW_HOSTS), checked when one is created. */
  webhookDestinations: WebhookDestinations;
}

/**
 * Builds a request's context once its principal is known (authentication happens before,
 * in the server), so no resolver deals with who is asking. `bookmarks` holds what the
 * client has seen (a request's Pedigree-Bookmark header, a subscription's connectionParams).
 */
export function createContext(deps: ContextDeps, principal: Principal, bookmarks = new RequestBookmarks()): RequestContext {
  const audit: AuditContext = { principal };
  const scope = principal.projects === '*' ? null : principal.projects;
  // the guard names the mutation once it knows it; the entry is written with its first write
  const journal = () => (audit.operation ? auditEntryQuery(auditRecord({ principal, operation: audit.operation }), randomUUID()) : null);
  const outbox = (events: ChangeEvent[]) => outboxStatements(events, principal.name, randomUUID);
  const executor = new Executor(deps.driver, { database: deps.database, txTimeoutMs: deps.txTimeoutMs, onQuery: deps.onQuery, observer: deps.observer, journal, outbox, scope, bookmarks });
  const loaders = createLoaders(executor);
  return { principal, loaders, audit, bookmarks, tokens: deps.tokens.through(executor, principal), services: createServices(executor, loaders, principal, deps.webhookDestinations) };
}
