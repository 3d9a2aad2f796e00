import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { groupBy } from '../domain/group.js';
import { parseMetadata } from '../domain/metadata.js';

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

/** A relative path's folder (with its trailing slash, '' at the root) and file name. */
function split(path: string): [dir: string, base: string] {
  const cut = path.lastIndexOf('/') + 1;
  return [path.slice(0, cut), path.slice(cut)];
}

/** The warning for an output whose name looks like metadata, saying what it was probably meant to be; null for any other name. */
function misnamed(path: string, siblings: string[]): string | null {
  const [dir, base] = split(path);
  const asData = 'ingested as a data file, not read as metadata';
  if (base === 'metadata.json') {
    const others = siblings.filter((s) => s !== base && !misnamed(dir + s, []));
    const hint = others.length === 1 ? `; did you mean ${dir}${others[0]}${SIDECAR_SUFFIX}?` : '';
    return `${asData}: a sidecar is named after the file it describes (<file>${SIDECAR_SUFFIX})${hint}`;
  }
  if (base.endsWith('.meta.json') && base !== '.meta.json') {
    return `${asData}: sidecars end in ${SIDECAR_SUFFIX}; did you mean ${dir}${base.slice(0, -'.meta.json'.length)}${SIDECAR_SUFFIX}?`;
  }
  if (base === MANIFEST_NAME) return `${asData}: the manifest is read only at the folder's root`;
  return null;
}

/** The outputs of a folder by subfolder, for the look-ups of sibling files below. */
export function byFolder(outputs: Iterable<string>): Map<string, string[]> {
  const folders = new Map<string, string[]>();
  for (const path of outputs) {
    const [dir, base] = split(path);
    if (!folders.has(dir)) folders.set(dir, []);
    folders.get(dir)!.push(base);
  }
  return folders;
}

/**
 * Outputs whose names look like metadata but are not read as metadata, the naming mistakes
 * Valohai's docs warn about: `metadata.json`, `<file>.meta.json`, a manifest in a
 * subfolder. They are still data files (a model's own `metadata.json` is one), so these
 * are warnings, each naming the output it concerns.
 */
export function namingWarnings(folders: Map<string, string[]>): IngestProblem[] {
  const warnings: IngestProblem[] = [];
  for (const [dir, names] of folders) {
    for (const name of names) {
      const message = misnamed(dir + name, names);
      if (message) warnings.push({ file: dir + name, message, output: dir + name });
    }
  }
  return warnings;
}

/**
 * A sidecar whose file is missing. `model.metadata.json` beside `model.pkl` most likely
 * meant `model.pkl.metadata.json`: the problem says so and names model.pkl, so that
 * --allow-partial does not write model.pkl without the metadata meant for it.
 */
export function orphanSidecar(path: string, folders: Map<string, string[]>): IngestProblem {
  const [dir, stem] = split(sidecarTarget(path));
  const namesakes = (folders.get(dir) ?? []).filter((name) => name.startsWith(`${stem}.`)).map((name) => dir + name);
  const problem: IngestProblem = { file: path, message: `sidecar for a missing file: no output named ${JSON.stringify(dir + stem)}` };
  if (path === `valohai${SIDECAR_SUFFIX}`) return { ...problem, message: `${problem.message}; did you mean the manifest ${MANIFEST_NAME} (one JSON object per line)?` };
  if (namesakes.length === 1) return { ...problem, message: `${problem.message}; did you mean ${namesakes[0]}${SIDECAR_SUFFIX}?`, output: namesakes[0] };
  if (namesakes.length) return { ...problem, message: `${problem.message}; did you mean one of ${namesakes.map((n) => n + SIDECAR_SUFFIX).join(', ')}?` };
  return problem;
}

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

/**
 * The `file` of every object on a line that does not parse, as far as a tolerant parse can
 * read it: `{"file": "b.txt", "metadata": {` names b.txt, and two glued objects name both.
 * Their metadata is lost with the line, so those files are the ones the problem concerns.
 */
export function filesNamedIn(line: string): string[] {
  const names: string[] = [];
  let rest = line;
  // each pass reads one object; a glued one after it is where the parser expected the end
  while (rest.trim()) {
    const errors: ParseError[] = [];
    const root = parseTree(rest, errors, { disallowComments: true });
    for (const property of root?.type === 'object' ? (root.children ?? []) : []) {
      const [key, value] = property.children ?? [];
      if (key?.value === 'file' && value?.type === 'string' && value.value) names.push(value.value);
    }
    const next = errors.find((e) => printParseErrorCode(e.error) === 'EndOfFileExpected')?.offset ?? 0;
    if (next <= 0) break;
    rest = rest.slice(next);
  }
  return names;
}

const normalPath = (path: string) => path.replace(/^\.\//, '');

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
    // the files the broken line names lose their metadata with it: the problem is theirs
    const named = [...new Set(filesNamedIn(text).map(normalPath))].filter(outputs);
    return { problems: named.length ? named.map((output) => ({ file, line, message, output })) : [{ file, line, message }] };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { problems: [{ file, line, message: 'each line must be an object {"file": "<relative path>", "metadata": {…}}' }] };
  }
  const { file: path, metadata } = entry as Record<string, unknown>;
  if (typeof path !== 'string' || path === '') return { problems: [{ file, line, field: 'file', message: '"file" must name an output by its relative path' }] };
  const normal = normalPath(path);
  if (!outputs(normal)) return { problems: [{ file, line, field: 'file', message: `"file" names no output of this ingestion: ${JSON.stringify(path)}` }] };
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { problems: [{ file, line, field: 'metadata', message: '"metadata" must be a JSON object', output: normal }] };
  }
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
