import neo4j, { type Driver } from 'neo4j-driver';

export interface DriverConfig {
  uri: string;
  user: string;
  password: string;
}

const authOf = (config: DriverConfig) => (config.password ? neo4j.auth.basic(config.user, config.password) : undefined);

export const MAX_POOL_SIZE = 100;
/**
 * Retries wait 1, 2, 4 s (±20%) after the first failure while under this limit: 5 s gives
 * a transient error (deadlock, leader switch) three retries, and a request caught by an
 * outage its answer after 6-8 s instead of 12-18 s with 10 s. Requests that arrive once
 * the outage is known do not wait at all (see Neo4jAvailability).
 */
export const MAX_RETRY_MS = 5_000;

/** One driver per process; sessions are opened per call by the executor. */
export function createDriver(config: DriverConfig): Driver {
  return neo4j.driver(config.uri, authOf(config), {
    maxConnectionPoolSize: MAX_POOL_SIZE,
    // Acquisition includes opening the connection, so it must outlast connectionTimeout:
    // a database that does not answer then fails as ServiceUnavailable (retried, mapped),
    // not as the driver's untyped acquisition timeout.
    connectionAcquisitionTimeout: 6_000,
    connectionTimeout: 3_000,
    maxTransactionRetryTime: MAX_RETRY_MS,
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

export interface AvailabilityOptions {
  /** Probe period while Neo4j answers. */
  intervalMs?: number;
  /** Probe period while it does not, which bounds how late recovery is noticed. */
  downIntervalMs?: number;
  /** A probe slower than this counts as a failure. */
  probeTimeoutMs?: number;
  /** Consecutive failed probes before Neo4j counts as down: one slow answer is not an outage. */
  failuresToOpen?: number;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

export interface ProbeResult {
  ok: boolean;
  server?: string;
  bolt?: string;
  address?: string;
  error?: string;
}

/** `work`, or a rejection saying what did not answer once `ms` have passed. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

/** Neo4j's own description of itself, or why it did not give one in time. */
export function probeNeo4j(driver: Driver, database: string, timeoutMs: number): Promise<ProbeResult> {
  return within(driver.getServerInfo({ database }), timeoutMs, 'Neo4j')
    .then((info): ProbeResult => ({ ok: true, server: info.agent, bolt: info.protocolVersion?.toString(), address: info.address }))
    .catch((error: Error): ProbeResult => ({ ok: false, error: error.message.split('\n')[0] }));
}

/**
 * Whether Neo4j answers, known before any request needs it. While it does not, requests
 * are refused at once with SERVICE_UNAVAILABLE instead of each one waiting out the
 * driver's retries; the probing continues, so the API recovers by itself when Neo4j is
 * back. The probe has a driver (and pool) of its own: a pool full of busy requests must
 * not look like an outage, and a probe must not wait behind them.
 */
export class Neo4jAvailability {
  private readonly probeDriver: Driver;
  private readonly options: Required<Omit<AvailabilityOptions, 'log'>> & Pick<AvailabilityOptions, 'log'>;
  private up = true;
  private failures = 0;
  private last: ProbeResult = { ok: true };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inFlight: Promise<ProbeResult> | undefined;

  constructor(
    config: DriverConfig,
    private readonly database: string,
    options: AvailabilityOptions = {},
  ) {
    this.options = { intervalMs: 1_000, downIntervalMs: 500, probeTimeoutMs: 2_000, failuresToOpen: 2, ...options };
    this.probeDriver = neo4j.driver(config.uri, authOf(config), {
      maxConnectionPoolSize: 1,
      connectionTimeout: this.options.probeTimeoutMs,
      connectionAcquisitionTimeout: this.options.probeTimeoutMs + 1_000,
    });
  }

  /** False only once Neo4j has failed `failuresToOpen` probes in a row, and until one succeeds. */
  get available(): boolean {
    return this.up;
  }

  /** The latest probe's answer (the error while Neo4j is down). */
  get lastProbe(): ProbeResult {
    return this.last;
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    await this.probeDriver.close();
  }

  /** Probes now and updates the state; `stop` waits for a probe under way. */
  private async probe(): Promise<void> {
    this.inFlight = probeNeo4j(this.probeDriver, this.database, this.options.probeTimeoutMs);
    this.record(await this.inFlight);
    this.inFlight = undefined;
  }

  private record(result: ProbeResult): void {
    this.last = result;
    if (result.ok) {
      if (!this.up) this.options.log?.('Neo4j answers again; serving requests', { address: result.address });
      this.up = true;
      this.failures = 0;
      return;
    }
    this.failures += 1;
    if (this.up && this.failures >= this.options.failuresToOpen) {
      this.up = false;
      this.options.log?.('Neo4j does not answer; refusing requests with SERVICE_UNAVAILABLE until it does', { error: result.error });
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.probe();
      // after a single failure, look again soon rather than a full period later
      this.schedule(this.up && this.failures === 0 ? this.options.intervalMs : this.options.downIntervalMs);
    }, delayMs);
    // the probe alone must not keep a process alive
    this.timer.unref();
  }
}
