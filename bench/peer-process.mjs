// The peer under measurement: the same Neo4j graph served by @neo4j/graphql's generated
// resolvers, in its own process for the same reason as api-process.mjs (its peak RSS is
// its own), on the same HTTP stack as ours (Apollo Server 5 on express 5, landing page
// off) and the same driver settings. Answers the runner over IPC like api-process.mjs;
// 'cypher' -> the statements sent since the last 'reset', to show what it generates.
import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { Neo4jGraphQL } from '@neo4j/graphql';
import express from 'express';
import { loadConfig } from '../dist/src/config.js';
import { createDriver } from '../dist/src/db/driver.js';
import { peerTypeDefs } from './peer-schema.mjs';

const config = loadConfig();
const driver = createDriver(config.neo4j);
const sent = [];

// The library runs each request as session.executeRead/executeWrite(tx => tx.run(…)), so
// counting tx.run counts its Cypher round trips the way the executor's onQuery hook counts ours.
const counted = new Proxy(driver, {
  get(target, key) {
    if (key !== 'session') return Reflect.get(target, key);
    return (sessionConfig) => {
      const session = target.session(sessionConfig);
      const wrap = (execute) => (work, txConfig) =>
        execute.call(session, (tx) => work(new Proxy(tx, {
          get: (t, k) => (k === 'run' ? (query, params) => (sent.push(query), t.run(query, params)) : Reflect.get(t, k)),
        })), txConfig);
      session.executeRead = wrap(session.executeRead);
      session.executeWrite = wrap(session.executeWrite);
      return session;
    };
  },
});

const schema = await new Neo4jGraphQL({ typeDefs: peerTypeDefs(), driver: counted }).getSchema();
const app = express();
const httpServer = createServer(app);
const apollo = new ApolloServer({
  schema,
  plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
});
await apollo.start();
app.use(
  '/graphql',
  express.json({ limit: '10mb' }),
  expressMiddleware(apollo, { context: async () => ({ sessionConfig: { database: config.neo4j.database } }) }),
);
await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
process.send({ ready: `http://127.0.0.1:${httpServer.address().port}` });

// Gone with the runner, even when it was killed before it could send 'close'.
process.once('disconnect', () => process.exit(0));
process.on('message', async (message) => {
  if (message === 'reset') {
    sent.length = 0;
    process.send({ reset: true });
  } else if (message === 'stats') {
    process.send({ statements: sent.length, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  } else if (message === 'cypher') {
    process.send({ cypher: [...sent] });
  } else if (message === 'close') {
    await apollo.stop();
    await driver.close();
    process.exit(0);
  }
});
