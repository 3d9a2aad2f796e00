import { lookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, internalAddressKind } from '../domain/webhooks.js';

/** A webhook URL refused because of where its host leads; the message says why and what allows it. */
export class DestinationRefused extends Error {}

export interface Address {
  address: string;
  family: 4 | 6;
}

/** Longest a host name may take to resolve before the URL is refused (at creation) or the attempt fails. */
const RESOLVE_TIMEOUT_MS = 5_000;

/**
 * Where webhooks may send: a URL's host is resolved and every address it gives is checked,
 * and the request then connects to exactly those addresses, so DNS cannot answer one
 * address to the check and another to the connection. Hosts in the allow list
 * (PEDIGREE_WEBHOOK_ALLOW_HOSTS) skip the address check.
 */
export class WebhookDestinations {
  private readonly allowed: Set<string>;

  constructor(allowHosts: readonly string[]) {
    this.allowed = new Set(allowHosts);
  }

  /** The checked addresses of the URL's host; DestinationRefused when one is internal or the host does not resolve. */
  async resolve(url: URL): Promise<Address[]> {
    const host = hostOf(url);
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : await this.lookup(host);
    if (this.allowed.has(host)) return addresses;
    for (const { address } of addresses) {
      const kind = internalAddressKind(address);
      if (kind) {
        const resolves = address === host ? `'${host}' is` : `'${host}' resolves to ${address},`;
        throw new DestinationRefused(`url's host ${resolves} ${kind} address, which webhooks may not reach unless PEDIGREE_WEBHOOK_ALLOW_HOSTS lists the host`);
      }
    }
    return addresses;
  }

  private async lookup(host: string): Promise<Address[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DestinationRefused(`url's host '${host}' did not resolve within ${RESOLVE_TIMEOUT_MS / 1000} s`)), RESOLVE_TIMEOUT_MS);
    });
    try {
      const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
      if (!found.length) throw new DestinationRefused(`url's host '${host}' has no address`);
      return found.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
    } catch (error) {
      if (error instanceof DestinationRefused) throw error;
      throw new DestinationRefused(`url's host '${host}' does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Answers the connection's lookup with the addresses already checked, whatever DNS would say now. */
function pinned(addresses: Address[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: Address[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

export interface PostResult {
  /** The answer's status; undefined when there was none. */
  status?: number;
  /** Why there was no answer (a timeout, a refused connection). */
  error?: string;
  /** The request was cut short by `signal` (the process is stopping): no outcome to record. */
  aborted?: boolean;
  seconds: number;
}

/**
 * HTTP transport for deliveries: keep-alive connections per destination (a busy webhook
 * does not pay a handshake per event), no redirects followed (a 3xx is an answer like any
 * other), and one deadline for the whole request.
 */
export class WebhookTransport {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  async post(url: URL, addresses: Address[], headers: Record<string, string>, body: Buffer, timeoutMs: number, signal: AbortSignal): Promise<PostResult> {
    const started = performance.now();
    const first = await this.send(url, addresses, headers, body, timeoutMs, signal, started);
    // A kept-alive connection the receiver closed while idle fails the next request at once
    // (its server's keep-alive timeout, 5 s in Node, raced our reuse), almost always before
    // the receiver read anything: send again on a new connection at once rather than after a
    // retry's backoff (were it read after all, the same webhook-id lets the receiver tell).
    const { staleConnection, ...result } = first;
    if (!staleConnection) return result;
    return this.send(url, addresses, headers, body, Math.max(1, timeoutMs - first.seconds * 1000), signal, started);
  }

  private send(
    url: URL,
    addresses: Address[],
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs: number,
    signal: AbortSignal,
    started: number,
  ): Promise<PostResult & { staleConnection?: boolean }> {
    const seconds = () => (performance.now() - started) / 1000;
    const secure = url.protocol === 'https:';
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: Omit<PostResult, 'seconds'> & { staleConnection?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        resolve({ ...result, seconds: seconds() });
      };
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        agent: secure ? this.https : this.http,
        lookup: pinned(addresses),
      });
      const timer = setTimeout(() => {
        settle({ error: `no answer within ${timeoutMs} ms` });
        request.destroy();
      }, timeoutMs);
      const abort = () => {
        settle({ aborted: true, error: 'the server is stopping' });
        request.destroy();
      };
      signal.addEventListener('abort', abort);
      request.on('response', (response: IncomingMessage) => {
        settle({ status: response.statusCode });
        // the body says nothing the status does not; read it only to free the connection,
        // and give up on a body that never ends
        response.setTimeout(timeoutMs, () => response.destroy());
        response.on('error', () => {});
        response.resume();
      });
      request.on('error', (error: NodeJS.ErrnoException) =>
        settle({ error: error.message, staleConnection: request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && !signal.aborted }),
      );
      request.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
