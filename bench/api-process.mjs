// The API under measurement, in its own process so that its peak RSS is its own and not
// the generator's or the load generator's. Configured from the environment like
// `pedigree start`; answers the runner over IPC:
//   'reset' -> clears the statement count
//   'stats' -> { statements, peakRssBytes, cpuMs }
import { loadConfig } from '../dist/src/config.js';
import { startServer } from '../dist/src/main.js';

let statements = 0;
const server = await startServer({ ...loadConfig(), port: 0 }, { onQuery: () => void statements++ });
process.send({ ready: server.url });
process.on('message', async (message) => {
  if (message === 'reset') {
    statements = 0;
    process.send({ reset: true });
  } else if (message === 'stats') {
    const { user, system } = process.cpuUsage();
    process.send({ statements, peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuMs: (user + system) / 1000 });
  } else if (message === 'close') {
    await server.close();
    process.exit(0);
  }
});
