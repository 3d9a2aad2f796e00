import type { Driver } from 'neo4j-driver';
import { loadConfig } from '../../src/config.js';
import { createDriver } from '../../src/db/driver.js';
import { Executor } from '../../src/db/executor.js';
import { BOOKMARK_HEADER, RequestBookmarks } from '../../src/domain/bookmarks.js';
import { bookmarkAhead } from '../support/bookmarks.js';
import { recordingSessions } from '../support/sessions.js';
import { cypher, errorCode, resetDatabase, startApi, type TestApi } from '../support/api.js';

/**
 * Causal consistency: every session of a process shares one bookmark manager, a write's
 * bookmarks travel with the answer, and a session that starts from them sees the write;
 * a bookmark the database cannot use is the client's BAD_USER_INPUT, never a hang.
 */
const config = loadConfig();
const database = config.neo4j.database;
const drivers: Driver[] = [];
const newDriver = () => {
  const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
  drivers.push(driver);
  return driver;
};
let api: TestApi;
/** An API whose transactions may take 2 s: how long it waits for a bookmark. */
let strict: TestApi;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  strict = await startApi({ txTimeoutMs: 2_000 });
  // the first API of a run migrates a new database: its indexes take a while on a busy machine
}, 120_000);
afterAll(async () => {
  await api?.close();
  await strict?.close();
  for (const driver of drivers) await driver.close();
});

describe('two sessions of one process', () => {
  it("are chained by the driver's one bookmark manager, and a session opened with the write's bookmark on another driver sees it", async () => {
    const one = recordingSessions(newDriver());
    const written = new RequestBookmarks();
    const writer = new Executor(one.driver, { database, txTimeoutMs: 5_000, bookmarks: written });
    await writer.write((tx) => tx.run({ cypher: "CREATE (:BookmarkProbe {id: 'chained'})", global: 'a test node' }));

    // the write's bookmark is the process's latest, and the answer's
    const manager = one.driver.executeQueryBookmarkManager;
    expect(written.header).toMatch(/^FB:/);
    expect([...(await manager.getBookmarks())]).toEqual([written.header]);

    // a second session of the process (another request's executor) starts from the manager
    const reader = new Executor(one.driver, { database, txTimeoutMs: 5_000 });
    const [seen] = await reader.query({ cypher: "MATCH (p:BookmarkProbe {id: 'chained'}) RETURN count(p) AS n", global: 'a test node' });
    expect(seen.n).toBe(1);
    expect(one.sessions).toHaveLength(2);
    for (const session of one.sessions) expect(session.bookmarkManager).toBe(manager);
    expect(one.sessions.map((s) => s.defaultAccessMode)).toEqual(['WRITE', 'READ']);

    // another process, with the bookmark the answer carried
    const elsewhere = new Executor(newDriver(), { database, txTimeoutMs: 5_000, bookmarks: new RequestBookmarks([written.header!]) });
    const [there] = await elsewhere.query({ cypher: "MATCH (p:BookmarkProbe {id: 'chained'}) RETURN count(p) AS n", global: 'a test node' });
    expect(there.n).toBe(1);
  });

  it('hand back the bookmark of the latest write of a request, which supersedes the earlier ones', async () => {
    const driver = newDriver();
    const bookmarks = new RequestBookmarks();
    const executor = new Executor(driver, { database, txTimeoutMs: 5_000, bookmarks });
    await executor.write((tx) => tx.run({ cypher: "CREATE (:BookmarkProbe {id: 'first'})", global: 'a test node' }));
    const first = bookmarks.header;
    await executor.write((tx) => tx.run({ cypher: "CREATE (:BookmarkProbe {id: 'second'})", global: 'a test node' }));
    expect(bookmarks.header).not.toBe(first);
    expect(bookmarks.header!.split(', ')).toHaveLength(1);
  });
});

describe('the separate wait for a client\'s bookmark', () => {
  const probe = { cypher: 'MATCH (p:BookmarkProbe) RETURN count(p) AS n', global: 'a test node' };
  /** The sessions one request (an executor with the client's bookmarks) opens for one lookup. */
  const lookUp = async (driver: Driver, bookmark: string) => {
    const recorded = recordingSessions(driver);
    await new Executor(recorded.driver, { database, txTimeoutMs: 5_000, bookmarks: new RequestBookmarks([bookmark]) }).query(probe);
    return recorded.sessions.map((s) => ({ bookmarks: s.bookmarks, probe: s.disableAutoCommitRetries === true }));
  };

  it('happens once per process for a bookmark from elsewhere, and never for one of its own writes', async () => {
    const writer = newDriver();
    const written = new RequestBookmarks();
    await new Executor(writer, { database, txTimeoutMs: 5_000, bookmarks: written }).write((tx) => tx.run({ cypher: 'CREATE (:BookmarkProbe)', global: 'a test node' }));
    const bookmark = written.header!;
    // the process that wrote it knows it is real
    expect(await lookUp(writer, bookmark)).toEqual([{ bookmarks: [bookmark], probe: false }]);
    // another process waits for it apart once, then no more; its sessions start from it all the same
    const other = newDriver();
    expect(await lookUp(other, bookmark)).toEqual([
      { bookmarks: [bookmark], probe: true },
      { bookmarks: [bookmark], probe: false },
    ]);
    expect(await lookUp(other, bookmark)).toEqual([{ bookmarks: [bookmark], probe: false }]);
  });
});

describe('a bookmark the database cannot use', () => {
  const probe = { cypher: 'MATCH (p:BookmarkProbe) RETURN count(p) AS n', global: 'a test node' };

  it('is refused as BAD_USER_INPUT within the transaction time limit when the database never reaches it, once per request', async () => {
    const driver = newDriver();
    const real = new RequestBookmarks();
    await new Executor(driver, { database, txTimeoutMs: 5_000, bookmarks: real }).write((tx) => tx.run({ cypher: 'CREATE (:BookmarkProbe)', global: 'a test node' }));
    const bookmarks = new RequestBookmarks([bookmarkAhead(real.header!)]);
    const executor = new Executor(driver, { database, txTimeoutMs: 1_000, bookmarks });
    let started = Date.now();
    await expect(executor.query(probe)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: BOOKMARK_HEADER } });
    // 1 s and what a busy machine adds to it; Neo4j alone would hold the statement for its bookmark timeout, 30 s
    expect(Date.now() - started).toBeLessThan(6_000);
    // the request's other sessions hear the same answer without waiting again
    started = Date.now();
    await expect(executor.read((tx) => tx.run(probe))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('is refused as BAD_USER_INPUT at once when the database cannot read it', async () => {
    const executor = new Executor(newDriver(), { database, txTimeoutMs: 5_000, bookmarks: new RequestBookmarks(['FB:not-a-bookmark']) });
    const started = Date.now();
    await expect(executor.query(probe)).rejects.toMatchObject({
      message: expect.stringMatching(/^Pedigree-Bookmark is not a bookmark this database can read .*send back only the header of an earlier answer/),
      extensions: { code: 'BAD_USER_INPUT', field: BOOKMARK_HEADER },
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('over HTTP', () => {
  const CREATE = `mutation($n: String!) { createExecution(input: {project: "bookmarks", name: $n}) { id } }`;
  const READ = `query($id: ID!) { execution(id: $id) { name } }`;
  const post = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}, to = api) => to.post(JSON.stringify({ query, variables }), headers);

  it('answers a write with the Pedigree-Bookmark header and extensions.bookmark, and a read with neither', async () => {
    const written = await post(CREATE, { n: 'http-1' });
    const body = await written.json();
    const header = written.headers.get(BOOKMARK_HEADER);
    expect(header).toMatch(/^FB:/);
    expect(body.extensions).toEqual({ bookmark: header });

    const read = await post(READ, { id: body.data.createExecution.id }, { [BOOKMARK_HEADER]: header! });
    const readBody = await read.json();
    expect(readBody).toEqual({ data: { execution: { name: 'http-1' } } });
    expect(read.headers.get(BOOKMARK_HEADER)).toBeNull();

    // a write that starts from a bookmark answers with one that supersedes it
    const next = await post(CREATE, { n: 'http-2' }, { [BOOKMARK_HEADER]: header! });
    expect(next.headers.get(BOOKMARK_HEADER)).toMatch(/^FB:/);
    expect(next.headers.get(BOOKMARK_HEADER)).not.toBe(header);
  });

  it('refuses a header no answer could have carried with 400 before anything runs', async () => {
    for (const value of ['two words', 'x'.repeat(1025), Array.from({ length: 17 }, (_, i) => `FB:${i}`).join(',')]) {
      const refused = await post(CREATE, { n: 'never' }, { [BOOKMARK_HEADER]: value });
      expect(refused.status).toBe(400);
      const body = await refused.json();
      expect(body.errors[0]).toMatchObject({ message: expect.stringContaining('send back the header of an earlier answer unchanged, or none'), extensions: { code: 'BAD_USER_INPUT', field: BOOKMARK_HEADER } });
    }
    const { records } = await cypher("MATCH (e:Execution {name: 'never'}) RETURN count(e) AS n");
    expect(records[0].get('n').toNumber()).toBe(0);
  });

  it('refuses an altered bookmark as BAD_USER_INPUT within the transaction time limit (2 s here), writing nothing', async () => {
    const real = (await post(CREATE, { n: 'http-3' })).headers.get(BOOKMARK_HEADER)!;
    const started = Date.now();
    const answer = await (await post(CREATE, { n: 'ahead' }, { [BOOKMARK_HEADER]: bookmarkAhead(real) }, strict)).json();
    // 2 s and what a busy machine adds to it, not Neo4j's 30 s
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(errorCode(answer)).toBe('BAD_USER_INPUT');
    expect(answer.errors[0].message).toMatch(/has not reached within the transaction time limit \(2 s\)/);
    expect(answer.extensions).toBeUndefined();
    expect((await cypher("MATCH (e:Execution {name: 'ahead'}) RETURN count(e) AS n")).records[0].get('n').toNumber()).toBe(0);
    const garbled = await (await post(READ, { id: 'x' }, { [BOOKMARK_HEADER]: 'FB:garbled' })).json();
    expect(garbled.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: BOOKMARK_HEADER });
  });
});
