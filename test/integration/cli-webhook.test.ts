/**
 * `pedigree webhook create|list|delete|deliveries` and `pedigree watch`: the CLI as a
 * separate process, talking to the API over HTTP and WebSocket.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/paths.js';
import { cliEnv, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';
import { runNode } from '../support/cli.js';
import { Receiver, verify } from '../support/receiver.js';

let api: TestApi;
let receiver: Receiver;
let datums: string[];

const cli = (args: string[], env: Record<string, string> = {}) => runNode(args, { ...cliEnv(api), ...env });
const move = (to: string) => api.ok(`mutation($d: ID!) { setAlias(project: "cli-hooks", name: "prod", datumId: $d, reason: "cli") { id } }`, { d: to });

beforeAll(async () => {
  process.env.PEDIGREE_WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
  await resetDatabase();
  receiver = await Receiver.start();
  api = await startApi();
  const execution = (await api.ok(`mutation { createExecution(input: {project: "cli-hooks", name: "train"}) { id } }`)).createExecution.id;
  datums = (
    await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
      e: execution,
      o: [0, 1].map((i) => ({ path: `cli/${i}.bin`, size: 1, sha256: sha(`cli-hooks${i}`) })),
    })
  ).recordOutputs.map((d: { id: string }) => d.id);
}, 60_000);
afterAll(async () => {
  await api?.close();
  await receiver?.close();
});

describe('pedigree webhook', () => {
  it('creates a webhook, prints its secret last, lists it, shows its deliveries and deletes it', async () => {
    const created = await cli(['webhook', 'create', '--project', 'cli-hooks', '--url', receiver.url('/cli'), '--type', 'alias.moved', 'alias.deleted']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const [line, secret] = created.stdout.trimEnd().split('\n');
    const id = /^Created webhook ([0-9a-f-]{36}): alias\.moved, alias\.deleted of project cli-hooks to /.exec(line)![1];
    expect(secret).toMatch(/^whsec_/);

    const listed = await cli(['webhook', 'list', '--project', 'cli-hooks']);
    expect(listed.stdout.split('\n')[1]).toBe(`${id}  active   ${'alias.moved,alias.deleted'.padEnd(40)} ${receiver.url('/cli')}`);
    expect(listed.stdout).not.toContain(secret);
    expect(JSON.parse((await cli(['webhook', 'list', '--project', 'cli-hooks', '--json'])).stdout)).toEqual([expect.objectContaining({ id, active: true, types: ['alias.moved', 'alias.deleted'] })]);

    await move(datums[0]);
    const [received] = await receiver.waitFor('/cli', 1);
    expect(verify(secret, received).type).toBe('alias.moved');
    const status = async () => (await api.ok(`query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { status } } } }`, { id })).webhookDeliveries.edges[0]?.node.status;
    for (let i = 0; i < 100 && (await status()) !== 'DELIVERED'; i++) await new Promise((r) => setTimeout(r, 100));
    const lines = (await cli(['webhook', 'deliveries', id])).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+SEQ  STATUS\s+ATTEMPTS  TYPE\s+DELIVERED \/ NEXT\s+LAST ANSWER$/);
    expect(lines[1]).toMatch(/^\s+\d+  DELIVERED\s+1  alias\.moved\s+\d{4}-\d\d-\d\dT\S+\s+HTTP 200$/);
    expect(lines.at(-1)).toBe('1 of 1 deliveries');
    const [json] = JSON.parse((await cli(['webhook', 'deliveries', id, '--json'])).stdout);
    expect(json).toMatchObject({ eventId: received.headers['webhook-id'], status: 'DELIVERED', attempts: 1, lastStatusCode: 200 });

    const deleted = await cli(['webhook', 'delete', id]);
    expect(deleted.stdout.trim()).toBe(`Deleted webhook ${id} (${receiver.url('/cli')})`);
    expect(JSON.parse((await cli(['webhook', 'list', '--project', 'cli-hooks', '--json'])).stdout)).toEqual([]);
  }, 60_000);

  it('says why a URL is refused, with exit code 1', async () => {
    const { code, stdout, stderr } = await cli(['webhook', 'create', '--project', 'cli-hooks', '--url', 'http://192.168.1.20/hook', '--type', 'alias.moved']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe("pedigree webhook: BAD_USER_INPUT: url's host '192.168.1.20' is a private address, which webhooks may not reach unless PEDIGREE_WEBHOOK_ALLOW_HOSTS lists the host");
  });

  it('has --help on each command', async () => {
    expect((await cli(['webhook', '--help'])).stdout).toMatch(/create[\s\S]*list[\s\S]*delete[\s\S]*deliveries/);
    expect((await cli(['webhook', 'create', '--help'])).stdout).toContain('webhook-signature');
    for (const args of [['webhook', 'list'], ['webhook', 'deliveries']]) expect((await cli([...args, '--help'])).stdout).toContain('--json');
    expect((await cli(['webhook', 'delete', '--help'])).stdout).toContain('<id>');
    expect((await cli(['watch', '--help'])).stdout).toContain('--type');
  }, 60_000);
});

/** `pedigree watch` as a process of its own: its stdout lines as they come, and its exit. */
function watch(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'pedigree.js'), 'watch', ...args], { env: { ...cliEnv(api), ...env, NODE_OPTIONS: '' } });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const watching = new Promise<void>((resolve) =>
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('Watching')) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, lines, watching, exited, stderr: () => stderr };
}

async function lineCount(lines: string[], n: number) {
  for (let i = 0; i < 100 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 100));
  return lines;
}

describe('pedigree watch', () => {
  it('prints each event as it commits, one line each, and stops on Ctrl-C', async () => {
    const w = watch(['cli-hooks', '--type', 'alias.moved']);
    await w.watching;
    // the subscription reaches the server a moment after the socket opens
    await new Promise((r) => setTimeout(r, 300));
    await move(datums[1]);
    await api.ok(`mutation { deleteAlias(project: "cli-hooks", name: "prod") }`);
    await move(datums[0]);
    const lines = await lineCount(w.lines, 2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z  #\\d+  alias\\.moved {18}admin  \\{.*"name":"prod".*"to":"${datums[1]}".*\\}$`));
    expect(lines[1]).toContain(`"to":"${datums[0]}"`);
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
  });

  it('prints JSON with --json', async () => {
    const w = watch(['cli-hooks', '--json']);
    await w.watching;
    await new Promise((r) => setTimeout(r, 300));
    await move(datums[1]);
    const [line] = await lineCount(w.lines, 1);
    expect(JSON.parse(line)).toMatchObject({ type: 'alias.moved', project: 'cli-hooks', by: 'admin', data: { to: datums[1], reason: 'cli' } });
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('ends with code 1 and the reason for a project outside the token, a bad token, or no API', async () => {
    const { token } = (await api.ok(`mutation { createToken(name: "cli-watch", role: reader, projects: ["elsewhere"]) { token } }`)).createToken;
    const outside = watch(['cli-hooks'], { PEDIGREE_TOKEN: token });
    expect(await outside.exited).toBe(1);
    expect(outside.stderr()).toContain("pedigree watch: FORBIDDEN: This token cannot use project 'cli-hooks'");
    const refused = watch(['cli-hooks'], { PEDIGREE_TOKEN: 'pdg_not_a_token' });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/pedigree watch: the API refused the token \(4403/);
    const nowhere = watch(['cli-hooks'], { PEDIGREE_URL: 'http://127.0.0.1:9' });
    expect(await nowhere.exited).toBe(1);
    expect(nowhere.stderr()).toMatch(/pedigree watch: cannot reach the API at http:\/\/127\.0\.0\.1:9/);
    const tokenless = await cli(['watch', 'cli-hooks'], { PEDIGREE_TOKEN: '' });
    expect(tokenless.code).toBe(1);
    expect(tokenless.stderr).toContain('no token: set PEDIGREE_TOKEN');
  });
});
