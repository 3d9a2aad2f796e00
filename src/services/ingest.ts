import type { Executor } from '../db/executor.js';
import { groupBy } from '../domain/group.js';
import { badInput } from '../domain/errors.js';
import { checkBatch } from '../domain/validation.js';
import { MANIFEST_NAME, parseManifest, type IngestProblem, type MetadataPiece } from '../ingest/parse.js';
import { parseMetadata } from '../domain/metadata.js';
import { requireExecution, writeOutputs } from './executions.js';
import { checkOutputs, type CheckedOutput } from '../domain/outputs.js';
import type { IngestArgs, IngestChange, IngestFile, IngestReport } from '../ingest/request.js';
import { applyMetadata, type MetadataItem } from './metadata.js';
import type { Principal } from '../domain/roles.js';

/** What a file's reserved keys do besides values, shown in the report (and in a dry run). */
interface FileActions {
  tags: string[];
  alias: string | null;
  versions: string[];
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
 * files without problems; `dryRun` reports what would change and writes nothing;
 * `validateOnly` answers the problems alone, with no work in the database.
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

    const good: Array<{ file: IngestFile; row: CheckedOutput; pieces: MetadataPiece[]; actions: FileActions }> = [];
    const warnings: IngestProblem[] = [];
    args.files.forEach((file, i) => {
      const before = problems.length;
      let row: CheckedOutput | undefined;
      try {
        [row] = checkOutputs([file], `files.${i}`);
      } catch (error) {
        problems.push({ file: file.path, field: (error as { extensions?: { field?: string } }).extensions?.field, message: (error as Error).message, output: file.path });
      }
      const pieces = piecesOf(file, manifest.pieces.get(file.path) ?? []);
      const actions: FileActions = { tags: [], alias: null, versions: [] };
      const setBy = new Map<string, string>();
      for (const piece of pieces) {
        const where = piece.source === 'SIDECAR' ? `${file.path}.metadata.json` : MANIFEST_NAME;
        const parsed = parseMetadata(piece.metadata);
        for (const p of parsed.problems) problems.push({ file: where, line: piece.line, field: p.field || undefined, message: p.message, output: file.path });
        for (const value of parsed.values) {
          const here = piece.line ? `${where}:${piece.line}` : where;
          const earlier = setBy.get(value.name);
          if (earlier) warnings.push({ file: where, line: piece.line, field: value.name, message: `${value.name} of ${file.path} is also set by ${earlier}; this later value is current and the earlier one is kept as history`, output: file.path });
          setBy.set(value.name, here);
        }
        actions.tags.push(...parsed.actions.tags);
        actions.alias = parsed.actions.alias ?? actions.alias;
        actions.versions.push(...[...parsed.actions.datasetVersions, ...parsed.actions.modelVersions].map((v) => v.uri));
      }
      if (row && problems.length === before) good.push({ file, row, pieces, actions: { ...actions, tags: [...new Set(actions.tags)], versions: [...new Set(actions.versions)] } });
    });
    // a manifest line with a problem may concern a file that is otherwise fine
    const blocked = new Set(problems.map((p) => p.output));
    const writable = good.filter((g) => !blocked.has(g.file.path));
    if (args.validateOnly) return this.validated(args.executionId, problems, warnings, writable.map((g) => g.file.path));
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
          items.push({ targetId: outputs[i].datum.id, targetField: `files.${i}`, metadata: piece.metadata, executionId: args.executionId, source: piece.source, field: `files.${i}`, skipUnchanged: true });
        }
      });
      const applied = items.length ? await applyMetadata(tx, items, this.principal, { labels: ['Datum'], entries: false, repeats: 'history' }) : [];
      // a file's sidecar and manifest lines are separate items: their names join
      const names = new Map([...groupBy(applied, (a) => a.target.id)].map(([id, list]) => [id, [...new Set(list.flatMap((a) => a.names))]]));
      const changes: IngestChange[] = writable.map((g, i) => {
        const { datum, created } = outputs[i];
        const written = names.get(datum.id) ?? [];
        return { path: g.file.path, datum, keys: written, ...g.actions, action: created ? 'CREATE' : written.length ? 'UPDATE_METADATA' : 'UNCHANGED' };
      });
      const report: IngestReport = {
        dryRun,
        written: !dryRun && writable.length > 0,
        created: changes.filter((c) => c.action === 'CREATE').length,
        unchanged: changes.filter((c) => c.action === 'UNCHANGED').length,
        valuesWritten: changes.reduce((n, c) => n + c.keys.length, 0),
        changes,
        problems,
        warnings: warningsOf(warnings, writable.map((g) => g.file.path)),
      };
      // a dry run does the work in a transaction that is then rolled back
      if (dryRun) throw new DryRun(report);
      return report;
    }).catch((error) => {
      if (error instanceof DryRun) return { ...error.report, changes: error.report.changes.map((c) => ({ ...c, datum: c.action === 'CREATE' ? null : c.datum })) };
      throw error;
    });
  }

  /** A `validateOnly` answer: the problems found above, once the execution is known to exist (NOT_FOUND otherwise, as a write would say). */
  private async validated(executionId: string, problems: IngestProblem[], warnings: IngestProblem[], writable: string[]): Promise<IngestReport> {
    await this.executor.read((tx) => requireExecution(tx, executionId));
    return { dryRun: true, written: false, created: 0, unchanged: 0, valuesWritten: 0, changes: [], problems, warnings: warningsOf(warnings, writable) };
  }
}

/** The warnings about files that are (or would be) written; those about files left out go with their problems. */
const warningsOf = (warnings: IngestProblem[], writable: string[]) => {
  const written = new Set(writable);
  return warnings.filter((w) => written.has(w.output!));
};

/** Carries a dry run's report out of the transaction it rolls back. */
class DryRun extends Error {
  constructor(readonly report: IngestReport) {
    super('dry run');
  }
}
