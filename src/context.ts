import type { Driver } from 'neo4j-driver';
import { Executor, type Query } from './db/executor.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import { createServices, type Services } from './services/index.js';
import { LOCAL_OPERATOR, type Principal } from './services/principal.js';

/** What every resolver receives: who asks, and the services and loaders of this request only. */
export interface RequestContext {
  principal: Principal;
  services: Services;
  loaders: Loaders;
}

export interface ContextDeps {
  driver: Driver;
  database: string;
  txTimeoutMs: number;
  /** Called for every Cypher statement any request sends (round-trip counting). */
  onQuery?: (query: Query) => void;
}

/**
 * Builds a request's context. Authentication plugs in here: it decides the principal
 * (and, with it, the projects the request may see) before any service exists, so no
 * resolver deals with it.
 */
export function createContext(deps: ContextDeps, principal: Principal = LOCAL_OPERATOR): RequestContext {
  const executor = new Executor(deps.driver, { database: deps.database, txTimeoutMs: deps.txTimeoutMs, onQuery: deps.onQuery });
  const loaders = createLoaders(executor);
  return { principal, loaders, services: createServices(executor, loaders, principal) };
}
