import type { Driver } from 'neo4j-driver';
import { Executor, type ExecutorObserver, type Query } from './db/executor.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import { createServices, type Services } from './services/index.js';
import type { AuditContext } from './access/audit.js';
import type { Principal } from './access/roles.js';
import type { TokenStore } from './access/tokens.js';

/** What every resolver receives: who asks, and the services and loaders of this request only. */
export interface RequestContext {
  principal: Principal;
  services: Services;
  loaders: Loaders;
  /** Filled by the access guard; the executor writes it with the mutation. */
  audit: AuditContext;
  tokens: TokenStore;
}

export interface ContextDeps {
  driver: Driver;
  database: string;
  txTimeoutMs: number;
  /** Called for every Cypher statement any request sends (round-trip counting). */
  onQuery?: (query: Query) => void;
  observer?: ExecutorObserver;
  tokens: TokenStore;
}

/**
 * Builds a request's context once its principal is known (authentication happens before,
 * in the server), so no resolver deals with who is asking.
 */
export function createContext(deps: ContextDeps, principal: Principal): RequestContext {
  const audit: AuditContext = { principal };
  const scope = principal.projects === '*' ? null : principal.projects;
  const executor = new Executor(deps.driver, { database: deps.database, txTimeoutMs: deps.txTimeoutMs, onQuery: deps.onQuery, observer: deps.observer, audit, scope });
  const loaders = createLoaders(executor);
  return { principal, loaders, audit, tokens: deps.tokens.through(executor, principal), services: createServices(executor, loaders, principal) };
}
