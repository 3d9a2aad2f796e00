// Latency of one request at a time: warm-up runs first (JIT, query plans, page cache),
// then timed runs, reported as nearest-rank percentiles in milliseconds. The API and the
// raw Cypher side take turns run by run, so background work in Neo4j (checkpoints, GC)
// lands on both sides alike instead of on whichever happened to run at that moment.

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarise(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (ms) => Math.round(ms * 100) / 100;
  return { runs: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)) };
}

/**
 * Runs each of `sides` ({name: once(i)}) `warmup + runs` times, alternating; `i` counts
 * from 0 so callers can rotate inputs, and both sides see the same input at the same `i`.
 */
export async function timeInTurns(sides, { warmup, runs }) {
  const samples = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [name, once] of Object.entries(sides)) {
      const started = performance.now();
      await once(i);
      if (i >= warmup) samples[name].push(performance.now() - started);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarise(s)]));
}

/** `a`'s p50 over `b`'s, to two decimals: the ratio every table reports. */
export const p50Ratio = (a, b) => Math.round((a.p50 / b.p50) * 100) / 100;

/** A summary as a table cell: p50 / p95 / p99. */
export const ms = (s) => (s ? `${s.p50} / ${s.p95} / ${s.p99}` : '');

/** The warm-up and runs of a workload: its own, else the heavy or the light plan. */
export const runPlan = (w, runs) => w.runs ?? (w.heavy ? runs.heavy : runs.light);

/**
 * A peer request slower than this gets fewer runs, so that quick mode stays within minutes
 * (@neo4j/graphql's nested lists take seconds each on graph S); the row's `runs` says how many.
 */
const SLOW_MS = 1_000;
const SLOW_RUNS = { quick: { warmup: 0, runs: 2 }, full: { warmup: 0, runs: 3 } };

/** The plan of a row timed against a peer, whose first answer took `firstMs`. */
export const peerRunPlan = (w, runs, { firstMs, quick }) => (firstMs > SLOW_MS ? SLOW_RUNS[quick ? 'quick' : 'full'] : runPlan(w, runs));
