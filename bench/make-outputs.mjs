// Writes an outputs folder of N small files in subfolders with a manifest of N lines
// (5 metadata values each, one typed), for measuring `pedigree ingest` at scale.
// Usage: node bench/make-outputs.mjs <dir> [N=100000]
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { outputFile } from './ingest.mjs';

const [dir, n = '100000'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/make-outputs.mjs <dir> [N=100000]');
  process.exit(2);
}
const count = Number(n);
mkdirSync(dir, { recursive: true });
const manifest = createWriteStream(join(dir, 'valohai.metadata.jsonl'));
for (let i = 0; i < count; i++) {
  const { path, content, metadata } = outputFile(i);
  if (i < 100) mkdirSync(join(dir, dirname(path)), { recursive: true });
  writeFileSync(join(dir, path), content);
  manifest.write(JSON.stringify({ file: path, metadata }) + '\n');
}
manifest.end(() => console.log(`wrote ${count} files and a ${count}-line manifest under ${dir}`));
