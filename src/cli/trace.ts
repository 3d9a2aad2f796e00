import { stat } from 'node:fs/promises';
import { sha256Of } from '../ingest/folder.js';
import type { ApiClient } from './client.js';

/** How far downstream a trace looks for deployments: hops (datum -> execution -> datum) and nodes. */
export const TRACE_DEPTH = 10;
export const TRACE_LIMIT = 500;
/** Datums shown per hash: the same bytes are seldom recorded more often than this. */
const TRACE_FIRST = 20;

interface ExecutionShown {
  id: string;
  name: string;
  kind: string;
  status: string;
}

interface Traced {
  id: string;
  uri: string;
  path: string | null;
  size: number | string | null;
  createdAt: string;
  project: { name: string };
  producer: (ExecutionShown & { commit: string | null; repository: string | null; image: string | null; hardware: string | null; reads: Array<{ inputName: string; alias: string | null; node: { __typename: string; id: string; path?: string | null; uri?: string; versionUri?: string } }> }) | null;
  consumers: ExecutionShown[];
  downstream: Array<{ id: string; distance: number; node: (Partial<ExecutionShown> & { __typename: string }) | null }>;
  aliases: Array<{ name: string }>;
  tags: Array<{ name: string }>;
  datasetVersions: Array<{ uri: string }>;
  modelVersions: Array<{ uri: string; status: string }>;
}

// Datum.uri (Uri) and a version's uri (String) differ in type, so the versions' are aliased
const TRACE = `query($sha256: String!, $project: String, $first: Int!) {
  datums(filter: {sha256: $sha256, project: $project}, first: $first) {
    totalCount
    edges { node {
      id uri path size createdAt project { name }
      producer {
        id name kind status commit repository image hardware
        reads { inputName alias node { __typename id ... on Datum { path uri } ... on ModelVersion { versionUri: uri } ... on DatasetVersion { versionUri: uri } } }
      }
      consumers { id name kind status }
      downstream(depth: ${TRACE_DEPTH}, limit: ${TRACE_LIMIT}) { id distance node { __typename ... on Execution { name kind status } } }
      aliases { name }
      tags { name }
      datasetVersions { uri }
      modelVersions { uri status }
    } }
  }
}`;

export interface TraceReport {
  file: string;
  sha256: string;
  /** How many datums have these bytes (more than shown when past the first page). */
  total: number;
  datums: Array<Omit<Traced, 'downstream'> & { deployments: Array<ExecutionShown & { distance: number }>; downstreamTruncated: boolean }>;
}

/** The executions of kind DEPLOYMENT among a datum's downstream nodes: what serves it, directly or through a model version. */
function deploymentsOf(datum: Traced) {
  return datum.downstream
    .filter((n) => n.node?.__typename === 'Execution' && n.node.kind === 'DEPLOYMENT')
    .map((n) => ({ id: n.id, name: n.node!.name!, kind: n.node!.kind!, status: n.node!.status!, distance: n.distance }));
}

export async function traceFile(client: ApiClient, file: string, project?: string): Promise<TraceReport> {
  const sha256 = await sha256Of(file);
  const { datums } = await client.request(TRACE, { sha256, project, first: TRACE_FIRST });
  return {
    file,
    sha256,
    total: datums.totalCount,
    datums: datums.edges.map(({ node }: { node: Traced }) => {
      const { downstream, ...rest } = node;
      return { ...rest, deployments: deploymentsOf(node), downstreamTruncated: downstream.length >= TRACE_LIMIT };
    }),
  };
}

const execution = (e: ExecutionShown) => `${e.name}  ${e.kind} ${e.status}  ${e.id}`;

function input({ inputName, alias, node }: NonNullable<Traced['producer']>['reads'][number]): string {
  const what = node.__typename === 'Datum' ? [node.path, node.uri].filter(Boolean).join('  ') : (node.versionUri ?? `${node.__typename} ${node.id}`);
  return `${what}  (input '${inputName}'${alias ? `, through datum://${alias}` : ''})`;
}

/** One labelled block: the label on the first line, the rest indented under it. */
function block(label: string, lines: string[]): string[] {
  if (!lines.length) return [`  ${label.padEnd(13)}-`];
  return lines.map((line, i) => `  ${(i ? '' : label).padEnd(13)}${line}`);
}

export function formatTrace(r: TraceReport): string {
  const lines = [`${r.file}  sha256 ${r.sha256}`];
  if (!r.datums.length) return lines.concat('No datum with these bytes in the projects this token may read.').join('\n');
  lines.push(`${r.total} datum(s) with these bytes${r.total > r.datums.length ? `, the newest ${r.datums.length} shown` : ''}`);
  for (const d of r.datums) {
    const p = d.producer;
    lines.push('', `DATUM ${d.path ?? d.uri}  ${d.path ? `${d.uri}  ` : ''}project ${d.project.name}  recorded ${d.createdAt}`);
    lines.push(...block('produced by', p ? [execution(p), ...[`commit ${p.commit ?? '-'}`, `image ${p.image ?? '-'}`, p.repository ? `repository ${p.repository}` : '', p.hardware ? `hardware ${p.hardware}` : ''].filter(Boolean)] : []));
    lines.push(...block('its inputs', (p?.reads ?? []).map(input)));
    lines.push(...block('read by', d.consumers.map(execution)));
    const far = d.downstreamTruncated ? [`(looked at the nearest ${TRACE_LIMIT} downstream nodes only: pedigree lineage ${d.id} --down shows more)`] : [];
    lines.push(...block('deployments', [...d.deployments.map((e) => `${execution(e)}  (${e.distance} hop(s) downstream)`), ...far]));
    lines.push(...block('aliases', d.aliases.map((a) => `datum://${a.name}`)));
    lines.push(...block('tags', d.tags.length ? [d.tags.map((t) => t.name).join(', ')] : []));
    lines.push(...block('versions', [...d.modelVersions.map((v) => `${v.uri}  ${v.status}`), ...d.datasetVersions.map((v) => v.uri)]));
  }
  return lines.join('\n');
}

/** `pedigree trace <file>`: which recorded datums have this file's bytes, and their story. Exit 1 when none does. */
export async function traceCommand(file: string, options: { project?: string; json?: boolean }, client: ApiClient): Promise<number> {
  if (!(await stat(file).catch(() => null))?.isFile()) {
    console.error(`pedigree trace: ${file} is not a file`);
    return 2;
  }
  const report = await traceFile(client, file, options.project);
  console.log(options.json ? JSON.stringify(report, null, 2) : formatTrace(report));
  return report.datums.length ? 0 : 1;
}
