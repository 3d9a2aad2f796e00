// Alias compare-and-set under contention through the API: each writer reads the alias,
// then moves it with `expectedDatumId` set to what it read, and on CONFLICT reads again.
// A lost update is a move the API acknowledged that the alias's history does not hold,
// or a move whose `from` is not the previous move's `to` (two writers won from the same
// state); both must be 0.
import { summarise } from './timing.mjs';

const READ = 'query ($project: String!, $name: String!) { alias(project: $project, name: $name) { target { id } } }';
const MOVE = `mutation ($project: String!, $name: String!, $datumId: ID!, $expected: ID) {
  setAlias(project: $project, name: $name, datumId: $datumId, expectedDatumId: $expected) { id }
}`;

/**
 * `writers` writers racing for `seconds` on one fresh alias; latencies are of every
 * setAlias request, refused ones included. With `separate`, each writer has an alias of
 * its own: the same requests without contention, the machine's floor for the row.
 */
export async function aliasContention({ gql, cypher, project, datumIds, writers, seconds, separate = false }) {
  const names = Array.from({ length: separate ? writers : 1 }, (_, a) => `bench-cas-${writers}${separate ? `-own-${a}` : ''}`);
  for (const name of names) await gql(MOVE, { project, name, datumId: datumIds[0] });
  const latencies = [];
  let moves = 0;
  let conflicts = 0;
  const deadline = performance.now() + seconds * 1000;
  const writer = async (w) => {
    const name = names[w % names.length];
    for (let k = w; performance.now() < deadline; k += writers) {
      const { alias } = await gql(READ, { project, name });
      const expected = alias.target.id;
      const candidate = datumIds[k % datumIds.length];
      const datumId = candidate === expected ? datumIds[(k + 1) % datumIds.length] : candidate;
      const started = performance.now();
      try {
        await gql(MOVE, { project, name, datumId, expected });
        moves++;
      } catch (error) {
        if (error.errors?.[0]?.extensions?.code !== 'CONFLICT') throw error;
        conflicts++;
      } finally {
        latencies.push(performance.now() - started);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const elapsed = (performance.now() - started) / 1000;

  let historyMoves = 0;
  let broken = 0;
  for (const name of names) {
    const { records } = await cypher(
      'MATCH (:Alias {project: $project, name: $name})-[:MOVED]->(m:AliasMove) RETURN m.from AS from, m.to AS to ORDER BY m.seq',
      { project, name },
    );
    const history = records.map((r) => r.toObject());
    historyMoves += history.length - 1;
    broken += history.filter((m, i) => i > 0 && m.from !== history[i - 1].to).length;
  }
  return {
    writers,
    aliases: names.length,
    seconds: Math.round(elapsed * 10) / 10,
    moves,
    conflicts,
    movesPerSecond: Math.round(moves / elapsed),
    historyMoves,
    lostUpdates: moves - historyMoves + broken,
    latency: summarise(latencies),
  };
}
