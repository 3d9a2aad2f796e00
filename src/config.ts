import { isAbsolute, resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './logging.js';
import { parseAllowHosts, type WebhookSettings } from './domain/webhooks.js';

/** Everything the server reads from the environment, read and validated once at start. */
export interface Config {
  port: number;
  neo4j: {
    /** Unset: the server starts the local embedded Neo4j itself. */
    uri?: string;
    user: string;
    password: string;
    database: string;
  };
  adminToken?: string;
  dataDir: string;
  localNeo4jPort: number;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Neo4j transaction timeout the API asks for on every transaction, in ms. */
  txTimeoutMs: number;
  /** How often each replica reads the change-event outbox for its subscribers, in ms. */
  eventPollMs: number;
  /** How long change events and finished webhook deliveries are kept, in ms (an event still waiting for a webhook is kept). */
  eventRetentionMs: number;
  /** How webhooks are delivered and which hosts they may reach. */
  webhooks: WebhookSettings;
  /** Schema introspection for requests with a token (every request needs one). */
  introspection: boolean;
  /** The least severe log lines written: `info` includes one line per request. */
  logLevel: LogLevel;
}

export class ConfigError extends Error {}

/**
 * Every environment variable the server reads, with its default and what it does: the one
 * source for `loadConfig` and for `pedigree start --help`, so the documented list cannot
 * drift from what is read (`loadConfig` can only name a variable listed here).
 */
const VARIABLES = {
  PORT: { default: 4000, note: 'GraphQL at POST /graphql; /healthz, /readyz, /metrics' },
  NEO4J_URI: { default: undefined, note: 'bolt:// or neo4j:// (+s, +ssc); unset: start the local embedded Neo4j' },
  NEO4J_USER: { default: 'neo4j', note: '' },
  NEO4J_PASSWORD: { default: '', note: '' },
  NEO4J_DATABASE: { default: 'neo4j', note: '' },
  PEDIGREE_ADMIN_TOKEN: { default: undefined, note: 'registered as an admin token at start (how to get one when the printed one is lost); unset on an empty database: one is made and printed once' },
  PEDIGREE_DATA_DIR: { default: '.pedigree', note: "the local Neo4j's store" },
  PEDIGREE_LOCAL_NEO4J_PORT: { default: 7687, note: "the local Neo4j's Bolt port" },
  PEDIGREE_BODY_LIMIT: { default: 10 * 1024 * 1024, note: 'largest request body, bytes' },
  PEDIGREE_TX_TIMEOUT_MS: { default: 30_000, note: 'Neo4j transaction timeout per request' },
  PEDIGREE_EVENT_POLL_MS: { default: 50, note: "how often each replica reads the change-event outbox (subscriptions' latency)" },
  PEDIGREE_EVENT_RETENTION_MS: { default: 7 * 24 * 3_600_000, note: 'change events and finished webhook deliveries older than this are pruned (an event still waiting for a webhook is kept)' },
  PEDIGREE_WEBHOOK_ALLOW_HOSTS: { default: undefined, note: 'comma list of webhook hosts allowed to resolve to loopback, private, link-local or metadata addresses (refused otherwise)' },
  PEDIGREE_WEBHOOK_TIMEOUT_MS: { default: 15_000, note: 'longest a webhook delivery request may take; past it, it is retried' },
  PEDIGREE_WEBHOOK_BACKOFF_MS: { default: 5_000, note: 'first webhook retry after half to all of this, each later one twice as long (jittered), at most an hour apart' },
  PEDIGREE_WEBHOOK_GIVE_UP_MS: { default: 24 * 3_600_000, note: 'a webhook delivery failing this long after its first attempt is marked FAILED' },
  PEDIGREE_WEBHOOK_LEASE_MS: { default: 60_000, note: "how long a replica's claim on a webhook's deliveries holds unrenewed (a crashed replica's claim lapses after it)" },
  PEDIGREE_WEBHOOK_POLL_MS: { default: 1_000, note: 'how often each replica looks for due webhook retries and lapsed claims (new events wake it at once)' },
  PEDIGREE_INTROSPECTION: { default: 'true', note: 'GraphQL schema introspection for requests with a token (every request needs one); false refuses it' },
  PEDIGREE_LOG_LEVEL: { default: 'info', note: `JSON log lines on stdout from this level up: ${LOG_LEVELS.join(', ')}; info logs every request` },
} as const satisfies Record<string, { default: string | number | undefined; note: string }>;

type Variable = keyof typeof VARIABLES;
type IntVariable = { [K in Variable]: (typeof VARIABLES)[K]['default'] extends number ? K : never }[Variable];

/** The variables with their defaults, as `pedigree start --help` prints them. */
export const configVariables: Array<[string, string]> = Object.entries(VARIABLES).map(([name, v]) => {
  const value = v.default === undefined ? 'unset' : v.default === '' ? '(empty)' : String(v.default);
  return [name, v.note ? `${value}  ${v.note}` : value];
});

function intVar(env: NodeJS.ProcessEnv, name: IntVariable, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return VARIABLES[name].default;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer ${min}..${max}, got '${raw}'`);
  }
  return value;
}

function webhookSettings(env: NodeJS.ProcessEnv): WebhookSettings {
  const settings: WebhookSettings = {
    allowHosts: parseAllowHosts(env.PEDIGREE_WEBHOOK_ALLOW_HOSTS),
    timeoutMs: intVar(env, 'PEDIGREE_WEBHOOK_TIMEOUT_MS', 100, 600_000),
    backoffMs: intVar(env, 'PEDIGREE_WEBHOOK_BACKOFF_MS', 10, 3_600_000),
    giveUpMs: intVar(env, 'PEDIGREE_WEBHOOK_GIVE_UP_MS', 0, 30 * 24 * 3_600_000),
    leaseMs: intVar(env, 'PEDIGREE_WEBHOOK_LEASE_MS', 200, 3_600_000),
    pollMs: intVar(env, 'PEDIGREE_WEBHOOK_POLL_MS', 10, 600_000),
  };
  // a claim must outlast the request it covers, or another replica could send the same event meanwhile
  if (settings.leaseMs <= settings.timeoutMs) {
    throw new ConfigError(`PEDIGREE_WEBHOOK_LEASE_MS (${settings.leaseMs}) must be longer than PEDIGREE_WEBHOOK_TIMEOUT_MS (${settings.timeoutMs})`);
  }
  return settings;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = (name: Variable): string | undefined => env[name] || undefined;
  const uri = read('NEO4J_URI');
  if (uri && !/^(bolt|neo4j)(\+s|\+ssc)?:\/\/[^/]+/.test(uri)) {
    throw new ConfigError(
      `NEO4J_URI must be a bolt:// or neo4j:// URI (optionally +s or +ssc), got '${uri}'`,
    );
  }
  const dataDir = read('PEDIGREE_DATA_DIR') ?? VARIABLES.PEDIGREE_DATA_DIR.default;
  const introspection = read('PEDIGREE_INTROSPECTION') ?? VARIABLES.PEDIGREE_INTROSPECTION.default;
  if (introspection !== 'true' && introspection !== 'false') throw new ConfigError(`PEDIGREE_INTROSPECTION must be true or false, got '${introspection}'`);
  const logLevel = read('PEDIGREE_LOG_LEVEL') ?? VARIABLES.PEDIGREE_LOG_LEVEL.default;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`PEDIGREE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  return {
    port: intVar(env, 'PORT', 0, 65535),
    neo4j: {
      uri,
      user: read('NEO4J_USER') ?? VARIABLES.NEO4J_USER.default,
      password: read('NEO4J_PASSWORD') ?? VARIABLES.NEO4J_PASSWORD.default,
      database: read('NEO4J_DATABASE') ?? VARIABLES.NEO4J_DATABASE.default,
    },
    adminToken: read('PEDIGREE_ADMIN_TOKEN'),
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    localNeo4jPort: intVar(env, 'PEDIGREE_LOCAL_NEO4J_PORT', 1, 65535),
    bodyLimit: intVar(env, 'PEDIGREE_BODY_LIMIT', 1024, 1024 * 1024 * 1024),
    txTimeoutMs: intVar(env, 'PEDIGREE_TX_TIMEOUT_MS', 100, 3_600_000),
    eventPollMs: intVar(env, 'PEDIGREE_EVENT_POLL_MS', 10, 60_000),
    eventRetentionMs: intVar(env, 'PEDIGREE_EVENT_RETENTION_MS', 1_000, 3650 * 24 * 3_600_000),
    webhooks: webhookSettings(env),
    introspection: introspection === 'true',
    logLevel: logLevel as LogLevel,
  };
}
