import neo4j, { type Driver } from 'neo4j-driver';

export interface DriverConfig {
  uri: string;
  user: string;
  password: string;
}

/** One driver per process; sessions are opened per call by the executor. */
export function createDriver(config: DriverConfig): Driver {
  const auth = config.password ? neo4j.auth.basic(config.user, config.password) : undefined;
  return neo4j.driver(config.uri, auth, {
    maxConnectionPoolSize: 100,
    connectionAcquisitionTimeout: 10_000,
    connectionTimeout: 5_000,
    maxTransactionRetryTime: 10_000,
  });
}

/** Waits until Neo4j answers, so a server started beside its database does not fail its first requests. */
export async function waitForNeo4j(driver: Driver, database: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await driver.getServerInfo({ database });
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`Neo4j did not answer within ${timeoutMs / 1000}s: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
