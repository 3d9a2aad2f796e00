/**
 * The README's change-event examples, run as written: the dependency-free webhook receiver
 * gets a real signed delivery (and refuses a forged one), and the subscription example
 * prints the approval it was waiting for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ADMIN_TOKEN, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';
import { packageRoot } from '../../src/paths.js';

let api: TestApi;
const children: ChildProcess[] = [];

beforeAll(async () => {
  Object.assign(process.env, { PEDIGREE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', PEDIGREE_WEBHOOK_POLL_MS: '100' });
  await resetDatabase();
  api = await startApi();
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill();
  await api?.close();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Starts an example; `lines` holds what it printed on stdout, `ready` resolves on its first stderr output. */
function example(file: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [join(packageRoot, 'examples', file), ...args], { env: { ...process.env, NODE_OPTIONS: '', ...env } });
  children.push(child);
  let stdout = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  const ready = new Promise<void>((resolve) => child.stderr!.once('data', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { lines: () => stdout.trim().split('\n').filter(Boolean), ready, exited };
}

async function until(done: () => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function datums(project: string, n: number): Promise<string[]> {
  const e = (await api.ok(`mutation($p: String!) { createExecution(input: {project: $p, name: "train"}) { id } }`, { p: project })).createExecution.id;
  const outputs = Array.from({ length: n }, (_, i) => ({ path: `model-${i}.pkl`, size: 1, sha256: sha(`${project}${i}`) }));
  return (await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, { e, o: outputs })).recordOutputs.map((d: { id: string }) => d.id);
}

it('webhook-receiver.mjs verifies a real delivery, prints it once and refuses a forged one', async () => {
  const [a, b] = await datums('hooks', 2);
  const port = await freePort();
  const { createWebhook } = await api.ok(`mutation($u: String!) { createWebhook(project: "hooks", url: $u, types: ["alias.moved"]) { secret } }`, {
    u: `http://127.0.0.1:${port}/pedigree`,
  });
  const receiver = example('webhook-receiver.mjs', [], { WEBHOOK_SECRET: createWebhook.secret, PORT: String(port) });
  await receiver.ready;

  await api.ok(`mutation($d: ID!) { setAlias(project: "hooks", name: "model-prod", datumId: $d) { id } }`, { d: a });
  await api.ok(`mutation($d: ID!) { setAlias(project: "hooks", name: "model-prod", datumId: $d) { id } }`, { d: b });
  await until(() => receiver.lines().length === 2, 'two deliveries');
  const printed = receiver.lines().map((line) => ({ type: line.split(' ')[0], data: JSON.parse(line.slice(line.indexOf(' ') + 1)) }));
  expect(printed.map((p) => p.type)).toEqual(['alias.moved', 'alias.moved']);
  expect(printed.map((p) => [p.data.name, p.data.from, p.data.to])).toEqual([
    ['model-prod', null, a],
    ['model-prod', a, b],
  ]);

  const forged = await fetch(`http://127.0.0.1:${port}/pedigree`, {
    method: 'POST',
    headers: { 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
    body: '{"type":"alias.moved","data":{}}',
  });
  expect(forged.status).toBe(401);
  expect(receiver.lines()).toHaveLength(2);
}, 60_000);

it('subscribe.mjs prints the approval it waited for and exits', async () => {
  const [d] = await datums('approvals', 1);
  const version = (await api.ok(`mutation($d: ID!) { createModelVersion(project: "approvals", model: "fraud", datumIds: [$d]) { id uri } }`, { d })).createModelVersion;
  const waiting = example('subscribe.mjs', ['approvals'], { PEDIGREE_URL: api.url, PEDIGREE_TOKEN: ADMIN_TOKEN() });
  await waiting.ready;
  // connected is before the server has the subscription itself: a moment for it to start
  await new Promise((r) => setTimeout(r, 500));
  await api.ok(`mutation($id: ID!) { approveModelVersion(id: $id, comment: "ship it") { id } }`, { id: version.id });
  expect(await waiting.exited).toBe(0);
  expect(waiting.lines()).toEqual([`${version.uri}: PENDING -> APPROVED by admin (ship it)`]);
}, 60_000);
