// The peer side by side: the nested lists and the upstream walks of workloads.mjs asked
// of @neo4j/graphql (bench/peer-process.mjs, schema in bench/peer-schema.mjs) serving the
// same graph, timed in turns with ours, so `ours / @neo4j/graphql` compares the two under
// the same background load.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_DEPTHS } from './peer-schema.mjs';
import { graphqlClient, startServerProcess } from './server-process.mjs';
import { peerTarget, targetCell } from './targets.mjs';
import { ms, p50Ratio, peerRunPlan, timeInTurns } from './timing.mjs';
import { workloads } from './workloads.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));

const lineageQuery = (depth) => `query ($id: ID!) {
  datums(where: {id: {eq: $id}}) {
    upstream${depth}(limit: 10000) { id kind distance frontier uri path name status edges { from to type inputName } }
  }
}`;

// The metadata predicate is a generated filter too: the current entries are a relationship
// in the peer's schema, and `some` with two conditions is our `{key: "quality", gt: 0.2}`
// (on the value's name, which the Current indexes cover, as ours does).
const LIST_QUERY = `query ($first: Int!, $tag: String!) {
  datumsConnection(
    first: $first
    where: {project: {eq: "bench"}, tags: {some: {name: {eq: $tag}}}, metadata: {some: {name: {eq: "quality"}, num: {gt: 0.2}}}}
    sort: [{createdAt: DESC}, {id: DESC}]
  ) {
    edges { node { id uri path producer { id name } tags { name } aliases { name } } }
  }
}`;

/**
 * The peer's form of each workload it can answer, keyed by our workload's name. The
 * variables come from our own side at the same `i` (captured from a probe copy of the
 * workloads that sends nothing), so both sides see the same start node, depth and tag.
 */
function peerWorkloads({ graph, quick, peerGql }) {
  let captured;
  const probe = workloads({ graph, quick, gql: async (_query, variables) => void (captured = variables), cypher: async () => {} });
  const variablesAt = async (w, i) => {
    captured = undefined;
    await w.ours(i);
    if (!captured) throw new Error(`'${w.name}' sent no GraphQL variables to hand to the peer`);
    return captured;
  };
  const peer = new Map();
  for (const w of probe) {
    if (/^lineage upstream depth \d+$/.test(w.name)) {
      peer.set(w.name, {
        once: async (i) => {
          const { id, depth } = await variablesAt(w, i);
          if (!PEER_DEPTHS.includes(depth)) throw new Error(`the peer's schema has no upstream${depth} field (depths: ${PEER_DEPTHS})`);
          return peerGql(lineageQuery(depth), { id });
        },
        size: (data) => {
          if (data.datums.length !== 1) throw new Error(`'${w.name}' starts from a node the peer has no Datum for`);
          // less the root, which the peer lists to carry its edges and ours does not
          return Object.values(data.datums[0])[0].length - 1;
        },
      });
    } else if (/^nested list of \d+ datums/.test(w.name)) {
      peer.set(w.name, {
        once: async (i) => {
          const { first, tag } = await variablesAt(w, i);
          return peerGql(LIST_QUERY, { first, tag });
        },
        size: (data) => data.datumsConnection.edges.length,
      });
    }
  }
  return peer;
}

/**
 * Times ours against the peer for every workload the peer answers. `gql` is ours (the
 * runner's, token included); `runs` is the runner's {light, heavy} warm-up and run counts.
 * Returns {version, peakRssMb, workloads: [{name, items, peerItems, ours, peer, ratio, roundTrips, cypher}]}:
 * `ratio` is ours / peer at p50, `roundTrips` and `cypher` the peer's statements for one request.
 */
export async function comparePeer({ uri, graph, gql, quick, runs, log }) {
  const peer = await startServerProcess('peer-process.mjs', { ...process.env, NEO4J_URI: uri, NODE_ENV: 'production' }, 'the @neo4j/graphql process');
  try {
    const peerGql = graphqlClient(peer.url, '@neo4j/graphql');
    const peerOf = peerWorkloads({ graph, quick, peerGql });
    const measured = [];
    for (const w of workloads({ graph, gql, cypher: async () => {}, quick })) {
      const p = peerOf.get(w.name);
      if (!p) continue;
      // The first request of a process also asks for the server version (once): not counted.
      // A request the peer cannot answer at all (on graph M its list of 500 needs more than
      // Neo4j's 1 GiB per transaction) is a result too: the row says why, and the run goes on.
      try {
        await p.once(0);
      } catch (error) {
        const failed = error.errors?.[0]?.message ?? error.message;
        measured.push({ name: w.name, failed });
        log(`${w.name}: @neo4j/graphql failed: ${failed}`);
        continue;
      }
      await peer.ask('reset');
      let started = performance.now();
      const peerData = await p.once(0);
      const firstMs = performance.now() - started;
      const { statements } = await peer.ask('stats');
      const { cypher } = await peer.ask('cypher');
      const ourData = await w.ours(0);
      started = performance.now();
      const timed = await timeInTurns({ ours: w.ours, peer: p.once }, peerRunPlan(w, runs, { firstMs, quick }));
      const ratio = p50Ratio(timed.ours, timed.peer);
      const row = { name: w.name, items: w.size?.(ourData), peerItems: p.size(peerData), ...timed, ratio, roundTrips: statements, cypher };
      measured.push({ ...row, target: peerTarget(row) });
      log(`${w.name}: ours p50 ${timed.ours.p50} ms, @neo4j/graphql p50 ${timed.peer.p50} ms (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    const { peakRssBytes } = await peer.ask('stats');
    const { version } = JSON.parse(readFileSync(join(benchDir, 'node_modules', '@neo4j', 'graphql', 'package.json'), 'utf8'));
    return { version, peakRssMb: Math.round(peakRssBytes / 2 ** 20), workloads: measured };
  } finally {
    await peer.close();
  }
}


/** The comparison as a Markdown table; our round trips come from the main table's rows. */
export function peerMarkdown(results) {
  const { peer } = results;
  const ourRoundTrips = new Map(results.workloads.map((w) => [w.name, w.roundTrips]));
  const lines = [
    `@neo4j/graphql ${peer.version} over the same graph (peak RSS ${peer.peakRssMb} MB), timed in turns with ours:`,
    '',
    '| workload | items ours / peer | ours p50 / p95 / p99 ms | @neo4j/graphql p50 / p95 / p99 ms | ours / @neo4j/graphql (p50) | round trips ours / peer | target |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const w of peer.workloads) {
    if (w.failed) {
      lines.push(`| ${w.name} | | | failed: ${w.failed} | | | |`);
      continue;
    }
    lines.push(`| ${w.name} | ${w.items ?? ''} / ${w.peerItems} | ${ms(w.ours)} | ${ms(w.peer)} | ${w.ratio} | ${ourRoundTrips.get(w.name) ?? ''} / ${w.roundTrips} | ${targetCell(w.target)} |`);
  }
  return lines.join('\n');
}
