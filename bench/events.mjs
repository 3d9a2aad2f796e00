// Change events end to end: from a mutation's answer to a GraphQL subscriber's event and
// to a webhook receiver's request (a verified Standard Webhooks POST on 127.0.0.1), one
// event at a time and at 200 events/s; and what the transactional outbox adds to an alias
// move: the move's transaction with and without its outbox statement (raw, through the
// driver), and setAlias through the API with and without a webhook registered.
//
//   npm run build && node bench/deps.mjs && node bench/events.mjs [--quick]
//
// Alone, it starts a local Neo4j on a temporary store (or uses NEO4J_URI, into which it
// writes a few small projects), writes bench/results/<date>-events.json and prints
// Markdown rows. run.mjs can call measureEvents with its Neo4j.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import { Webhook } from 'standardwebhooks';
import WebSocket from 'ws';
import { loadConfig } from '../dist/src/config.js';
import { createDriver } from '../dist/src/db/driver.js';
import { auditEntryQuery } from '../dist/src/db/cypher/audit.js';
import { moveAliasQuery } from '../dist/src/db/cypher/aliases.js';
import { recordEventsQuery } from '../dist/src/db/cypher/events.js';
import { benchNeo4j } from './neo4j.mjs';
import { graphqlClient, startServerProcess } from './server-process.mjs';
import { ms, p50Ratio, summarise, timeInTurns } from './timing.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const MOVE = 'mutation($p: String!, $n: String!, $d: ID!, $r: String) { setAlias(project: $p, name: $n, datumId: $d, reason: $r) { id } }';
const RATE = 200;
/** Aliases the 200 events/s are spread over, so that the row measures delivery, not one alias's lock. */
const ALIASES = 10;

/** The targets of issue 14: to the subscriber p50 <= 100 ms, to the webhook p50 <= 250 ms, p99 <= 1 s at 200 events/s; a move at most 10% slower. */
export function eventTargets(r) {
  const rate = r.atRate;
  return {
    subscriberP50: { target: 'p50 <= 100 ms', met: r.oneAtATime.subscriber.p50 <= 100 && rate.subscriber.p50 <= 100 },
    webhookP50: { target: 'p50 <= 250 ms', met: r.oneAtATime.webhook.p50 <= 250 && rate.webhook.p50 <= 250 },
    p99AtRate: { target: `p99 <= 1000 ms at ${RATE} events/s`, met: rate.subscriber.p99 <= 1000 && rate.webhook.p99 <= 1000 && rate.sentPerSecond >= RATE * 0.95 },
    outbox: { target: 'a move at most 10% slower', met: r.outbox.ratio <= 1.1 && r.webhookRegistered.ratio <= 1.1 },
  };
}

/** A receiver on 127.0.0.1 that verifies every delivery with its path's secret and notes when each event's reason arrived. */
async function startReceiver() {
  const arrived = new Map();
  const secrets = new Map();
  let failures = 0;
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      try {
        const payload = new Webhook(secrets.get(req.url)).verify(Buffer.concat(chunks).toString(), req.headers);
        if (payload.data.reason && !arrived.has(payload.data.reason)) arrived.set(payload.data.reason, at);
      } catch {
        failures++;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (path) => `http://127.0.0.1:${server.address().port}${path}`,
    secrets,
    arrived,
    failures: () => failures,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/** A subscriber of the project's alias moves over graphql-ws; notes when each reason arrived. */
async function startSubscriber(url, token, project) {
  const arrived = new Map();
  const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  await new Promise((resolve, reject) => {
    client.on('connected', resolve);
    client.subscribe(
      { query: 'subscription($p: String!) { events(project: $p, types: ["alias.moved"]) { data } }', variables: { p: project } },
      { next: ({ data }) => void (arrived.has(data.events.data.reason) || arrived.set(data.events.data.reason, performance.now())), error: reject, complete: () => {} },
    );
  });
  // the subscription reaches the server a moment after the socket opens
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { arrived, close: () => client.dispose() };
}

async function until(done, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`${typeof what === 'function' ? what() : what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Milliseconds from each answer to its arrival, for the reasons that have both. */
const latencies = (answered, arrived) => [...answered].map(([reason, at]) => arrived.get(reason) - at);

/**
 * Starts an API process over the Neo4j at `uri` (webhooks may reach 127.0.0.1), measures,
 * stops it and returns the rows.
 */
export async function measureEvents({ uri, quick = false, log = () => {} }) {
  const runs = quick ? { warmup: 200, runs: 300 } : { warmup: 500, runs: 1_000 };
  const seconds = quick ? 5 : 20;
  const config = loadConfig();
  const database = config.neo4j.database;
  const cleanups = [];
  const driver = createDriver({ ...config.neo4j, uri });
  cleanups.push(() => driver.close());
  try {
    const token = `pdg_bench_${randomBytes(16).toString('hex')}`;
    const env = { ...process.env, NEO4J_URI: uri, NODE_ENV: 'production', PEDIGREE_ADMIN_TOKEN: token, PORT: '0', PEDIGREE_LOG_LEVEL: 'warn', PEDIGREE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' };
    const api = await startServerProcess('api-process.mjs', env, 'the API process');
    cleanups.push(api.close);
    const gql = graphqlClient(api.url, 'GraphQL', { authorization: `Bearer ${token}` });
    log(`API at ${api.url}`);

    /** A project with `count` datums for its aliases to move between. */
    const project = async (name, count = 2) => {
      const execution = (await gql(`mutation($p: String!) { createExecution(input: {project: $p, name: "bench"}) { id } }`, { p: name })).createExecution.id;
      const ids = [];
      for (let i = 0; i < count; i += 1_000) {
        const { recordOutputs } = await gql(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
          e: execution,
          o: Array.from({ length: Math.min(1_000, count - i) }, (_, j) => ({ path: `events/${i + j}.bin`, size: 1, sha256: randomBytes(32).toString('hex') })),
        });
        ids.push(...recordOutputs.map((d) => d.id));
      }
      return ids;
    };
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const webhook = async (name, path) => {
      const { createWebhook } = await gql(`mutation($p: String!, $u: String!) { createWebhook(project: $p, url: $u, types: ["alias.moved"]) { secret webhook { id } } }`, { p: name, u: receiver.url(path) });
      receiver.secrets.set(path, createWebhook.secret);
      return createWebhook.webhook.id;
    };
    /** The webhook's newest deliveries as the API reports them, for a failure's message. */
    const deliveries = async (id) =>
      JSON.stringify((await gql('query($id: ID!) { webhookDeliveries(webhookId: $id, first: 3) { edges { node { seq status attempts lastStatusCode lastError nextAttemptAt } } } }', { id })).webhookDeliveries.edges.map((e) => e.node));

    // --- end to end: answer -> subscriber, answer -> webhook ---
    // a datum of its own for each move at the rate: requests to one alias may overtake each
    // other, and a move to where the alias already points is no move and no event
    const datums = await project('bench-events', 2 + Math.ceil(RATE * seconds * 1.2));
    const eventsHook = await webhook('bench-events', '/events');
    const subscriber = await startSubscriber(api.url, token, 'bench-events');
    cleanups.push(subscriber.close);
    let n = 0;
    /** Moves `alias` to the `k`th datum. */
    const move = async (alias, k) => {
      const reason = `e${n++}`;
      await gql(MOVE, { p: 'bench-events', n: alias, d: datums[k], r: reason });
      return [reason, performance.now()];
    };
    const oneAtATime = new Map();
    for (let i = 0; i < runs.warmup + runs.runs; i++) {
      const [reason, at] = await move('prod', i % 2);
      try {
        await until(() => subscriber.arrived.has(reason) && receiver.arrived.has(reason), 10_000, () => `event ${reason} (the subscriber ${subscriber.arrived.has(reason) ? 'had it' : 'did not'}, the webhook ${receiver.arrived.has(reason) ? 'had it' : 'did not'})`);
      } catch (error) {
        throw new Error(`${error.message}; the webhook's last deliveries: ${await deliveries(eventsHook)}`);
      }
      if (i >= runs.warmup) oneAtATime.set(reason, at);
    }
    const single = { events: oneAtATime.size, subscriber: summarise(latencies(oneAtATime, subscriber.arrived)), webhook: summarise(latencies(oneAtATime, receiver.arrived)) };
    log(`one event at a time: subscriber p50 ${single.subscriber.p50} ms, webhook p50 ${single.webhook.p50} ms`);

    // open loop: a move every 5 ms whatever the answers, over ALIASES aliases
    const atRate = new Map();
    const sending = [];
    const started = performance.now();
    for (let i = 0; performance.now() - started < seconds * 1000; i++) {
      const due = started + (i * 1000) / RATE;
      while (performance.now() < due) await new Promise((resolve) => setImmediate(resolve));
      sending.push(move(`rate-${i % ALIASES}`, 2 + i).then(([reason, at]) => atRate.set(reason, at)));
    }
    const sentPerSecond = Math.round(sending.length / ((performance.now() - started) / 1000));
    await Promise.all(sending);
    const answered = (performance.now() - started) / 1000;
    await until(() => [...atRate.keys()].every((r) => subscriber.arrived.has(r) && receiver.arrived.has(r)), 60_000, 'every event at the rate');
    const rate = {
      events: atRate.size,
      sentPerSecond,
      answeredPerSecond: Math.round(atRate.size / answered),
      subscriber: summarise(latencies(atRate, subscriber.arrived)),
      webhook: summarise(latencies(atRate, receiver.arrived)),
      verificationFailures: receiver.failures(),
    };
    log(`${rate.events} events at ${sentPerSecond}/s: subscriber p50 ${rate.subscriber.p50} / p99 ${rate.subscriber.p99} ms, webhook p50 ${rate.webhook.p50} / p99 ${rate.webhook.p99} ms`);
    await subscriber.close();

    // --- what the outbox adds to a move's transaction, raw: the same statements the API sends, with and without the outbox's ---
    const rawDatums = [randomUUID(), randomUUID()];
    const session = driver.session({ database });
    await session.run("UNWIND $ids AS id CREATE (:Entity:Datum {id: id, project: 'bench-raw', uri: 'datum://' + id, createdAt: datetime()})", { ids: rawDatums });
    await session.close();
    const rawMove = (name, outbox) => async (i) => {
      const s = driver.session({ database });
      try {
        await s.executeWrite(async (tx) => {
          const queries = [
            auditEntryQuery({ principal: 'bench', tokenId: null, operation: 'setAlias', targetId: null, project: 'bench-raw', summary: '{}' }, randomUUID()),
            moveAliasQuery({ project: 'bench-raw', name, datumId: rawDatums[i % 2], expected: null, mayMoveProtected: false, by: 'bench', reason: null, id: randomUUID(), moveId: randomUUID() }),
          ];
          if (outbox) queries.push(recordEventsQuery('bench-raw', [{ id: randomUUID(), type: 'alias.moved', data: JSON.stringify({ name, to: rawDatums[i % 2] }) }], 'bench'));
          for (const q of queries) await tx.run(q.cypher, { ...q.params, scope: null });
        });
      } finally {
        await s.close();
      }
    };
    const raw = await timeInTurns({ without: rawMove('raw-a', false), with: rawMove('raw-b', true) }, runs);
    const outbox = { without: raw.without, with: raw.with, ratio: p50Ratio(raw.with, raw.without) };
    log(`a move's transaction: p50 ${outbox.without.p50} ms without the outbox statement, ${outbox.with.p50} ms with it`);

    // --- setAlias through the API: a project without webhooks against one whose every move is delivered ---
    const quiet = await project('bench-quiet');
    const hooked = await project('bench-hooked');
    await webhook('bench-hooked', '/hooked');
    const apiMove = (p, ds) => (i) => gql(MOVE, { p, n: 'prod', d: ds[i % 2], r: null });
    const api2 = await timeInTurns({ without: apiMove('bench-quiet', quiet), with: apiMove('bench-hooked', hooked) }, runs);
    const webhookRegistered = { without: api2.without, with: api2.with, ratio: p50Ratio(api2.with, api2.without) };
    log(`setAlias: p50 ${webhookRegistered.without.p50} ms without a webhook, ${webhookRegistered.with.p50} ms with one registered`);

    return { rate: RATE, seconds, oneAtATime: single, atRate: rate, outbox, webhookRegistered };
  } finally {
    while (cleanups.length) await cleanups.pop()().catch((error) => log(`cleanup: ${error.message}`));
  }
}

/** The rows as Markdown tables. */
export function eventsMarkdown(r, machine = `${cpus().length} cores`) {
  const t = eventTargets(r);
  const met = (x) => (x.met ? 'met' : 'NOT met');
  return [
    `Change events end to end (${machine}): from setAlias's answer to the subscriber's event (graphql-ws) and to the webhook's request (verified with the standardwebhooks library), milliseconds p50 / p95 / p99:`,
    '',
    '| load | events | to the subscriber | to the webhook | targets |',
    '|---|---|---|---|---|',
    `| one at a time | ${r.oneAtATime.events} | ${ms(r.oneAtATime.subscriber)} | ${ms(r.oneAtATime.webhook)} | subscriber p50 <= 100: ${met(t.subscriberP50)}; webhook p50 <= 250: ${met(t.webhookP50)} |`,
    `| ${r.rate}/s for ${r.seconds} s (sent ${r.atRate.sentPerSecond}/s, answered ${r.atRate.answeredPerSecond}/s, over ${ALIASES} aliases) | ${r.atRate.events} | ${ms(r.atRate.subscriber)} | ${ms(r.atRate.webhook)} | p99 <= 1000: ${met(t.p99AtRate)} |`,
    '',
    'What the outbox adds to an alias move, milliseconds p50 / p95 / p99 (target: at most 10% slower, ' + met(t.outbox) + '):',
    '',
    '| | without | with | p50 ratio |',
    '|---|---|---|---|',
    `| the move's transaction (audit entry, move), raw, without / with its outbox statement | ${ms(r.outbox.without)} | ${ms(r.outbox.with)} | ${r.outbox.ratio} |`,
    `| setAlias through the API, without / with a webhook registered (each move delivered) | ${ms(r.webhookRegistered.without)} | ${ms(r.webhookRegistered.with)} | ${r.webhookRegistered.ratio} |`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const log = (line) => console.error(`[events] ${line}`);
  const neo4j = await benchNeo4j({ log });
  try {
    const r = await measureEvents({ uri: neo4j.uri, quick: args.quick, log });
    const results = { date: new Date().toISOString(), mode: args.quick ? 'quick' : 'full', machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), node: process.version }, ...r, targets: eventTargets(r) };
    mkdirSync(join(benchDir, 'results'), { recursive: true });
    const file = join(benchDir, 'results', `${results.date.slice(0, 10)}-events.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(eventsMarkdown(r));
    log(`wrote ${file}`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await neo4j.stop();
  }
}
