import { spawn } from 'node:child_process';
import { mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { cliEnv, startApi, type TestApi } from '../support/api.js';
import type { CliResult } from '../support/cli.js';

/**
 * The install the README gives, `npm install -g .`, into a throwaway prefix: `pedigree`
 * must then run by name from a folder outside the repository, where `npx pedigree` would
 * look the name up in the npm registry instead.
 */
let api: TestApi;
let prefix: string;
let outside: string;

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Only the prefix's bin and node itself on the PATH: nothing else named pedigree can answer. */
const pathEnv = (env: NodeJS.ProcessEnv) => ({ ...env, PATH: [join(prefix, 'bin'), dirname(process.execPath)].join(delimiter), NODE_OPTIONS: '' });

beforeAll(async () => {
  api = await startApi();
  prefix = mkdtempSync(join(tmpdir(), 'pedigree-prefix-'));
  outside = mkdtempSync(join(tmpdir(), 'pedigree-elsewhere-'));
  // --offline: nothing is fetched (a folder install links it, dependencies included);
  // --ignore-scripts: the test run has built dist/ already, and `prepare` rebuilding it
  // here would rewrite files other test files are running from
  const npm = await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', packageRoot], { ...process.env, NODE_OPTIONS: '' }, outside);
  if (npm.code !== 0) throw new Error(`npm install -g failed:\n${npm.stderr}`);
}, 120_000);
afterAll(async () => {
  await api.close();
  // the prefix holds links into the repository: rm unlinks them, it does not follow them
  for (const dir of [prefix, outside]) rmSync(dir, { recursive: true, force: true });
});

describe('the CLI installed with npm install -g', () => {
  it('is a link to this folder on the PATH', () => {
    expect(readlinkSync(join(prefix, 'bin', 'pedigree'))).toMatch(/pedigree[\\/]bin[\\/]pedigree\.js$/);
    expect(realpathSync(join(prefix, 'bin', 'pedigree'))).toBe(realpathSync(join(packageRoot, 'bin', 'pedigree.js')));
  });

  it('runs by name from a folder outside the repository', async () => {
    const help = await run('pedigree', ['--help'], pathEnv(process.env), outside);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pedigree /);
    expect((await run('pedigree', ['--version'], pathEnv(process.env), outside)).stdout.trim()).toBe('0.1.0');
  });

  it('talks to the API from there', async () => {
    const status = await run('pedigree', ['status'], pathEnv(cliEnv(api)), outside);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^API {5}ok {4}${api.url.replace(/[.]/g, '\\.')}  pedigree 0\\.1\\.0\\nNeo4j {3}ok {4}Neo4j 5\\.`));
  });
});
