import type { Executor } from '../db/executor.js';
import { groupBy } from '../domain/group.js';
import { badInput } from '../domain/errors.js';
import { checkBatch } from '../domain/validation.js';
import type { Entity } from '../loaders/index.js';
import { parseManifest, type IngestProblem, type MetadataPiece } from '../ingest/parse.js';
import { parseMetadata } from '../metadata/rules.js';
import { checkOutputs, requireExecution, writeOutputs, type OutputInput, type OutputRow } from './executions.js';
import { applyMetadata, type MetadataItem } from './metadata.js';
import type { Principal } from '../access/roles.js';

export interface IngestFile extends OutputInput {
  /** Metadata from the file's sidecar, already parsed. */
  sidecar?: Record<string, unknown> | null;
  /** Metadata for this file from manifest lines, in line order. */
  manifest?: Array<{ line: number; metadata: Record<string, unknown> }> | null;
}

export interface IngestArgs {
  executionId: string;
  files: IngestFile[];
  /** A whole `valohai.metadata.jsonl` text, for callers that send it in one request. */
  manifest?: string | null;
  dryRun?: boolean | null;
  allowPartial?: boolean | null;
}

export interface IngestChange {
  path: string;
  action: 'CREATE' | 'UNCHANGED' | 'UPDATE_METADATA';
  datum: Entity | null;
  /** Metadata keys written (or that would be). */
  keys: string[];
}

export interface IngestReport {
  dryRun: boolean;
  written: boolean;
  created: number;
  unchanged: number;
  valuesWritten: number;
  changes: IngestChange[];
  problems: IngestProblem[];
}

/** The metadata of one file as items for `applyMetadata`, sidecar first, manifest lines after. */
function piecesOf(file: IngestFile, fromManifest: MetadataPiece[]): MetadataPiece[] {
  const pieces: MetadataPiece[] = [];
  if (file.sidecar) pieces.push({ source: 'SIDECAR', metadata: file.sidecar });
  for (const m of file.manifest ?? []) pieces.push({ source: 'MANIFEST', line: m.line, metadata: m.metadata });
  return [...pieces, ...fromManifest];
}

/**
 * `ingestOutputs`: the same rules as `pedigree ingest`. Every file and metadata piece is
 * validated before anything is written; by default any problem writes nothing (and is a
 * BAD_USER_INPUT listing each problem with file and line); `allowPartial` writes the
 * files without problems; `dryRun` reports what would change and writes nothing.
 * Re-ingesting changes nothing: datums are idempotent on (path, sha256) and values equal
 * to the current ones are not logged again.
 */
export class IngestService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
  ) {}

  ingest(args: IngestArgs): Promise<IngestReport> {
    checkBatch('files', args.files);
    const problems: IngestProblem[] = [];
    const paths = new Set(args.files.map((f) => f.path));
    const manifest = args.manifest ? parseManifest(args.manifest, (p) => paths.has(p)) : { pieces: new Map<string, MetadataPiece[]>(), problems: [] };
    problems.push(...manifest.problems);

    const good: Array<{ file: IngestFile; row: OutputRow; pieces: MetadataPiece[] }> = [];
    args.files.forEach((file, i) => {
      const before = problems.length;
      let row: OutputRow | undefined;
      try {
        [row] = checkOutputs([file], `files.${i}`);
      } catch (error) {
        problems.push({ file: file.path, field: (error as { extensions?: { field?: string } }).extensions?.field, message: (error as Error).message, output: file.path });
      }
      const pieces = piecesOf(file, manifest.pieces.get(file.path) ?? []);
      for (const piece of pieces) {
        for (const p of parseMetadata(piece.metadata).problems) {
          problems.push({ file: piece.source === 'SIDECAR' ? `${file.path}.metadata.json` : 'valohai.metadata.jsonl', line: piece.line, field: p.field || undefined, message: p.message, output: file.path });
        }
      }
      if (row && problems.length === before) good.push({ file, row, pieces });
    });
    // a manifest line with a problem may concern a file that is otherwise fine
    const blocked = new Set(problems.map((p) => p.output));
    const writable = good.filter((g) => !blocked.has(g.file.path));
    const dryRun = args.dryRun === true;
    if (problems.length && !args.allowPartial && !dryRun) {
      const first = problems[0];
      throw badInput(`Nothing was ingested: ${problems.length} problem(s), first ${first.file}${first.line ? `:${first.line}` : ''}: ${first.message}`, {
        field: first.field ?? 'files',
        line: first.line,
        problems,
      });
    }

    return this.executor.write(async (tx) => {
      await requireExecution(tx, args.executionId);
      const rows = writable.map((g, i) => ({ ...g.row, i }));
      const outputs = rows.length ? await writeOutputs(tx, args.executionId, rows) : [];
      const items: MetadataItem[] = [];
      writable.forEach((g, i) => {
        for (const piece of g.pieces) {
          items.push({ targetId: outputs[i].datum.id, metadata: piece.metadata, executionId: args.executionId, source: piece.source, field: `files.${i}`, skipUnchanged: true });
        }
      });
      const applied = items.length ? await applyMetadata(tx, items, this.principal, ['Datum'], { entries: false }) : [];
      // a file's sidecar and manifest lines are separate items: their keys join
      const keys = new Map([...groupBy(applied, (a) => a.target.id)].map(([id, list]) => [id, [...new Set(list.flatMap((a) => a.keys))]]));
      const changes: IngestChange[] = writable.map((g, i) => {
        const { datum, created } = outputs[i];
        const written = keys.get(datum.id) ?? [];
        return { path: g.file.path, datum, keys: written, action: created ? 'CREATE' : written.length ? 'UPDATE_METADATA' : 'UNCHANGED' };
      });
      const report: IngestReport = {
        dryRun,
        written: !dryRun && writable.length > 0,
        created: changes.filter((c) => c.action === 'CREATE').length,
        unchanged: changes.filter((c) => c.action === 'UNCHANGED').length,
        valuesWritten: changes.reduce((n, c) => n + c.keys.length, 0),
        changes,
        problems,
      };
      // a dry run does the work in a transaction that is then rolled back
      if (dryRun) throw new DryRun(report);
      return report;
    }).catch((error) => {
      if (error instanceof DryRun) return { ...error.report, changes: error.report.changes.map((c) => ({ ...c, datum: c.action === 'CREATE' ? null : c.datum })) };
      throw error;
    });
  }
}

/** Carries a dry run's report out of the transaction it rolls back. */
class DryRun extends Error {
  constructor(readonly report: IngestReport) {
    super('dry run');
  }
}
