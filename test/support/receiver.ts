import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got, as it came over the wire. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact body bytes, as text. */
  body: string;
  /** Date.now() when the body had arrived. */
  at: number;
}

/** What a receiver answers a request: an HTTP status, a redirect, or nothing at all (it hangs). */
export type Answer = number | { redirect: string } | 'hang';

/**
 * A webhook receiver on 127.0.0.1: every request is kept, and each path answers from its
 * script of answers, then by its rule, else 200.
 */
export class Receiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly rules = new Map<string, (received: Received) => Answer>();
  private readonly waiters = new Set<() => void>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const received = { path, headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() };
      this.received.push(received);
      const answer = this.scripts.get(path)?.shift() ?? this.rules.get(path)?.(received) ?? 200;
      if (answer === 'hang') this.hanging.add(res);
      else if (typeof answer === 'object') res.writeHead(302, { location: answer.redirect }).end();
      else res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
      for (const wake of this.waiters) wake();
    });
  });
  private port = 0;

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next requests to `path` get these answers, in order. */
  script(path: string, ...answers: Answer[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...answers]);
  }

  /** Requests to `path` that no script answers get what `rule` says. */
  rule(path: string, rule: (received: Received) => Answer): void {
    this.rules.set(path, rule);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Waits until `path` has had `count` requests; fails after `timeoutMs` saying what came. */
  async waitFor(path: string, count: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.at(path).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${path} got ${this.at(path).length} of ${count} requests within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
    return this.at(path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Verifies a request with the Standard Webhooks reference library; answers the payload, or throws. */
export function verify(secret: string, received: Received): { type: string; timestamp: string; data: Record<string, any> } {
  return new Webhook(secret).verify(received.body, received.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, any> };
}
