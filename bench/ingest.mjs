// A manifest ingest through the API's `ingestOutputs` mutation in the CLI's chunk size,
// the write pass alone and as `pedigree ingest` sends a folder of several requests (every
// request validated first, then every one written), against raw UNWIND of the same rows
// through the driver: datums produced by an execution, each with its five manifest values
// as MetadataEntry:Current nodes logged in that execution, as the API writes them.
import { createHash, randomUUID } from 'node:crypto';
import neo4j from 'neo4j-driver';

/** The CLI's default files per request (src/cli/ingest.ts). */
export const CHUNK = 2_000;

/** Output `i` of a generated outputs folder: its path, content and manifest metadata (5 values, one typed). */
export function outputFile(i) {
  return {
    path: `shard-${String(i % 100).padStart(2, '0')}/part-${i}.bin`,
    content: `row ${i}\n`,
    metadata: { rows: i, split: i % 10 === 0 ? 'test' : 'train', quality: { score: (i % 97) / 97, size: { $type: 'StorageSize', value: 1000 + i } }, checked: i % 2 === 0 },
  };
}

/** The manifest values of `outputFile(i)` as the metadata store keeps them. */
function entries({ metadata: m }) {
  const entry = (key, group, type, value, typed) => ({
    id: randomUUID(), name: group ? `${group}.${key}` : key, key, group, type, value: JSON.stringify(value), num: null, str: null, bool: null, round: neo4j.int(0), ...typed,
  });
  return [
    entry('rows', null, 'NUMBER', m.rows, { num: m.rows }),
    entry('split', null, 'STRING', m.split, { str: m.split }),
    entry('score', 'quality', 'NUMBER', m.quality.score, { num: m.quality.score }),
    entry('size', 'quality', 'STORAGE_SIZE', m.quality.size.value, { num: neo4j.int(m.quality.size.value) }),
    entry('checked', null, 'BOOLEAN', m.checked, { bool: m.checked }),
  ];
}

const INGEST = `mutation ($executionId: ID!, $files: [IngestFile!]!, $validateOnly: Boolean) {
  ingestOutputs(executionId: $executionId, files: $files, validateOnly: $validateOnly) { written created valuesWritten problems { message } }
}`;
const CREATE_EXECUTION = 'mutation ($project: String!, $name: String!) { createExecution(input: {project: $project, name: $name}) { id } }';

const RAW_INGEST = `MATCH (e:Execution {id: $executionId})
UNWIND $rows AS r
CREATE (d:Entity:Datum {id: r.id, project: e.project, uri: 'datum://' + r.id, path: r.path, size: r.size, sha256: r.sha256,
        external: false, createdAt: datetime()})-[:PRODUCED_BY]->(e)
WITH e, d, r UNWIND r.entries AS x
CREATE (m:Entity:MetadataEntry:Current)-[:DESCRIBES]->(d)
SET m = x, m.project = e.project, m.loggedAt = datetime(), m.loggedBy = 'bench', m.source = 'MANIFEST'
CREATE (m)-[:LOGGED_IN]->(e)`;

export async function ingestComparison({ gql, cypher, project, lines }) {
  const files = Array.from({ length: lines }, (_, i) => {
    const file = outputFile(i);
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    return { file, sha256, size: Buffer.byteLength(file.content) };
  });
  /** Each pass over every chunk in turn, into a new execution; rows/s over all passes. */
  const timed = async (name, ...passes) => {
    const { createExecution } = await gql(CREATE_EXECUTION, { project, name });
    const started = performance.now();
    for (const pass of passes) for (let i = 0; i < files.length; i += CHUNK) await pass(createExecution.id, files.slice(i, i + CHUNK));
    const seconds = (performance.now() - started) / 1000;
    return { seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(lines / seconds) };
  };
  const request = (executionId, chunk, validateOnly) =>
    gql(INGEST, { executionId, validateOnly, files: chunk.map(({ file, sha256, size }, k) => ({ path: file.path, size, sha256, manifest: [{ line: k + 1, metadata: file.metadata }] })) });
  const write = async (executionId, chunk) => {
    const { ingestOutputs: report } = await request(executionId, chunk, false);
    if (report.created !== chunk.length || report.problems.length) throw new Error(`ingestOutputs created ${report.created} of ${chunk.length}: ${JSON.stringify(report.problems[0])}`);
  };
  const validate = async (executionId, chunk) => {
    const { ingestOutputs: report } = await request(executionId, chunk, true);
    if (report.written || report.problems.length) throw new Error(`validateOnly answered ${JSON.stringify(report).slice(0, 300)}`);
  };

  const api = await timed('bench-ingest-api', write);
  const cli = await timed('bench-ingest-cli', validate, write);
  const raw = await timed('bench-ingest-raw', (executionId, chunk) =>
    cypher(RAW_INGEST, {
      executionId,
      rows: chunk.map(({ file, sha256, size }) => ({ id: randomUUID(), path: file.path, size: neo4j.int(size), sha256, entries: entries(file) })),
    }),
  );
  const ratio = (ours) => Math.round((ours.rowsPerSecond / raw.rowsPerSecond) * 100) / 100;
  return { lines, chunk: CHUNK, api, cli, raw, ratio: ratio(api), cliRatio: ratio(cli) };
}
