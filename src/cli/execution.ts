import { Command, InvalidArgumentError } from 'commander';
import { withClient, type ApiClient } from './client.js';

const FIELDS = 'id name kind status project { name } createdAt startedAt endedAt duration';

export interface NewExecution {
  name: string;
  project: string;
  kind?: string;
  parent?: string;
  commit?: string;
  repository?: string;
  image?: string;
  hardware?: string;
  host?: string;
  parameters?: Record<string, unknown>;
}

/** `createExecution` from the CLI's options; shared by `execution create` and `ingest --new-execution`. */
export async function createExecution(client: ApiClient, e: NewExecution): Promise<{ id: string; name: string; kind: string; status: string }> {
  const input = {
    project: e.project,
    name: e.name,
    kind: e.kind,
    parentId: e.parent,
    commit: e.commit,
    repository: e.repository,
    image: e.image,
    hardware: e.hardware,
    host: e.host,
    parameters: e.parameters,
  };
  const { createExecution } = await client.request(`mutation($input: CreateExecutionInput!) { createExecution(input: $input) { ${FIELDS} } }`, { input });
  return createExecution;
}

export async function startExecution(client: ApiClient, id: string) {
  return (await client.request(`mutation($id: ID!) { startExecution(id: $id) { ${FIELDS} } }`, { id })).startExecution;
}

/**
 * One `--parameters` value folded into the ones before it: a JSON object, or `key=value`
 * where the value is read as JSON when it is JSON (`lr=0.01` is a number, `epochs=20` an
 * integer, `tag=abc` a string). A key given twice is refused rather than one silently winning.
 */
export function parameter(text: string, before: Record<string, unknown> = {}): Record<string, unknown> {
  let added: Record<string, unknown>;
  if (text.trimStart().startsWith('{')) {
    try {
      added = JSON.parse(text);
    } catch (error) {
      throw new InvalidArgumentError(`not a JSON object: ${(error as Error).message}`);
    }
    if (typeof added !== 'object' || added === null || Array.isArray(added)) throw new InvalidArgumentError('expected a JSON object or key=value');
  } else {
    const cut = text.indexOf('=');
    if (cut < 1) throw new InvalidArgumentError(`expected key=value or a JSON object, got '${text}'`);
    const raw = text.slice(cut + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: the text itself
    }
    added = { [text.slice(0, cut)]: value };
  }
  const repeated = Object.keys(added).filter((key) => key in before);
  if (repeated.length) throw new InvalidArgumentError(`parameter ${repeated.map((k) => `'${k}'`).join(', ')} given twice`);
  return { ...before, ...added };
}

/** A choice given in any case (`--kind deployment`), checked here so the message names the option. */
const oneOf = (choices: string[]) => (value: string) => {
  const upper = value.toUpperCase();
  if (!choices.includes(upper)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
  return upper;
};

/** The options `execution create` and `ingest --new-execution` share, beside name and project. */
export function recordOptions(command: Command): Command {
  return command
    .option('--kind <kind>', 'STEP (the default), PIPELINE, NOTEBOOK, ADHOC or DEPLOYMENT', oneOf(['STEP', 'PIPELINE', 'NOTEBOOK', 'ADHOC', 'DEPLOYMENT']))
    .option('--parent <id>', 'the pipeline run this step is part of')
    .option('--commit <sha>', 'the commit of the code it runs')
    .option('--repository <url>', 'the repository of that commit')
    .option('--image <image>', 'the container image')
    .option('--hardware <hardware>', 'the hardware (instance type, GPU)')
    .option('--host <host>', 'the host it runs on')
    .option('--parameters <json|key=value>', 'parameters: a JSON object, or key=value (repeat it; a value that is JSON, like 0.01, keeps its type)', parameter);
}

/** `pedigree execution create|start|finish`: record a run from a shell script or pipeline. */
export function executionCommand(apiHelp: string): Command {
  const execution = new Command('execution').description('Record executions: create one, start it, finish it');

  recordOptions(
    execution
      .command('create')
      .description('Record an execution (QUEUED) with its reproducibility record; prints its id on the last line')
      .argument('<name>', 'its name, e.g. the step name (train, preprocess)')
      .requiredOption('--project <name>', 'the project (created on first use)'),
  )
    .addHelpText('after', `${apiHelp}\n\nExample:\n  id=$(pedigree execution create train --project fraud --commit "$(git rev-parse HEAD)" --parameters lr=0.01 --parameters epochs=20 | tail -n 1)`)
    .action((name: string, o) =>
      withClient('execution', async (client) => {
        const e = await createExecution(client, { ...o, name });
        console.log(`Created ${e.kind} execution ${e.name} (${e.status}) in project ${o.project}:`);
        console.log(e.id);
      }),
    );

  execution
    .command('start')
    .description('QUEUED -> RUNNING: the execution starts now')
    .argument('<id>', 'the execution id (from execution create)')
    .addHelpText('after', apiHelp)
    .action((id: string) =>
      withClient('execution', async (client) => {
        const e = await startExecution(client, id);
        console.log(`Started ${e.name} ${e.id} at ${e.startedAt}`);
      }),
    );

  execution
    .command('finish')
    .description('QUEUED or RUNNING -> COMPLETED, FAILED or STOPPED: the execution ends now')
    .argument('<id>', 'the execution id')
    .requiredOption('--status <status>', 'COMPLETED, FAILED or STOPPED', oneOf(['COMPLETED', 'FAILED', 'STOPPED']))
    .addHelpText('after', apiHelp)
    .action((id: string, o) =>
      withClient('execution', async (client) => {
        const { finishExecution: e } = await client.request(`mutation($id: ID!, $status: FinalStatus!) { finishExecution(id: $id, status: $status) { ${FIELDS} } }`, { id, status: o.status });
        console.log(`Finished ${e.name} ${e.id}: ${e.status} at ${e.endedAt}${e.duration === null ? '' : ` after ${e.duration} s`}`);
      }),
    );
  return execution;
}
