/**
 * docker-compose.yml as Compose itself reads it: `config` validates the file against the
 * Compose schema and needs no engine. Compose v2 (`docker compose`) where it is installed,
 * else v1 (`docker-compose`, which CI installs from Debian).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

const file = join(packageRoot, 'docker-compose.yml');

function compose(args: string[]) {
  for (const [command, ...prefix] of [['docker', 'compose'], ['docker-compose']]) {
    if (spawnSync(command, [...prefix, 'version'], { encoding: 'utf8' }).status !== 0) continue;
    return spawnSync(command, [...prefix, '-f', file, ...args], { encoding: 'utf8', env: { ...process.env, NEO4J_PASSWORD: 'x', PEDIGREE_ADMIN_TOKEN: 'pdg_x' } });
  }
  throw new Error('neither `docker compose` nor `docker-compose` is installed: install one (Debian: apt-get install docker-compose) to validate docker-compose.yml');
}

/** Each service's block of `config` output, by name. */
function services(config: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const body = config.slice(config.indexOf('\nservices:\n') + 1).split('\n');
  let name: string | undefined;
  for (const line of body.slice(1)) {
    if (/^\S/.test(line)) break;
    const start = /^ {2}([\w-]+):$/.exec(line);
    if (start) name = start[1];
    else if (name) blocks.set(name, `${blocks.get(name) ?? ''}${line}\n`);
  }
  return blocks;
}

it('is valid Compose, and the scaled profile adds two API replicas through neo4j:// and a balancer that checks /readyz', () => {
  const run = compose(['--profile', 'scaled', 'config']);
  expect(run.stderr).not.toMatch(/error|invalid/i);
  expect(run.status).toBe(0);
  const byName = services(run.stdout);
  expect([...byName.keys()].sort()).toEqual(['api', 'api-2', 'api-3', 'lb', 'neo4j']);
  for (const name of ['api-2', 'api-3', 'lb']) expect(byName.get(name)).toMatch(/profiles:\s*\n\s*- scaled/);
  for (const name of ['api-2', 'api-3']) expect(byName.get(name)).toMatch(/NEO4J_URI: neo4j:\/\/neo4j:7687/);
  expect(byName.get('api')).not.toMatch(/profiles:/);
  expect(byName.get('lb')).toMatch(/haproxy\.cfg/);
  expect(readFileSync(join(packageRoot, 'deploy', 'haproxy.cfg'), 'utf8')).toMatch(/^\s*option httpchk GET \/readyz$/m);
});
