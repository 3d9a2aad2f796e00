import { loadConfig, type Config } from '../../src/config.js';
import type { Query } from '../../src/db/executor.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { createDriver } from '../../src/db/driver.js';

export interface GqlResult<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, any>; path?: unknown[]; locations?: unknown[] }>;
}

/**
 * The real API over HTTP on an ephemeral port, against the run's Neo4j. `queries` lists
 * every Cypher statement sent since the last `resetQueries()` (round-trip counting).
 */
export interface TestApi {
  url: string;
  /** `authorization` replaces the admin token's header ('' sends none). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, authorization?: string): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any error and returns the data. */
  ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  post(body: string, headers?: Record<string, string>): Promise<Response>;
  queries: Query[];
  resetQueries(): void;
  close(): Promise<void>;
}

/** The run's admin token (set by the global setup). */
export const ADMIN_TOKEN = () => process.env.PEDIGREE_ADMIN_TOKEN!;

/** Environment for a CLI process talking to `api`. */
export const cliEnv = (api: TestApi) => ({ ...process.env, PEDIGREE_URL: api.url, PEDIGREE_TOKEN: ADMIN_TOKEN(), NODE_OPTIONS: '' });

/** `settings` replace configuration values (a short transaction timeout, say). */
export async function startApi(settings: Partial<Config> = {}): Promise<TestApi> {
  const queries: Query[] = [];
  const server: RunningServer = await startServer(
    // one line per request would bury the tests' own output
    { ...loadConfig(), port: 0, logLevel: 'warn', ...settings },
    { onQuery: (q) => queries.push(q) },
  );
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN()}`, ...headers }, body });
  const gql = async (query: string, variables?: Record<string, unknown>, token?: string) =>
    (await post(JSON.stringify({ query, variables }), token === undefined ? {} : { authorization: token })).json() as Promise<GqlResult>;
  return {
    url: server.url,
    gql,
    async ok(query, variables) {
      const result = await gql(query, variables);
      if (result.errors) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
      return result.data;
    },
    post,
    queries,
    resetQueries: () => void queries.splice(0),
    close: () => server.close(),
  };
}

/**
 * Deletes every node: tests share one database and each file starts from empty. In batches:
 * after the OpenLineage load test, one transaction deleting everything held 1.1 million
 * commands, and Neo4j, failing to apply it to the store, stopped serving until restarted.
 */
export async function resetDatabase(): Promise<void> {
  const config = loadConfig();
  const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
  // CALL … IN TRANSACTIONS runs only in an implicit (auto-commit) transaction, hence session.run
  const session = driver.session({ database: config.neo4j.database });
  try {
    await session.run('MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
  } finally {
    await session.close();
    await driver.close();
  }
}

/** Runs Cypher directly, for assertions about what is (not) in the database. */
export async function cypher(query: string, params: Record<string, unknown> = {}) {
  const config = loadConfig();
  const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
  try {
    return await driver.executeQuery(query, params, { database: config.neo4j.database });
  } finally {
    await driver.close();
  }
}

/** The code of the first error, for compact assertions. */
export const errorCode = (result: GqlResult) => result.errors?.[0]?.extensions?.code;

export const sha = (seed: string) => Buffer.from(seed.padEnd(32, '.')).toString('hex').slice(0, 64).padEnd(64, '0');
