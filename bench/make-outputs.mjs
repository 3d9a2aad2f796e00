// Writes an outputs folder of N small files in subfolders with a manifest of N lines
// (5 metadata values each, one typed), for measuring `pedigree ingest` at scale.
// Usage: node bench/make-outputs.mjs <dir> [N=100000]
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';

const [dir, n = '100000'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/make-outputs.mjs <dir> [N=100000]');
  process.exit(2);
}
const count = Number(n);
mkdirSync(dir, { recursive: true });
const manifest = createWriteStream(join(dir, 'valohai.metadata.jsonl'));
for (let i = 0; i < count; i++) {
  const folder = `shard-${String(i % 100).padStart(2, '0')}`;
  if (i < 100) mkdirSync(join(dir, folder), { recursive: true });
  const file = `${folder}/part-${i}.bin`;
  writeFileSync(join(dir, file), `row ${i}\n`);
  const metadata = { rows: i, split: i % 10 === 0 ? 'test' : 'train', quality: { score: (i % 97) / 97, size: { $type: 'StorageSize', value: 1000 + i } }, checked: i % 2 === 0 };
  manifest.write(JSON.stringify({ file, metadata }) + '\n');
}
manifest.end(() => console.log(`wrote ${count} files and a ${count}-line manifest under ${dir}`));
