import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { runNode, type CliResult } from '../support/cli.js';
import { ADMIN_TOKEN, cliEnv, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';
import { freePort } from '../support/global-setup.js';

/**
 * The README's "A first pipeline" as a reader follows it: the README is read at test time,
 * so what it says is what runs. Its commands are found as fenced blocks inside the section,
 * not by line numbers, so the prose around them can change freely.
 */
let api: TestApi;
let quickstart: CliResult;

const QUICKSTART = join(packageRoot, 'examples', 'quickstart.mjs');

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  quickstart = await runNode([], cliEnv(api), QUICKSTART);
}, 60_000);
afterAll(() => api.close());

/** A `## <title>` section of README.md, up to the next `## ` heading. */
function readmeSection(title: string): string {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section '## ${title}'`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The fenced code blocks of some Markdown, each with its info string (`sh`, or '' for plain output). */
const fences = (markdown: string) => [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({ lang, body }));

function fence(title: string, test: (block: { lang: string; body: string }) => boolean, what: string): string {
  const found = fences(readmeSection(title)).find(test);
  if (!found) throw new Error(`README.md's '## ${title}' has no fenced block with ${what}`);
  return found.body;
}

/**
 * Splits a shell command into words as sh would: single and double quotes, backslash
 * escapes and line continuations, and $NAME or ${NAME} taken from `env` (a name it does not
 * hold fails, so the README cannot depend on a variable the reader was never told to set).
 */
function shellWords(command: string, env: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const variable = () => {
    const match = /^\$(?:\{(\w+)\}|(\w+))/.exec(command.slice(i));
    if (!match) throw new Error(`cannot expand '${command.slice(i, i + 20)}' in: ${command}`);
    const name = match[1] ?? match[2];
    if (!(name in env)) throw new Error(`the command uses $${name}, which the reader was not told to set: ${command}`);
    i += match[0].length;
    return env[name];
  };
  while (i < command.length) {
    const c = command[i];
    if (c === '\\' && command[i + 1] === '\n') {
      i += 2;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${command}`);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      word ??= '';
      for (i++; command[i] !== '"'; ) {
        if (i >= command.length) throw new Error(`unterminated " in: ${command}`);
        if (command[i] === '$') word += variable();
        else if (command[i] === '\\' && '"\\$`'.includes(command[i + 1])) (word += command[i + 1]), (i += 2);
        else word += command[i++];
      }
      i++;
    } else if (c === '$') {
      word = (word ?? '') + variable();
    } else if (c === '\\') {
      word = (word ?? '') + command[i + 1];
      i += 2;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The request a curl command line sends, for the options the README uses; any other option fails the test. */
function curlRequest(words: string[]): { url: string; init: RequestInit } {
  expect(words[0]).toBe('curl');
  const headers: Record<string, string> = {};
  let url: string | undefined;
  let body: string | undefined;
  let method: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    if (word === '-s' || word === '--silent') continue;
    if (word === '-H' || word === '--header') {
      const header = words[++i];
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d' || word === '--data' || word === '--data-raw') body = words[++i];
    else if (word === '-X' || word === '--request') method = words[++i];
    else if (word.startsWith('-')) throw new Error(`the README's curl uses ${word}, which this test does not translate`);
    else if (url) throw new Error(`the README's curl names two URLs: ${url} and ${word}`);
    else url = word;
  }
  if (!url) throw new Error("the README's curl names no URL");
  // curl's own default for -d
  if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return { url, init: { method: method ?? (body === undefined ? 'GET' : 'POST'), headers, body } };
}

describe('README: A first pipeline', () => {
  it('tells the reader to set PEDIGREE_URL where it runs the quickstart', () => {
    const run = fence('A first pipeline', (b) => b.lang === 'sh' && b.body.includes('node examples/quickstart.mjs'), 'node examples/quickstart.mjs');
    expect(run).toMatch(/^export PEDIGREE_URL=http:\/\/localhost:4000$/m);
    expect(run).toMatch(/^export PEDIGREE_TOKEN=/m);
  });

  it('examples/quickstart.mjs runs as written and prints what the README shows', () => {
    expect(quickstart.stderr).toBe('');
    expect(quickstart.code).toBe(0);
    const shown = fence('A first pipeline', (b) => b.lang === '' && b.body.startsWith('Upstream of'), 'the quickstart output');
    const expected = shown.trimEnd().split('\n');
    const printed = quickstart.stdout.trimEnd().split('\n');
    expect(printed).toHaveLength(expected.length);
    // `…` in the README stands for an id, which differs on every run
    expected.forEach((line, n) => {
      const pattern = new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…/g, '\\S+')}$`);
      expect(printed[n]).toMatch(pattern);
    });
  });

  it("the curl example answers the quickstart's model even when a second project has a model-prod too", async () => {
    const other = await api.ok(`mutation { createExecution(input: {project: "readme-other", name: "train"}) { id } }`);
    const [datum] = (
      await api.ok(`mutation($id: ID!) { recordOutputs(executionId: $id, outputs: [{path: "other/model.pkl", size: 1, sha256: "${sha('other')}"}]) { id } }`, {
        id: other.createExecution.id,
      })
    ).recordOutputs;
    await api.ok(`mutation($id: ID!) { setAlias(project: "readme-other", name: "model-prod", datumId: $id) { name } }`, { id: datum.id });

    const command = fence('A first pipeline', (b) => b.lang === 'sh' && b.body.trimStart().startsWith('curl '), 'the curl example');
    const { url, init } = curlRequest(shellWords(command.trim(), { PEDIGREE_URL: api.url, PEDIGREE_TOKEN: ADMIN_TOKEN() }));
    const response = await fetch(url, init);
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(response.status).toBe(200);
    expect(body.data.datum).toMatchObject({ path: 'model/model.pkl', producer: { name: 'train', commit: 'a1b2c3d', image: 'python:3.11' } });
    expect(body.data.datum.upstream).toContainEqual({ distance: 2, kind: 'DATUM', node: { uri: 's3://demo-bucket/raw/events.csv' } });
  });
});

describe('examples/quickstart.mjs says what to fix, in one line, as the CLI does', () => {
  it('when nothing answers at PEDIGREE_URL', async () => {
    const port = await freePort();
    const run = await runNode([], { ...cliEnv(api), PEDIGREE_URL: `http://127.0.0.1:${port}` }, QUICKSTART);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`quickstart: cannot reach the API at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); is it running? set PEDIGREE_URL\n`);
  });

  it('when PEDIGREE_TOKEN is not set', async () => {
    const run = await runNode([], { ...cliEnv(api), PEDIGREE_TOKEN: '' }, QUICKSTART);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('quickstart: no token: set PEDIGREE_TOKEN to the admin token `npm start` printed on its first start, or to one from `pedigree token create`\n');
  });

  it('when the API refuses the token', async () => {
    const run = await runNode([], { ...cliEnv(api), PEDIGREE_TOKEN: 'pdg_not-a-token' }, QUICKSTART);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`quickstart: the API at ${api.url} refused the token (The token is unknown or revoked); set PEDIGREE_TOKEN\n`);
  });
});
