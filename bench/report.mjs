// The Markdown form of a results object (the JSON file holds the same numbers).

const ms = (s) => (s ? `${s.p50} / ${s.p95} / ${s.p99}` : '');

export function markdown(results) {
  const { graph, load, apiPeakRssMb, machine, mode } = results;
  const lines = [
    `Mode ${mode}, ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.neo4j}, seed ${results.seed}.`,
    `Graph: ${graph.nodes.toLocaleString('en')} nodes, ${graph.relationships.toLocaleString('en')} relationships ` +
      `(${Object.entries(graph.byLabel).map(([l, n]) => `${l} ${n.toLocaleString('en')}`).join(', ')}).`,
    `Load (batched UNWIND through the driver): ${load.rows.toLocaleString('en')} rows in ${load.seconds.toFixed(1)} s, ` +
      `${load.rowsPerSecond.toLocaleString('en')} rows/s. API peak RSS: ${apiPeakRssMb} MB.`,
    '',
    '| workload | items (first start node) | ours p50 / p95 / p99 ms | raw Cypher p50 / p95 / p99 ms | ours / raw (p50) | round trips |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const w of results.workloads) {
    lines.push(`| ${w.name} | ${w.items ?? ''} | ${ms(w.ours)} | ${ms(w.raw)} | ${w.ratio ?? ''} | ${w.roundTrips} |`);
  }
  return lines.join('\n');
}
