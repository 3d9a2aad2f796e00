import { createHmac, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { badInput, limitExceeded } from './errors.js';
import { EVENT_TYPES, isEventType, type EventType } from './events.js';

/**
 * Webhooks as Standard Webhooks (standardwebhooks.com) defines them: each delivery is a POST
 * of `{type, timestamp, data}` with `webhook-id` (the event's id, the same on every retry),
 * `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>` keyed with the base64 part of a `whsec_` secret.
 */

/** How the server delivers (PEDIGREE_WEBHOOK_* settings; defaults are the contract's values). */
export interface WebhookSettings {
  /** Hosts that may resolve to loopback, private, link-local or metadata addresses (exact names, as written in the URL). */
  allowHosts: string[];
  /** Longest one delivery request may take, from connecting to the answer's status. */
  timeoutMs: number;
  /** The first retry comes after half to all of this; each further one waits twice as long, up to an hour. */
  backoffMs: number;
  /** A delivery still failing this long after its first attempt is given up (FAILED). */
  giveUpMs: number;
  /** How long a replica's claim on a webhook's queue holds without being renewed; a crashed replica's claim lapses after it. */
  leaseMs: number;
  /** How often each replica looks for due retries and lapsed claims (new events wake it at once). */
  pollMs: number;
}

export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes in base64, the form Standard Webhooks libraries take. */
export const newWebhookSecret = () => `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

/** The `webhook-signature` header of one delivery: computed over the exact body bytes that are sent. */
export function webhookSignature(secret: string, id: string, timestamp: number, body: Buffer): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

/**
 * A delivery's body. `data` is the event's payload as the outbox stored it (JSON text under
 * MAX_EVENT_BYTES), spliced in rather than parsed and serialised again, so the body is
 * built once and its bytes are the ones signed.
 */
export const webhookBody = (type: string, timestamp: string, data: string): Buffer =>
  Buffer.from(`{"type":${JSON.stringify(type)},"timestamp":${JSON.stringify(timestamp)},"data":${data}}`);

export const MAX_URL_LENGTH = 2048;

/** A webhook URL as given: absolute, http or https, without credentials (it is listed and audited; deliveries are signed instead). */
export function checkWebhookUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) throw badInput(`url must be at most ${MAX_URL_LENGTH} characters, got ${raw.length}`, { field: 'url' });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput(`url must be an absolute http:// or https:// URL, got '${raw.slice(0, 100)}'`, { field: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(`url must use http or https, got ${url.protocol.slice(0, -1)}`, { field: 'url' });
  if (url.username || url.password) {
    throw badInput('url must not carry credentials (user:password@): webhook lists and the audit log show the URL; verify the webhook-signature header instead', { field: 'url' });
  }
  return url;
}

/** A webhook's event types: at least one, each a known type, each once. */
export function checkWebhookTypes(types: string[]): EventType[] {
  if (types.length > EVENT_TYPES.length) throw limitExceeded(`types lists at most the ${EVENT_TYPES.length} event types, each once; got ${types.length}`, { field: 'types' });
  if (!types.length) throw badInput(`types must name at least one event type: ${EVENT_TYPES.join(', ')}`, { field: 'types' });
  types.forEach((type, i) => {
    if (!isEventType(type)) throw badInput(`types.${i} must be an event type (${EVENT_TYPES.join(', ')}), got '${type.slice(0, 100)}'`, { field: `types.${i}` });
    if (types.indexOf(type) !== i) throw badInput(`types.${i} names '${type}' a second time`, { field: `types.${i}` });
  });
  return types as EventType[];
}

/**
 * Address ranges a webhook may not reach unless its host is allowed: a request to them
 * would come from inside the server's network (server-side request forgery). Checked in
 * this order, so an address is named by its most specific kind; IPv4-mapped IPv6
 * addresses (::ffff:10.0.0.1) match the IPv4 ranges.
 */
const RANGES: Array<[kind: string, network: string, prefix: number]> = [
  ['a cloud metadata', '169.254.169.254', 32],
  ['a cloud metadata', '169.254.170.2', 32],
  ['a cloud metadata', '100.100.100.200', 32],
  ['a cloud metadata', '192.0.0.192', 32],
  ['a cloud metadata', 'fd00:ec2::254', 128],
  ['an unspecified', '0.0.0.0', 8],
  ['an unspecified', '::', 128],
  ['a loopback', '127.0.0.0', 8],
  ['a loopback', '::1', 128],
  ['a private', '10.0.0.0', 8],
  ['a private', '172.16.0.0', 12],
  ['a private', '192.168.0.0', 16],
  ['a private', '100.64.0.0', 10],
  ['a private', '192.0.0.0', 24],
  ['a private', '198.18.0.0', 15],
  ['a private', 'fc00::', 7],
  ['a private', 'fec0::', 10],
  ['a private', '64:ff9b:1::', 48],
  ['a link-local', '169.254.0.0', 16],
  ['a link-local', 'fe80::', 10],
  ['a multicast', '224.0.0.0', 4],
  ['a multicast', 'ff00::', 8],
  ['a reserved', '240.0.0.0', 4],
];

const BLOCKED = RANGES.map(([kind, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return { kind, list };
});

/** What kind of internal address `address` is (`a loopback`, `a private`, …), or null for a public one. */
export function internalAddressKind(address: string): string | null {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return BLOCKED.find(({ list }) => list.check(address, family))?.kind ?? null;
}

/** A URL's host as DNS and the allow list see it: lower case, an IPv6 literal without its brackets. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/** PEDIGREE_WEBHOOK_ALLOW_HOSTS: a comma list of host names or addresses. */
export const parseAllowHosts = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((h) => h.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase())
    .filter(Boolean);

/** The largest retry delay: after a few hours of failures, one attempt an hour until the delivery is given up. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * The wait before the next attempt after `attempts` failed ones: `backoffMs` doubled per
 * attempt, capped at an hour, of which a random half is jitter (so receivers coming back
 * from an outage are not met by every webhook at once).
 */
export function retryDelayMs(attempts: number, backoffMs: number, random: () => number = Math.random): number {
  const full = Math.min(MAX_RETRY_DELAY_MS, backoffMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(full / 2 + (random() * full) / 2);
}

/** What one attempt came to: delivered (2xx), retry (scheduled again), failed (given up), disabled (410 Gone). */
export const ATTEMPT_OUTCOMES = ['delivered', 'retry', 'failed', 'disabled'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** What an answer means: any 2xx delivers, 410 Gone disables the webhook, anything else (3xx included) is retried. */
export const answerOutcome = (status: number): 'delivered' | 'gone' | 'retry' => (status >= 200 && status < 300 ? 'delivered' : status === 410 ? 'gone' : 'retry');
