import { configVariables } from '../../src/config.js';
import { runNode } from '../support/cli.js';
import { cliEnv, type TestApi } from '../support/api.js';
import { startStoryApi, type Story } from '../fixtures/story/story.js';

let api: TestApi;
let story: Story;

beforeAll(async () => ({ api, story } = await startStoryApi()), 60_000);
afterAll(() => api.close());

/** The output with every story id replaced by `<name>`, so trees compare whole. */
const named = (text: string) => Object.entries(story).reduce((t, [name, id]) => t.replaceAll(id, `<${name}>`), text);

const cli = (args: string[], env: Record<string, string> = {}) => runNode(args, { ...cliEnv(api), ...env });

async function expectTree(args: string[], lines: string[]) {
  const { code, stdout } = await cli(['lineage', ...args]);
  expect(code).toBe(0);
  expect(named(stdout)).toBe([...lines, ''].join('\n'));
}

describe('pedigree status', () => {
  it('says the API and Neo4j answer, with versions and what the token sees', async () => {
    const { code, stdout, stderr } = await cli(['status']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`API     ok    ${api.url}  pedigree 0.1.0`);
    expect(lines[1]).toMatch(/^Neo4j {3}ok {4}Neo4j 5\.26\.\d+ community at [\d.]+:\d+, schema migrated$/);
    expect(lines[2]).toBe("Graph         1 projects, 5 executions, 7 datums (in this token's projects)");
  });

  it('prints the same as JSON', async () => {
    const { code, stdout } = await cli(['status', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      api: { url: api.url, reachable: true, version: '0.1.0' },
      neo4j: { reachable: true, migrated: true, version: expect.stringMatching(/^5\.26\.\d+$/), edition: 'community', address: expect.any(String) },
      counts: { projects: 1, executions: 5, datums: 7 },
    });
  });

  it("counts only the token's projects", async () => {
    const { token } = (await api.ok(`mutation { createToken(name: "status-elsewhere", role: reader, projects: ["elsewhere"]) { token } }`)).createToken;
    const { stdout } = await cli(['status', '--json'], { PEDIGREE_TOKEN: token });
    expect(JSON.parse(stdout).counts).toEqual({ projects: 0, executions: 0, datums: 0 });
  });

  it('shows reachability without a valid token, and fails', async () => {
    const { code, stdout } = await cli(['status'], { PEDIGREE_TOKEN: 'pdg_not_a_token' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^API {5}ok {4}/);
    // the version in the one format, from /readyz; the edition needs an accepted token
    expect(stdout).toMatch(/\nNeo4j {3}ok {4}Neo4j 5\.26\.\d+ at /);
    expect(stdout).toContain('Error         UNAUTHENTICATED: The token is unknown or revoked (the token in PEDIGREE_TOKEN)');
    expect(stdout).not.toContain('Graph');
  });

  it('says to set PEDIGREE_TOKEN when there is none, instead of asking the API without one', async () => {
    const status = await cli(['status'], { PEDIGREE_TOKEN: '' });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^API {5}ok {4}/);
    expect(status.stdout).toContain('Error         no token: set PEDIGREE_TOKEN to a token of this API');
    const lineage = await cli(['lineage', story.raw], { PEDIGREE_TOKEN: '' });
    expect(lineage.code).toBe(1);
    expect(lineage.stderr).toMatch(/^pedigree lineage: no token: set PEDIGREE_TOKEN /);
  });

  it('says when the API does not answer', async () => {
    const { code, stdout } = await cli(['status', '--json'], { PEDIGREE_URL: 'http://127.0.0.1:9' });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ api: { reachable: false, error: expect.stringContaining('cannot reach the API at http://127.0.0.1:9') } });
  });
});

describe('pedigree lineage', () => {
  it('prints the upstream of a datum as a tree, marking where the depth cut it', async () => {
    await expectTree([`datum://${story.endpointJson}`, '--up', '--depth', '3'], [
      'DATUM           deploy/endpoint.json  datum://<endpointJson>',
      '└─ EXECUTION       deploy  DEPLOYMENT COMPLETED  <deploy>',
      "   └─ MODEL_VERSION   model://fraud/1  PENDING  (input 'model')",
      '      └─ DATUM           model/model.pkl  datum://<modelPkl>',
      '         └─ EXECUTION       train  STEP COMPLETED  <train>',
      "            └─ DATUM           processed/train.csv  datum://<trainCsv>  (input 'train')",
      '               └─ EXECUTION       preprocess  STEP COMPLETED  <preprocess> …',
      '6 nodes upstream, 3 hop(s)',
    ]);
  });

  it('prints the downstream of an external URI, naming a node reached twice only once', async () => {
    await expectTree(['s3://acme-raw/transactions/2024-05.csv', '--down', '--depth', '4'], [
      'DATUM           transactions/2024-05.csv  s3://acme-raw/transactions/2024-05.csv',
      "└─ EXECUTION       preprocess  STEP COMPLETED  <preprocess>  (input 'raw')",
      '   ├─ DATUM           processed/test.csv  datum://<testCsv>',
      '   │  ├─ DATASET_VERSION dataset://transactions/2024-05',
      "   │  └─ EXECUTION       evaluate  STEP COMPLETED  <evaluate>  (input 'test')",
      '   │     └─ DATUM           eval/report.json  datum://<reportJson>',
      '   └─ DATUM           processed/train.csv  datum://<trainCsv>',
      '      ├─ DATASET_VERSION dataset://transactions/2024-05  (above)',
      "      └─ EXECUTION       train  STEP COMPLETED  <train>  (input 'train')",
      '         ├─ DATUM           model/metrics.json  datum://<metricsJson>',
      '         └─ DATUM           model/model.pkl  datum://<modelPkl>',
      "            ├─ EXECUTION       evaluate  STEP COMPLETED  <evaluate>  (input 'model')  (above)",
      '            └─ MODEL_VERSION   model://fraud/1  PENDING',
      "               └─ EXECUTION       deploy  DEPLOYMENT COMPLETED  <deploy>  (input 'model')",
      '                  └─ DATUM           deploy/endpoint.json  datum://<endpointJson>',
      '12 nodes downstream, 4 hop(s)',
    ]);
  });

  it('follows an alias and prints both directions with --up --down', async () => {
    const { stdout } = await cli(['lineage', 'datum://model-candidate', '--up', '--down', '--depth', '1']);
    const [up, down] = named(stdout).split('\n\n');
    expect(up).toContain('DATUM           model/model.pkl  datum://<modelPkl>\n└─ EXECUTION       train');
    expect(up).toContain('nodes upstream');
    expect(down).toContain('├─ EXECUTION       evaluate');
    expect(down).toContain('nodes downstream');
  });

  it('prints the graph as JSON with --json', async () => {
    const { code, stdout } = await cli(['lineage', 'model://fraud/1', '--up', '--depth', '1', '--json']);
    expect(code).toBe(0);
    const graph = JSON.parse(stdout);
    expect(graph).toMatchObject({ root: { id: story.modelVersion }, depthReached: 1, truncated: false });
    expect(graph.nodes.map((n: { id: string }) => n.id).sort()).toEqual([story.modelPkl, story.train].sort());
    expect(graph.edges).toContainEqual({ from: story.modelVersion, to: story.modelPkl, type: 'CONTAINS', inputName: null });
  });

  it('says what was not found, and refuses a depth that is not a number', async () => {
    const missing = await cli(['lineage', 'datum://no-such-alias']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("pedigree lineage: nothing found at 'datum://no-such-alias'");
    const bad = await cli(['lineage', story.raw, '--depth', 'deep']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--depth <n>' argument 'deep' is invalid. expected a whole number, got 'deep'");
    const far = await cli(['lineage', story.raw, '--depth', '900']);
    expect(far.stderr).toContain('LIMIT_EXCEEDED: depth must be 1..50, got 900');
  });
});

describe('pedigree token list', () => {
  it('prints a header row above the tokens', async () => {
    const { code, stdout } = await cli(['token', 'list']);
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header.split(/\s+/)).toEqual(['ID', 'ROLE', 'NAME', 'PROJECTS', 'STATE']);
    expect(rows.length).toBeGreaterThan(0);
    // the columns line up under the header
    for (const row of rows) expect(row.indexOf(row.split(/\s+/)[1])).toBe(header.indexOf('ROLE'));
  });
});

describe('--help', () => {
  it('describes every command and subcommand', async () => {
    const top = await cli(['--help']);
    const commands = [...top.stdout.split('Commands:')[1].matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['start', 'ingest', 'execution', 'trace', 'status', 'lineage', 'token']));
    const subcommands = async (command: string) =>
      [...(await cli([command, '--help'])).stdout.split('Commands:')[1].matchAll(/^ {2}([a-z]+)/gm)].map((m) => [command, m[1]]).filter(([, c]) => c !== 'help');
    const sub = [...(await subcommands('token')), ...(await subcommands('execution'))];
    expect(sub.map((s) => s.join(' '))).toEqual(['token create', 'token list', 'token revoke', 'execution create', 'execution start', 'execution finish']);
    for (const args of [...commands.map((c) => [c]), ...sub]) {
      const { code, stdout } = await cli([...args, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: pedigree ${args.join(' ')}`));
      expect(stdout.split('\n')[2].length).toBeGreaterThan(10);
    }
  });

  it('offers --json on every command that reads', async () => {
    for (const args of [['status'], ['lineage'], ['ingest'], ['trace'], ['token', 'list'], ['token', 'create']]) {
      expect((await cli([...args, '--help'])).stdout).toContain('--json');
    }
  });

  it('lists every configuration variable with its default under start --help', async () => {
    const { stdout } = await cli(['start', '--help']);
    for (const [name, value] of configVariables) expect(stdout).toContain(`${name.padEnd(30)}${value}`);
    expect(stdout).toContain('PEDIGREE_BODY_LIMIT           10485760');
  });
});
