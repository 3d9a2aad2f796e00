import { ApiError, type ApiClient } from './client.js';

export interface StatusReport {
  api: { url: string; reachable: boolean; version?: string; error?: string };
  /** `version` as `5.26.12` whichever way it was learnt; `edition` needs an accepted token. */
  neo4j: { reachable: boolean; migrated: boolean; version?: string; edition?: string; address?: string; error?: string };
  /** What the token sees; absent when the API refused the token or could not answer. */
  counts?: { projects: number; executions: number; datums: number };
}

const STATUS = '{ status { version neo4j projects executions datums } }';

/** `Neo4j/5.26.12` (the Bolt agent /readyz reports) -> `5.26.12`. */
const agentVersion = (agent: unknown) => (typeof agent === 'string' ? agent.replace(/^Neo4j\//, '') : undefined);

/** `Neo4j Kernel 5.26.12 community` (dbms.components) -> version and edition. */
function components(text: string): { version?: string; edition?: string } {
  const match = /(\d+\.\d+\S*) (\w+)$/.exec(text);
  return match ? { version: match[1], edition: match[2] } : {};
}

/**
 * Reachability comes from /readyz, which needs no token, so a missing or wrong token
 * still shows whether the API and Neo4j are up; versions and counts then come through
 * GraphQL, counted within the token's projects.
 */
export async function collectStatus(client: ApiClient): Promise<StatusReport> {
  const report: StatusReport = { api: { url: client.url, reachable: false }, neo4j: { reachable: false, migrated: false } };
  let ready;
  try {
    ready = await client.get('/readyz');
  } catch (error) {
    report.api.error = (error as Error).message;
    return report;
  }
  report.api.reachable = true;
  const probe = ready.body?.neo4j ?? {};
  report.neo4j = { reachable: probe.ok === true, migrated: ready.body?.migrated === true, version: agentVersion(probe.server), address: probe.address, error: probe.error };
  try {
    const { status } = await client.request(STATUS);
    report.api.version = status.version;
    Object.assign(report.neo4j, components(status.neo4j));
    report.counts = { projects: status.projects, executions: status.executions, datums: status.datums };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    report.api.error = error.message;
  }
  return report;
}

const healthy = (r: StatusReport) => r.api.reachable && !r.api.error && r.neo4j.reachable && r.neo4j.migrated;

export function formatStatus(r: StatusReport): string {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  const lines = [`API     ${mark(r.api.reachable)}  ${r.api.url}${r.api.version ? `  pedigree ${r.api.version}` : ''}`];
  if (r.api.reachable) {
    const neo4j = r.neo4j.reachable
      ? `${['Neo4j', r.neo4j.version, r.neo4j.edition].filter(Boolean).join(' ')} at ${r.neo4j.address}, schema ${r.neo4j.migrated ? 'migrated' : 'NOT migrated'}`
      : `not reachable: ${r.neo4j.error ?? 'no answer'}`;
    lines.push(`Neo4j   ${mark(r.neo4j.reachable && r.neo4j.migrated)}  ${neo4j}`);
  }
  if (r.counts) lines.push(`Graph         ${r.counts.projects} projects, ${r.counts.executions} executions, ${r.counts.datums} datums (in this token's projects)`);
  if (r.api.error) lines.push(`Error         ${r.api.error.replace(/\n/g, '\n              ')}`);
  return lines.join('\n');
}

/** `pedigree status`: exit code 0 only when the API and Neo4j answer and the token is accepted. */
export async function statusCommand(options: { json?: boolean }, client: ApiClient): Promise<number> {
  const report = await collectStatus(client);
  console.log(options.json ? JSON.stringify(report, null, 2) : formatStatus(report));
  return healthy(report) ? 0 : 1;
}
