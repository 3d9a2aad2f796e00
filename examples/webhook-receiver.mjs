// A webhook receiver with no dependencies: it checks each delivery's Standard Webhooks
// signature and age, prints the event and answers 204. Run it with the secret that
// createWebhook printed:  WEBHOOK_SECRET=whsec_... PORT=9000 node examples/webhook-receiver.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const key = Buffer.from(process.env.WEBHOOK_SECRET.replace(/^whsec_/, ''), 'base64');
const seen = new Set(); // webhook-id is the event id: a retry of a handled event is answered, not handled again

createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8'); // sign and parse the exact bytes received
  const [id, timestamp, signatures] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => req.headers[h] ?? '');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  const signed = signatures.split(' ').some((s) => { const given = Buffer.from(s.replace(/^v1,/, '')); return given.length === expected.length && timingSafeEqual(given, expected); });
  if (!signed || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return res.writeHead(401).end();
  if (!seen.has(id)) {
    seen.add(id);
    const event = JSON.parse(body);
    console.log(`${event.type} ${JSON.stringify(event.data)}`);
  }
  res.writeHead(204).end();
}).listen(Number(process.env.PORT ?? 9000), '127.0.0.1', () => console.error('listening'));
