// The second peer: Google ML Metadata (MLMD), what TFX and Kubeflow Pipelines keep lineage
// in, on SQLite, holding the same generated graph (bench/mlmd/store.py says how it is
// mapped). Its Python runs as one long-lived process answering JSON lines on stdin and
// stdout, so Python's start-up is not timed; each request is timed in the bench from
// writing the request to parsing the answer, as our side is timed from sending the HTTP
// request to parsing its JSON, and the MLMD calls alone are timed inside Python too.
//
// MLMD is the bench's own Python package, in bench/.venv, made from
// bench/mlmd/requirements.txt on first use and again whenever that file changes. When the
// venv cannot be made or pip cannot install into it (no network, no wheel for this Python),
// the MLMD rows are skipped with the reason, printed and written to the results; anything
// that goes wrong after that fails the bench.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { peerTarget, targetCell } from './targets.mjs';
import { ms, p50Ratio, peerRunPlan, summarise, timeInTurns } from './timing.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const venv = join(benchDir, '.venv');
const python = join(venv, 'bin', 'python');
const requirements = join(benchDir, 'mlmd', 'requirements.txt');
/** What was installed last, compared with the requirements file to know when to install again. */
const installed = join(venv, 'requirements.installed.txt');
const script = join(benchDir, 'mlmd', 'store.py');

const tail = (text, lines = 15) => text.trim().split('\n').slice(-lines).join('\n');

/**
 * The venv with MLMD, made or brought up to date: {python} when it is ready, {skipped}
 * (the reason) when Python cannot make it or pip cannot install the requirements.
 */
export function mlmdVenv(log) {
  const wanted = readFileSync(requirements, 'utf8');
  if (existsSync(python) && existsSync(installed) && readFileSync(installed, 'utf8') === wanted) return { python };
  log('installing ML Metadata into bench/.venv (bench/mlmd/requirements.txt), once');
  // pip's progress goes to the bench's stderr: stdout carries the report
  const run = (command, args) => spawnSync(command, args, { stdio: ['ignore', 2, 'pipe'], encoding: 'utf8' });
  const made = run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv]);
  if (made.status !== 0) return { skipped: `${process.env.PYTHON ?? 'python3'} -m venv bench/.venv failed (${made.error?.message ?? `exit ${made.status}`}): ${tail(made.stderr ?? '')}` };
  const pip = run(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--no-input', '-r', requirements]);
  process.stderr.write(pip.stderr ?? '');
  if (pip.status !== 0) return { skipped: `pip could not install bench/mlmd/requirements.txt into bench/.venv (${pip.error?.message ?? `exit ${pip.status}`}): ${tail(pip.stderr ?? '')}` };
  writeFileSync(installed, wanted);
  return { python };
}

/**
 * The generated graph as the JSON lines store.py loads, in the order it needs them:
 * contexts and nodes before the events and attributions that name them.
 */
async function writeGraph(graph, file) {
  const out = createWriteStream(file);
  const write = (record) => (out.write(`${JSON.stringify(record)}\n`) ? null : new Promise((resolve) => out.once('drain', resolve)));
  const metadata = new Map(graph.nodes.MetadataEntry.map(({ target, entries }) => [target, entries]));
  const at = (iso) => Date.parse(iso);
  for (const t of graph.nodes.Tag) await write({ k: 'tag', id: t.id, name: t.name });
  for (const d of graph.nodes.Datum) {
    const meta = Object.fromEntries((metadata.get(d.id) ?? []).map((e) => [e.name, e.num ?? e.str ?? e.bool]));
    await write({ k: 'datum', ...d, meta });
  }
  for (const e of graph.nodes.Execution) await write({ k: 'execution', ...e });
  for (const v of graph.nodes.Model.flatMap((m) => m.versions)) await write({ k: 'version', ...v });
  for (const r of graph.rels.PRODUCED_BY) await write({ k: 'produced', datum: r.from, execution: r.to, at: at(r.at) });
  for (const r of graph.rels.CONSUMED_BY) await write({ k: 'read', datum: r.from, execution: r.to, inputName: r.inputName, at: at(r.at) });
  for (const r of graph.rels.CONTAINS) await write({ k: 'contains', version: r.from, datum: r.to, at: at(r.at) });
  for (const r of graph.rels.TAGGED) await write({ k: 'tagged', from: r.from, to: r.to });
  for (const a of graph.nodes.Alias) await write({ k: 'alias', name: a.name, target: a.target });
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

/** Runs store.py to its end; resolves with its last stdout line, parsed. */
function runScript(args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${what} exited with code ${code}`))));
  });
}

/** The long-lived MLMD process: `ask` writes one request line and resolves with its answer line. */
async function startServe(db) {
  const child = spawn(python, [script, 'serve', db], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let exited = null;
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.once('exit', (code) => {
    exited = new Error(`the MLMD process exited with code ${code}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const next = () => new Promise((resolve, reject) => (exited ? reject(exited) : waiting.push({ resolve, reject })));
  const ask = async (request) => {
    const answer = next();
    child.stdin.write(`${JSON.stringify(request)}\n`);
    const result = await answer;
    if (result.error) throw new Error(`MLMD ${request.op}: ${result.error}`);
    return result;
  };
  await next(); // {ready}
  const close = async () => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await gone;
  };
  return { ask, close };
}

/**
 * Writes the graph into an MLMD store on SQLite in `dir`, in a process of its own (so the
 * answering process's peak RSS is its own, as the API's does not hold the Neo4j load).
 * Resolves with the store's file and {records, artifacts, executions, seconds, peakRssMb}.
 */
export async function loadMlmd({ graph, dir, log }) {
  const db = join(dir, 'mlmd.sqlite');
  const file = join(dir, 'graph.jsonl');
  let started = performance.now();
  await writeGraph(graph, file);
  const written = (performance.now() - started) / 1000;
  started = performance.now();
  const { peakRssBytes, ...loaded } = await runScript(['load', db, file], 'the MLMD load');
  const load = { ...loaded, seconds: Math.round((performance.now() - started) / 100) / 10, peakRssMb: Math.round(peakRssBytes / 2 ** 20) };
  rmSync(file);
  log(`loaded ${load.artifacts} artifacts and ${load.executions} executions into MLMD in ${load.seconds} s (the file written in ${written.toFixed(1)} s)`);
  return { db, load };
}

/** The MLMD form of a workload: a lineage row from a fixed start node, or a nested list. */
function mlmdRequests(w) {
  if (w.lineage) {
    const { startNode: id, direction, depth } = w.lineage;
    // a hop is one event (artifact to execution or back): our depth counts datum to datum
    const request = { op: 'lineage', id, direction, hops: 2 * depth };
    return [{ name: w.name, request, items: (answer) => answer.nodes.length - 1 }];
  }
  if (w.list) {
    const { first, tag } = w.list;
    return [
      { name: w.name, request: { op: 'list', first, tag, nested: true }, items: (answer) => answer.rows.length },
      { name: `${w.name}, MLMD's filtered get_artifacts alone`, request: { op: 'list', first, tag, nested: false }, items: (answer) => answer.rows.length, alone: true },
    ];
  }
  return [];
}

/**
 * Whether MLMD's walk reached the nodes ours did: our answer (the root left out, at most
 * the limit) against MLMD's (the root and the executions that register model versions
 * left out). Null when ours was truncated, since MLMD has no limit to cut at the same place.
 */
function sameNodes(ours, answer, root) {
  if (ours.lineage.truncated) return null;
  const mine = new Set(ours.lineage.nodes.map((n) => n.id));
  const theirs = new Set(answer.nodes.map((n) => n.id).filter((id) => id !== root && !id.startsWith('register-')));
  const onlyOurs = [...mine].filter((id) => !theirs.has(id)).length;
  const onlyMlmd = [...theirs].filter((id) => !mine.has(id)).length;
  return { same: onlyOurs === 0 && onlyMlmd === 0, onlyOurs, onlyMlmd };
}

/**
 * Loads the graph into MLMD and times each lineage row (same start node, direction and
 * depth) and each nested list against ours, in turns. `all` is the runner's workloads;
 * `runs` its {light, heavy} warm-up and run counts. Call after mlmdVenv said the venv is
 * ready. Returns {version, load, peakRssMb, workloads}.
 */
export async function compareMlmd({ graph, all, quick, runs, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'pedigree-bench-mlmd-'));
  try {
    const { db, load } = await loadMlmd({ graph, dir, log });
    let started;
    const mlmd = await startServe(db);
    try {
      const measured = [];
      for (const w of all) {
        for (const m of mlmdRequests(w)) {
          const calls = [];
          const once = async () => {
            const answer = await mlmd.ask(m.request);
            calls.push(answer.ms);
            return answer;
          };
          started = performance.now();
          const answer = await once();
          const firstMs = performance.now() - started;
          const ourData = await w.ours(0);
          const check = w.lineage ? sameNodes(ourData, answer, w.lineage.startNode) : null;
          if (check && !check.same) log(`${m.name}: MLMD's walk differs from ours: ${check.onlyOurs} nodes only ours, ${check.onlyMlmd} only MLMD's`);
          const plan = peerRunPlan(w, runs, { firstMs, quick });
          calls.length = 0;
          started = performance.now();
          const timed = await timeInTurns({ ours: w.ours, mlmd: once }, plan);
          const ratio = p50Ratio(timed.ours, timed.mlmd);
          const row = {
            name: m.name, request: m.request, alone: m.alone ?? false, items: w.size?.(ourData), mlmdItems: m.items(answer), sameNodes: check,
            ...timed, mlmdCall: summarise(calls.slice(plan.warmup)), mlmdCalls: answer.calls ?? 1, ratio,
          };
          measured.push({ ...row, target: m.alone ? null : peerTarget(row) });
          log(`${m.name}: ours p50 ${timed.ours.p50} ms, MLMD p50 ${timed.mlmd.p50} ms (its calls ${row.mlmdCall.p50}) (${((performance.now() - started) / 1000).toFixed(1)} s)`);
        }
      }
      const { peakRssBytes } = await mlmd.ask({ op: 'stats' });
      const version = /^ml-metadata==(\S+)$/m.exec(readFileSync(requirements, 'utf8'))[1];
      return { version, load, peakRssMb: Math.round(peakRssBytes / 2 ** 20), workloads: measured };
    } finally {
      await mlmd.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


/** The comparison as Markdown; our round trips come from the main table's rows. */
export function mlmdMarkdown(results) {
  const { mlmd } = results;
  if (!mlmd) return '';
  if (mlmd.skipped) return `ML Metadata: **skipped**: ${mlmd.skipped}`;
  const lines = [
    `ML Metadata ${mlmd.version} on SQLite over the same graph (loaded in ${mlmd.load.seconds} s, the load's own process peaking at ${mlmd.load.peakRssMb} MB; ` +
      `the answering process's peak RSS ${mlmd.peakRssMb} MB), timed in turns with ours; MLMD's time is the bench's request to its parsed answer, ` +
      'its calls alone are timed inside Python:',
    '',
    '| workload | items ours / MLMD | same nodes | ours p50 / p95 / p99 ms | MLMD p50 / p95 / p99 ms | its calls alone p50 ms | MLMD calls | ours / MLMD (p50) | target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const w of mlmd.workloads) {
    const same = w.sameNodes === null || w.sameNodes === undefined ? '' : w.sameNodes.same ? 'yes' : `no (${w.sameNodes.onlyOurs} only ours, ${w.sameNodes.onlyMlmd} only MLMD's)`;
    lines.push(`| ${w.name} | ${w.items ?? ''} / ${w.mlmdItems} | ${same} | ${ms(w.ours)} | ${ms(w.mlmd)} | ${w.mlmdCall.p50} | ${w.mlmdCalls} | ${w.ratio} | ${targetCell(w.target)} |`);
  }
  return lines.join('\n');
}
