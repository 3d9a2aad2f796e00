import { stat } from 'node:fs/promises';
import { readFolder } from '../ingest/folder.js';
import type { IngestProblem } from '../ingest/parse.js';
import type { IngestFile, IngestReport } from '../services/ingest.js';
import { ApiError, createClient, type ApiClient } from './client.js';
import { progress } from './progress.js';

export interface IngestOptions {
  execution: string;
  allowPartial?: boolean;
  dryRun?: boolean;
  json?: boolean;
  /** Files per request; requests are also cut at about 4 MB. */
  chunk?: number;
}

const MUTATION = `mutation($executionId: ID!, $files: [IngestFile!]!, $dryRun: Boolean, $allowPartial: Boolean) {
  ingestOutputs(executionId: $executionId, files: $files, dryRun: $dryRun, allowPartial: $allowPartial) {
    dryRun written created unchanged valuesWritten
    changes { path action keys }
    problems { file line field message output }
  }
}`;

/** Requests of at most `size` files and about 4 MB each. */
function* chunks(files: IngestFile[], size: number): Generator<IngestFile[]> {
  let chunk: IngestFile[] = [];
  let bytes = 0;
  for (const file of files) {
    const length = JSON.stringify(file).length;
    if (chunk.length && (chunk.length >= size || bytes + length > 4_000_000)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(file);
    bytes += length;
  }
  if (chunk.length) yield chunk;
}

const describe = (p: IngestProblem) => `  ${p.file}${p.line ? `:${p.line}` : ''}${p.field ? ` (${p.field})` : ''}: ${p.message}`;

/**
 * `pedigree ingest <dir> --execution <id>`. All or nothing across requests: the folder is
 * validated locally, then every chunk is validated by the API in a dry run, and only then
 * are chunks written. With --allow-partial the files with problems are left out and listed.
 */
export async function ingestCommand(dir: string, options: IngestOptions, client: ApiClient = createClient()): Promise<number> {
  const started = Date.now();
  if (!(await stat(dir).catch(() => null))?.isDirectory()) {
    console.error(`pedigree ingest: ${dir} is not a folder`);
    return 2;
  }
  const bar = progress();
  const { files, problems } = await readFolder(dir, bar);
  if (problems.length && !options.allowPartial) return refuse(problems, options);
  const bad = new Set(problems.map((p) => p.output));
  const sendable = files.filter((f) => !bad.has(f.path));

  const send = async (dryRun: boolean): Promise<IngestReport> => {
    const total: IngestReport = { dryRun, written: false, created: 0, unchanged: 0, valuesWritten: 0, changes: [], problems: [] };
    bar.start(dryRun ? 'checking' : 'writing', sendable.length);
    try {
      for (const chunk of chunks(sendable, options.chunk ?? 2000)) {
        const variables = { executionId: options.execution, files: chunk, dryRun, allowPartial: !!options.allowPartial };
        const { ingestOutputs: r } = await client.request<{ ingestOutputs: IngestReport }>(MUTATION, variables);
        total.created += r.created;
        total.unchanged += r.unchanged;
        total.valuesWritten += r.valuesWritten;
        total.written ||= r.written;
        total.changes.push(...r.changes);
        total.problems.push(...r.problems);
        bar.tick(chunk.length);
      }
    } finally {
      bar.stop();
    }
    return total;
  };

  let report: IngestReport;
  try {
    const checked = await send(true);
    if (checked.problems.length && !options.allowPartial) return refuse(checked.problems, options);
    report = options.dryRun ? checked : await send(false);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const listed = error.errors[0]?.extensions?.problems as IngestProblem[] | undefined;
    console.error(`pedigree ingest: ${error.message}${listed ? '\n' + listed.map(describe).join('\n') : ''}`);
    return 1;
  }
  report.problems.unshift(...problems);

  const seconds = (Date.now() - started) / 1000;
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  if (options.dryRun) for (const c of report.changes) console.log(`  ${c.action.padEnd(15)} ${c.path}${c.keys.length ? `  [${c.keys.join(', ')}]` : ''}`);
  console.log(
    `${options.dryRun ? 'Dry run, nothing written: would create' : 'Created'} ${report.created} datum(s), ${report.unchanged} unchanged, ` +
      `${report.valuesWritten} metadata value(s); ${sendable.length} files in ${seconds.toFixed(1)}s (${Math.round(sendable.length / seconds)} files/s)`,
  );
  if (report.problems.length) console.log(`Left out, with problems:\n${report.problems.map(describe).join('\n')}`);
  return 0;
}

function refuse(problems: IngestProblem[], options: IngestOptions): number {
  if (options.json) console.log(JSON.stringify({ written: false, problems }, null, 2));
  else console.error(`Nothing was ingested: ${problems.length} problem(s)\n${problems.map(describe).join('\n')}\nFix them, or pass --allow-partial to ingest the rest.`);
  return 1;
}
