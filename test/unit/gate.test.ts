import { KeyedGate } from '../../src/domain/gate.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

it('runs one holder per key at a time and lets other keys through', async () => {
  const gate = new KeyedGate();
  const running = new Map<string, number>();
  let most = 0;
  const work = (key: string) => async () => {
    running.set(key, (running.get(key) ?? 0) + 1);
    most = Math.max(most, running.get(key)!);
    await tick();
    running.set(key, running.get(key)! - 1);
    return key;
  };
  const results = await Promise.all([...'aaaabbbb'].map((key) => gate.run(key, work(key), async () => {})));
  expect(results.join('')).toBe('aaaabbbb');
  expect(most).toBe(1);
});

it('ends a waiting call when its recheck throws, without running its work', async () => {
  const gate = new KeyedGate();
  const ran: string[] = [];
  const first = gate.run('k', async () => (await tick(), ran.push('first')), async () => {});
  const stale = gate.run('k', async () => ran.push('stale'), async () => {
    throw new Error('stale');
  });
  await expect(stale).rejects.toThrow('stale');
  await first;
  await gate.run('k', async () => ran.push('after'), async () => {
    throw new Error('not waited, not rechecked');
  });
  expect(ran).toEqual(['first', 'after']);
});

it('releases the key when the work fails', async () => {
  const gate = new KeyedGate();
  await expect(gate.run('k', async () => Promise.reject(new Error('boom')), async () => {})).rejects.toThrow('boom');
  await expect(gate.run('k', async () => 'next', async () => {})).resolves.toBe('next');
});
