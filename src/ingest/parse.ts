import { parseTree, type ParseError } from 'jsonc-parser';
import { groupBy } from '../domain/group.js';
import { parseMetadata } from '../metadata/rules.js';

/**
 * Reading Valohai's two metadata forms, shared by `pedigree ingest` and the
 * `ingestOutputs` mutation: sidecars (`<file>.metadata.json` beside `<file>`) and one
 * manifest (`valohai.metadata.jsonl` at the folder's root, a `{"file", "metadata"}`
 * object per line). Nothing throws: every problem is collected with its file and line,
 * so a user can fix a whole folder in one pass.
 */
export const MANIFEST_NAME = 'valohai.metadata.jsonl';
export const SIDECAR_SUFFIX = '.metadata.json';

export interface IngestProblem {
  /** The file the problem is in (an output, a sidecar, or the manifest). */
  file: string;
  line?: number;
  /** Where inside the metadata: `model_metrics.accuracy`, `valohai.tags`. */
  field?: string;
  message: string;
  /** The output the problem concerns, where it can be told (left out by --allow-partial). */
  output?: string;
}

/** Metadata for one output, in the order it applies (later keys win). */
export interface MetadataPiece {
  source: 'SIDECAR' | 'MANIFEST';
  line?: number;
  metadata: Record<string, unknown>;
}

export const isSidecar = (path: string) => path.endsWith(SIDECAR_SUFFIX);
export const sidecarTarget = (path: string) => path.slice(0, -SIDECAR_SUFFIX.length);

/** The 1-based line of the first syntax error (JSON.parse does not always say where). */
function errorLine(text: string): number | undefined {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  return errors.length ? text.slice(0, errors[0].offset).split('\n').length : undefined;
}

/** Where a line holds two JSON values with no newline between them, say so in those words. */
function gluedObjects(line: string): boolean {
  for (let i = line.indexOf('}'); i !== -1; i = line.indexOf('}', i + 1)) {
    const rest = line.slice(i + 1).trimStart();
    if (!rest.startsWith('{')) continue;
    try {
      JSON.parse(line.slice(0, i + 1));
      return true;
    } catch {
      // not a complete object yet: look further along the line
    }
  }
  return false;
}

/** Metadata problems, reported against the file and line they came from. */
function metadataProblems(file: string, line: number | undefined, metadata: unknown, output: string): IngestProblem[] {
  return parseMetadata(metadata).problems.map((p) => ({ file, line, field: p.field || undefined, message: p.message, output }));
}

/** A sidecar's text: one JSON object of metadata for the file beside it. */
export function parseSidecar(file: string, text: string): { piece?: MetadataPiece; problems: IngestProblem[] } {
  let metadata: unknown;
  try {
    metadata = JSON.parse(text);
  } catch (error) {
    return { problems: [{ file, line: errorLine(text), message: `invalid JSON: ${(error as Error).message}`, output: sidecarTarget(file) }] };
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { problems: [{ file, message: 'a sidecar must hold one JSON object of metadata', output: sidecarTarget(file) }] };
  }
  const problems = metadataProblems(file, undefined, metadata, sidecarTarget(file));
  return problems.length ? { problems } : { piece: { source: 'SIDECAR', metadata: metadata as Record<string, unknown> }, problems };
}

/**
 * One manifest line. Empty lines are fine. `outputs` answers whether a relative path is
 * an output of this ingestion (subfolder files are named by their relative path).
 */
export function parseManifestLine(text: string, line: number, outputs: (path: string) => boolean, file = MANIFEST_NAME): { path?: string; piece?: MetadataPiece; problems: IngestProblem[] } {
  if (text.trim() === '') return { problems: [] };
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch (error) {
    const message = gluedObjects(text)
      ? 'two JSON objects on one line: a newline is missing between them'
      : `invalid JSON: ${(error as Error).message}`;
    return { problems: [{ file, line, message }] };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { problems: [{ file, line, message: 'each line must be an object {"file": "<relative path>", "metadata": {…}}' }] };
  }
  const { file: path, metadata } = entry as Record<string, unknown>;
  if (typeof path !== 'string' || path === '') return { problems: [{ file, line, field: 'file', message: '"file" must name an output by its relative path' }] };
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { problems: [{ file, line, field: 'metadata', message: '"metadata" must be a JSON object', output: path }] };
  }
  const normal = path.replace(/^\.\//, '');
  if (!outputs(normal)) return { problems: [{ file, line, field: 'file', message: `"file" names no output of this ingestion: ${JSON.stringify(path)}` }] };
  const problems = metadataProblems(file, line, metadata, normal);
  return problems.length ? { problems } : { path: normal, piece: { source: 'MANIFEST', line, metadata: metadata as Record<string, unknown> }, problems };
}

/** A whole manifest text (the mutation's `manifest` argument), split by output path. */
export function parseManifest(text: string, outputs: (path: string) => boolean): { pieces: Map<string, MetadataPiece[]>; problems: IngestProblem[] } {
  const results = text.split('\n').map((raw, i) => parseManifestLine(raw.replace(/\r$/, ''), i + 1, outputs));
  const matched = results.filter((r) => r.path && r.piece);
  return {
    pieces: new Map([...groupBy(matched, (r) => r.path!)].map(([path, rs]) => [path, rs.map((r) => r.piece!)])),
    problems: results.flatMap((r) => r.problems),
  };
}
