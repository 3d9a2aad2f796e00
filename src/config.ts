import { isAbsolute, resolve } from 'node:path';

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
  production: boolean;
  /** Schema introspection; off by default in production. */
  introspection: boolean;
}

export class ConfigError extends Error {}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer ${min}..${max}, got '${raw}'`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const uri = env.NEO4J_URI || undefined;
  if (uri && !/^(bolt|neo4j)(\+s|\+ssc)?:\/\/[^/]+/.test(uri)) {
    throw new ConfigError(
      `NEO4J_URI must be a bolt:// or neo4j:// URI (optionally +s or +ssc), got '${uri}'`,
    );
  }
  const dataDir = env.PEDIGREE_DATA_DIR || '.pedigree';
  return {
    port: intVar(env, 'PORT', 4000, 0, 65535),
    neo4j: {
      uri,
      user: env.NEO4J_USER || 'neo4j',
      password: env.NEO4J_PASSWORD || '',
      database: env.NEO4J_DATABASE || 'neo4j',
    },
    adminToken: env.PEDIGREE_ADMIN_TOKEN || undefined,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    localNeo4jPort: intVar(env, 'PEDIGREE_LOCAL_NEO4J_PORT', 7687, 1, 65535),
    bodyLimit: intVar(env, 'PEDIGREE_BODY_LIMIT', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    txTimeoutMs: intVar(env, 'PEDIGREE_TX_TIMEOUT_MS', 30_000, 100, 3_600_000),
    production: env.NODE_ENV === 'production',
    introspection: env.PEDIGREE_INTROSPECTION ? env.PEDIGREE_INTROSPECTION === 'true' : env.NODE_ENV !== 'production',
  };
}

/** The variables `pedigree start --help` documents, with their defaults. */
export const configVariables: Array<[string, string]> = [
  ['PORT', '4000 (GraphQL at POST /graphql)'],
  ['NEO4J_URI', 'unset: start the local embedded Neo4j'],
  ['NEO4J_USER', 'neo4j'],
  ['NEO4J_PASSWORD', '(empty)'],
  ['NEO4J_DATABASE', 'neo4j'],
  ['PEDIGREE_ADMIN_TOKEN', 'unset'],
  ['PEDIGREE_DATA_DIR', '.pedigree (the local Neo4j store)'],
  ['PEDIGREE_LOCAL_NEO4J_PORT', '7687'],
  ['PEDIGREE_BODY_LIMIT', '10485760 bytes'],
  ['PEDIGREE_TX_TIMEOUT_MS', '30000'],
  ['PEDIGREE_INTROSPECTION', 'true, or false when NODE_ENV=production'],
];

