import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { opendir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import type { IngestFile } from './request.js';
import { byFolder, isSidecar, MANIFEST_NAME, namingWarnings, orphanSidecar, parseManifestLine, parseSidecar, sidecarTarget, type IngestProblem } from './parse.js';

/** Every regular file under `dir`, as a relative POSIX path, streamed (no whole listing in memory twice). */
export async function* walk(dir: string, root = dir): AsyncGenerator<string> {
  for await (const entry of await opendir(dir)) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(abs, root);
    else if (entry.isFile()) yield relative(root, abs).split(sep).join('/');
  }
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

export interface FolderProgress {
  start(phase: string, total: number): void;
  tick(n?: number): void;
  stop(): void;
}

export interface FolderContents {
  files: IngestFile[];
  /** What keeps a file (or, with no `output`, the folder) from being ingested as it is. */
  problems: IngestProblem[];
  /** Names that look like metadata but are ingested as data files (`metadata.json`, `x.meta.json`). */
  warnings: IngestProblem[];
}

/**
 * Reads an outputs folder the way Valohai lays it out: every file is an output except
 * sidecars (`<file>.metadata.json`) and the root manifest (`valohai.metadata.jsonl`).
 * Sizes and sha256 are computed here, sidecars and manifest lines are parsed and matched
 * to their files, and every problem is collected with its file and line.
 */
export async function readFolder(dir: string, progress?: FolderProgress): Promise<FolderContents> {
  const outputs: string[] = [];
  const sidecars: string[] = [];
  let hasManifest = false;
  for await (const path of walk(dir)) {
    if (path === MANIFEST_NAME) hasManifest = true;
    else if (isSidecar(path)) sidecars.push(path);
    else outputs.push(path);
  }
  outputs.sort();
  const files = new Map<string, IngestFile>(outputs.map((path) => [path, { path, size: 0, sha256: '' }]));
  const problems: IngestProblem[] = [];
  const folders = byFolder(outputs);
  const warnings = namingWarnings(folders);

  for (const path of sidecars) {
    const target = files.get(sidecarTarget(path));
    if (!target) {
      problems.push(orphanSidecar(path, folders));
      continue;
    }
    const result = parseSidecar(path, await readFile(join(dir, path), 'utf8'));
    problems.push(...result.problems);
    if (result.piece) target.sidecar = result.piece.metadata;
  }

  if (hasManifest) {
    let line = 0;
    const lines = createInterface({ input: createReadStream(join(dir, MANIFEST_NAME)), crlfDelay: Infinity });
    for await (const text of lines) {
      line++;
      const result = parseManifestLine(text, line, (p) => files.has(p));
      problems.push(...result.problems);
      if (result.path && result.piece) {
        const file = files.get(result.path)!;
        (file.manifest ??= []).push({ line, metadata: result.piece.metadata });
      }
    }
  }

  progress?.start('hashing', outputs.length);
  const queue = [...files.values()];
  // a few files at a time: hashing is I/O-bound, and this bounds open descriptors
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const abs = join(dir, file.path);
      file.size = (await stat(abs)).size;
      file.sha256 = await sha256Of(abs);
      progress?.tick();
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  progress?.stop();
  return { files: [...files.values()], problems, warnings };
}
