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
