// Compares two results files row by row (same mode and seed, so the same graph and start
// nodes) and prints a Markdown table: each latency row's p50 before and after on both
// sides, and whether it is slower or faster beyond noise.
//
//   node bench/compare.mjs bench/results/<before>.json bench/results/<after>.json
//
// Noise: the raw Cypher side is timed in turns with ours, so when the machine is busier
// (other work on the shared cores, a Neo4j checkpoint) both sides slow down together. A row
// is slower (faster) beyond noise when our p50 moved by more than NOISE in that direction,
// by more than FLOOR_MS, and our ratio to the raw side moved the same way by more than
// NOISE too: then it is the API that changed, not the machine. Rows without a raw side
// (throughput, compare-and-set, ingest) are compared on their own numbers with the same
// threshold, which makes them the weakest evidence in the table.
import { readFileSync } from 'node:fs';

const NOISE = 0.1;
const FLOOR_MS = 0.5;

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  console.error('usage: node bench/compare.mjs <before.json> <after.json>');
  process.exit(2);
}
const before = JSON.parse(readFileSync(beforeFile, 'utf8'));
const after = JSON.parse(readFileSync(afterFile, 'utf8'));
if (before.mode !== after.mode || before.seed !== after.seed) console.error(`warning: comparing mode ${before.mode} seed ${before.seed} with mode ${after.mode} seed ${after.seed}`);

const pct = (x) => `${x >= 1 ? '+' : ''}${Math.round((x - 1) * 100)} %`;
const moved = (x) => (x > 1 + NOISE ? 1 : x < 1 / (1 + NOISE) ? -1 : 0);
const VERDICT = { 1: '**slower**', 0: 'same', [-1]: 'faster' };

/**
 * The raw side to compare: a lineage row has the walk returning only the selected fields
 * in `raw` (`rawKind: 'projected'`) and the whole-node walk in `rawWhole`; files before it
 * have the whole-node walk in `raw`, so against one of them the whole-node walk is used.
 */
const likeFor = (w, other) => (w.rawKind && !other.rawKind ? { ...w, raw: w.rawWhole, ratio: w.ratioWhole } : w);

/** A latency row against its raw side: both must move together for the machine to explain it. */
function latency(before, after) {
  const [b, a] = [likeFor(before, after), likeFor(after, before)];
  const ours = a.ours.p50 / b.ours.p50;
  const ratio = a.ratio / b.ratio;
  const direction = moved(ours) === moved(ratio) && Math.abs(a.ours.p50 - b.ours.p50) > FLOOR_MS ? moved(ours) : 0;
  return [
    `${b.ours.p50} → ${a.ours.p50} (${pct(ours)})`,
    `${b.raw.p50} → ${a.raw.p50} (${pct(a.raw.p50 / b.raw.p50)})`,
    `${b.ratio} → ${a.ratio}`,
    VERDICT[direction],
  ];
}

/** A row with no control: `higherIsBetter` for rates. */
function alone(b, a, higherIsBetter) {
  const change = higherIsBetter ? b / a : a / b;
  return VERDICT[moved(change)];
}

const rows = [];
const previous = new Map(before.workloads.map((w) => [w.name, w]));
for (const w of after.workloads) {
  const b = previous.get(w.name);
  if (b) rows.push([w.name, b.items ?? '', w.items ?? '', ...latency(b, w)]);
}
// older files hold some sections in another shape (a single throughput row): what does not match is left out
const list = (x) => [].concat(x ?? []);
const cas = (c) => `compare-and-set, ${c.writers} writers on ${c.aliases} alias${c.aliases > 1 ? 'es' : ''}: setAlias p50`;
for (const c of list(after.aliasCas)) {
  const b = list(before.aliasCas).find((x) => x.writers === c.writers && x.aliases === c.aliases);
  if (b) rows.push([cas(c), '', '', `${b.latency.p50} → ${c.latency.p50} (${pct(c.latency.p50 / b.latency.p50)})`, '', '', alone(b.latency.p50, c.latency.p50, false)]);
}
for (const t of list(after.throughput)) {
  const b = list(before.throughput).find((x) => x.name === t.name);
  if (b) rows.push([`${t.name}: req/s`, '', '', `${b.requestsPerSecond} → ${t.requestsPerSecond} (${pct(t.requestsPerSecond / b.requestsPerSecond)})`, '', '', alone(b.requestsPerSecond, t.requestsPerSecond, true)]);
}
const [bi, ai] = [before.ingest, after.ingest];
if (bi?.api && ai?.error) rows.push(['manifest ingest: API rows/s', '', '', `${bi.api.rowsPerSecond} → failed: ${ai.error}`, '', '', VERDICT[1]]);
if (bi?.api && ai?.api) rows.push(['manifest ingest: API rows/s', '', '', `${bi.api.rowsPerSecond} → ${ai.api.rowsPerSecond} (${pct(ai.api.rowsPerSecond / bi.api.rowsPerSecond)})`, `${bi.raw.rowsPerSecond} → ${ai.raw.rowsPerSecond} (${pct(ai.raw.rowsPerSecond / bi.raw.rowsPerSecond)})`, `${bi.ratio} → ${ai.ratio}`, moved(bi.ratio / ai.ratio) === 1 && moved(bi.api.rowsPerSecond / ai.api.rowsPerSecond) === 1 ? VERDICT[1] : moved(ai.ratio / bi.ratio) === 1 && moved(ai.api.rowsPerSecond / bi.api.rowsPerSecond) === 1 ? VERDICT[-1] : VERDICT[0]]);

const header = ['row', 'items before', 'items after', 'ours p50 ms, before → after', 'raw p50 ms, before → after', 'ours / raw, before → after', 'verdict'];
console.log(`Before: ${beforeFile.split('/').pop()} (${before.date}); after: ${afterFile.split('/').pop()} (${after.date}).`);
console.log(`Beyond noise: our p50 moved more than ${NOISE * 100} % and ${FLOOR_MS} ms, and our ratio to the raw side moved the same way more than ${NOISE * 100} %.\n`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, i) => (i ? '---:' : '---')).join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const slower = rows.filter((r) => r.at(-1) === VERDICT[1]).map((r) => r[0]);
console.log(`\nSlower beyond noise: ${slower.length ? slower.join('; ') : 'none'}.`);
