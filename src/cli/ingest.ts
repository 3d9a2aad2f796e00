import { stat } from 'node:fs/promises';
import { readFolder } from '../ingest/folder.js';
import type { IngestProblem } from '../ingest/parse.js';
import type { IngestChange, IngestFile, IngestReport } from '../ingest/request.js';
import { ApiError, createClient, type ApiClient } from './client.js';
import { createExecution, startExecution, type NewExecution } from './execution.js';
import { progress } from './progress.js';

export interface IngestOptions extends Partial<Omit<NewExecution, 'name'>> {
  execution?: string;
  /** Create and start an execution of this name, and ingest into it. */
  newExecution?: string;
  allowPartial?: boolean;
  dryRun?: boolean;
  /** Refuse what is otherwise only a warning (`metadata.json`, `x.meta.json`). */
  strict?: boolean;
  json?: boolean;
  /** Files per request; requests are also cut at about 4 MB. */
  chunk?: number;
}

/** The `ingest` options that describe a new execution: they mean nothing with --execution. */
const RECORD_OPTIONS = ['project', 'kind', 'parent', 'commit', 'repository', 'image', 'hardware', 'host', 'parameters'] as const;

const MUTATION = `mutation($executionId: ID!, $files: [IngestFile!]!, $dryRun: Boolean, $validateOnly: Boolean, $allowPartial: Boolean) {
  ingestOutputs(executionId: $executionId, files: $files, dryRun: $dryRun, validateOnly: $validateOnly, allowPartial: $allowPartial) {
    dryRun written created unchanged valuesWritten
    changes { path action keys tags alias versions }
    problems { file line field message output }
    warnings { file line field message output }
  }
}`;

/** Requests of at most `size` files and about 4 MB each. */
function chunks(files: IngestFile[], size: number): IngestFile[][] {
  const all: IngestFile[][] = [];
  let chunk: IngestFile[] = [];
  let bytes = 0;
  for (const file of files) {
    const length = JSON.stringify(file).length;
    if (chunk.length && (chunk.length >= size || bytes + length > 4_000_000)) {
      all.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(file);
    bytes += length;
  }
  if (chunk.length) all.push(chunk);
  return all;
}

/** One problem as a line: where to fix it, and the output it keeps out when the message does not name it. */
function describe(p: IngestProblem): string {
  const output = p.output && !p.file.startsWith(p.output) && !p.message.includes(p.output) ? ` [output ${p.output}]` : '';
  return `  ${p.file}${p.line ? `:${p.line}` : ''}${p.field ? ` (${p.field})` : ''}: ${p.message}${output}`;
}

/** What a change does besides metadata values: the tags, alias and versions its reserved keys apply. */
function applies(c: IngestChange): string {
  const parts = [c.tags.length ? `tags ${c.tags.join(', ')}` : '', c.alias ? `alias ${c.alias}` : '', c.versions.length ? `versions ${c.versions.join(', ')}` : ''];
  return parts.filter(Boolean).join('; ');
}

/** A usage mistake, said before anything is read or written. */
function usage(options: IngestOptions): string | null {
  if (!options.execution === !options.newExecution) return 'pass one of --execution <id> (an existing execution) and --new-execution <name> (records one)';
  if (options.newExecution) {
    if (!options.project) return '--new-execution needs --project <name>';
    if (options.dryRun) return '--dry-run checks against an existing execution: create one with `pedigree execution create`, then pass --execution <id>';
    return null;
  }
  const stray = RECORD_OPTIONS.filter((o) => options[o] !== undefined);
  return stray.length ? `${stray.map((o) => `--${o}`).join(', ')} describe(s) a new execution: use with --new-execution <name>, not --execution` : null;
}

/**
 * `pedigree ingest <dir> --execution <id> | --new-execution <name>`. The folder is read
 * and checked locally first, so a broken folder creates no execution and sends nothing.
 * A folder that fits in one request is written by that one request (one transaction: all
 * or nothing). A larger one is checked chunk by chunk by the API (validation only: the same
 * checks as a write, without the database's work) and only then written chunk by chunk, so
 * each file is written once; a chunk that fails while writing leaves the earlier ones written, and
 * running the command again finishes the job (ingesting is idempotent). With
 * --allow-partial the files with problems are left out and listed.
 */
export async function ingestCommand(dir: string, options: IngestOptions, client: ApiClient = createClient()): Promise<number> {
  const started = Date.now();
  const mistake = usage(options);
  if (mistake) {
    console.error(`pedigree ingest: ${mistake}`);
    return 2;
  }
  if (!(await stat(dir).catch(() => null))?.isDirectory()) {
    console.error(`pedigree ingest: ${dir} is not a folder`);
    return 2;
  }
  const bar = progress();
  const folder = await readFolder(dir, bar);
  const problems = options.strict ? [...folder.problems, ...folder.warnings] : folder.problems;
  const warnings = options.strict ? [] : folder.warnings;
  if (warnings.length && !options.json) console.error(`Warnings (ingested all the same; --strict refuses them):\n${warnings.map(describe).join('\n')}`);
  if (problems.length && !options.allowPartial) return refuse(problems, options);
  const bad = new Set(problems.map((p) => p.output));
  const sendable = folder.files.filter((f) => !bad.has(f.path));
  const requests = chunks(sendable, options.chunk ?? 2000);

  let execution = options.execution!;
  let report: IngestReport;
  // files in requests already written: what a failure half-way leaves behind
  let committed = 0;
  try {
    if (options.newExecution) {
      execution = (await createExecution(client, { ...options, name: options.newExecution, project: options.project! })).id;
      await startExecution(client, execution);
    }
    const send = async (mode: 'validate' | 'dry run' | 'write'): Promise<IngestReport> => {
      const dryRun = mode !== 'write';
      const total: IngestReport = { dryRun, written: false, created: 0, unchanged: 0, valuesWritten: 0, changes: [], problems: [], warnings: [] };
      bar.start(dryRun ? 'checking' : 'writing', sendable.length);
      try {
        for (const files of requests) {
          const variables = { executionId: execution, files, dryRun: mode === 'dry run', validateOnly: mode === 'validate', allowPartial: !!options.allowPartial };
          const { ingestOutputs: r } = await client.request<{ ingestOutputs: IngestReport }>(MUTATION, variables);
          total.created += r.created;
          total.unchanged += r.unchanged;
          total.valuesWritten += r.valuesWritten;
          total.written ||= r.written;
          total.changes.push(...r.changes);
          total.problems.push(...r.problems);
          total.warnings.push(...r.warnings);
          if (!dryRun) committed += files.length;
          bar.tick(files.length);
        }
      } finally {
        bar.stop();
      }
      return total;
    };
    // one request is one transaction already; only across several does a check come first
    if (options.dryRun || requests.length > 1) {
      const checked = await send(options.dryRun ? 'dry run' : 'validate');
      if (checked.problems.length && !options.allowPartial) return refuse([...problems, ...checked.problems], options, execution);
      report = options.dryRun ? checked : await send('write');
    } else report = await send('write');
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const listed = error.errors[0]?.extensions?.problems as IngestProblem[] | undefined;
    if (listed) return refuse([...problems, ...listed], options, execution);
    const partly = committed ? `\n${committed} of ${sendable.length} files were written before this (in earlier requests); run the same command again to write the rest: what is written already stays unchanged` : '';
    console.error(`pedigree ingest: ${error.message}${partly}${created(options, execution)}`);
    return 1;
  }
  // the folder's own warnings were shown before sending; the report carries all of them
  const apiWarnings = report.warnings;
  report = { ...report, problems: [...problems, ...report.problems], warnings: [...warnings, ...apiWarnings] };

  const seconds = (Date.now() - started) / 1000;
  if (options.json) {
    console.log(JSON.stringify(options.newExecution ? { execution, ...report } : report, null, 2));
    return 0;
  }
  if (options.dryRun) {
    for (const c of report.changes) {
      const extras = [c.keys.length ? `[${c.keys.join(', ')}]` : '', applies(c)].filter(Boolean).join('  ');
      console.log(`  ${c.action.padEnd(15)} ${c.path}${extras ? `  ${extras}` : ''}`);
    }
  }
  console.log(
    `${options.dryRun ? 'Dry run, nothing written: would create' : 'Created'} ${report.created} datum(s), ${report.unchanged} unchanged, ` +
      `${report.valuesWritten} metadata value(s); ${sendable.length} files in ${seconds.toFixed(1)}s (${Math.round(sendable.length / seconds)} files/s)`,
  );
  if (report.problems.length) console.log(`Left out, with problems:\n${report.problems.map(describe).join('\n')}`);
  if (apiWarnings.length) console.log(`Warnings:\n${apiWarnings.map(describe).join('\n')}`);
  if (options.newExecution) {
    console.log(`Into the new execution ${options.newExecution} (RUNNING; finish it with \`pedigree execution finish <id> --status COMPLETED\`):`);
    console.log(execution);
  }
  return 0;
}

/** Where a refusal leaves an execution this command created. */
const created = (options: IngestOptions, execution: string) =>
  options.newExecution && execution ? `\nThe execution ${options.newExecution} was created (${execution}); after fixing, ingest into it with --execution ${execution}` : '';

function refuse(problems: IngestProblem[], options: IngestOptions, execution = ''): number {
  if (options.json) console.log(JSON.stringify({ written: false, ...(execution && options.newExecution ? { execution } : {}), problems }, null, 2));
  else console.error(`Nothing was ingested: ${problems.length} problem(s)\n${problems.map(describe).join('\n')}\nFix them, or pass --allow-partial to ingest the rest.${created(options, execution)}`);
  return 1;
}
