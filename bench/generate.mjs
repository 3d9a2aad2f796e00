// A seeded generator of ML lineage shaped like real pipelines: template pipelines of
// 5-30 steps whose join and evaluation steps read 2-5 inputs (diamonds), hyper-parameter
// sweeps (one dataset feeding 10-100 trainings, then an evaluation of the best few),
// raw hub datasets picked with a Zipf law (a few are read by most pipelines), one long
// incremental chain, 5-20 metadata keys per datum, tags from a Zipf vocabulary, some
// aliases with move history, and a model retrained on a second run of its pipeline (two
// model versions whose upstreams share every step by name). Every lineage edge carries
// `at`, the time it was recorded, as the API writes it. The same seed gives the same
// graph, ids included.

/** mulberry32: small, fast and good enough to pick shapes; Math.random cannot be seeded. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^s. */
function zipfSampler(random, n, s) {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cumulative[k] = total += 1 / (k + 1) ** s;
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const TAG_VOCABULARY = 300;
const HUB_DATASETS = 60;
const SPLITS = ['train', 'validation', 'test'];
/** Keys every datum carries, so list predicates have values to match. */
const COMMON_KEYS = [
  ['rows', 'NUMBER', null, (r) => Math.floor(r() * 1e7)],
  ['quality', 'NUMBER', null, (r) => Math.round(r() * 1000) / 1000],
  ['split', 'STRING', null, (r) => SPLITS[Math.floor(r() * 3)]],
  ['validated', 'BOOLEAN', null, (r) => r() < 0.7],
  ['schema_version', 'NUMBER', null, (r) => 1 + Math.floor(r() * 5)],
];
/** The rest of a datum's 5-20 keys come from this pool, a third of them in the `metrics` group. */
const EXTRA_KEYS = Array.from({ length: 30 }, (_, i) => {
  const kind = i % 3;
  if (kind === 0) return [`metric_${i}`, 'NUMBER', 'metrics', (r) => Math.round(r() * 1e4) / 1e4];
  if (kind === 1) return [`param_${i}`, 'STRING', null, (r) => `value-${Math.floor(r() * 50)}`];
  return [`flag_${i}`, 'BOOLEAN', null, (r) => r() < 0.5];
});

/**
 * Builds the graph in memory: `nodes` by label (each row carries what its CREATE needs)
 * and `rels` by type as {from, to, ...properties}. Stops adding pipelines and sweeps
 * once the node count (metadata entries, tags and aliases included) reaches `targetNodes`.
 */
export function generateGraph({ seed, targetNodes, chainLength }) {
  const random = seededRandom(seed);
  const between = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const pickTag = zipfSampler(random, TAG_VOCABULARY, 1);
  const pickHub = zipfSampler(random, HUB_DATASETS, 1.1);
  const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
  const project = 'bench';
  let clock = Date.parse('2024-01-01T00:00:00Z');
  const tick = (maxMinutes = 5) => new Date((clock += Math.floor(random() * maxMinutes * 60_000) + 1)).toISOString();

  const nodes = { Project: [], Execution: [], Datum: [], Tag: [], MetadataEntry: [], Alias: [], Model: [] };
  const rels = { PRODUCED_BY: [], CONSUMED_BY: [], PART_OF: [], TAGGED: [], CONTAINS: [] };
  let nodeCount = 0;

  nodes.Project.push({ id: uuid(), name: project, project, createdAt: tick() });
  nodeCount++;
  const tagIds = Array.from({ length: TAG_VOCABULARY }, () => null);
  const tag = (target, rank) => {
    if (tagIds[rank] === null) {
      tagIds[rank] = uuid();
      nodes.Tag.push({ id: tagIds[rank], project, name: `tag-${String(rank).padStart(3, '0')}`, createdAt: tick(0) });
      nodeCount++;
    }
    rels.TAGGED.push({ from: target, to: tagIds[rank] });
  };
  const tagSome = (target, max) => {
    const ranks = new Set();
    for (let n = between(0, max); n > 0; n--) ranks.add(pickTag());
    for (const rank of ranks) tag(target, rank);
  };

  const metadata = (target, loggedAt) => {
    const extra = [...EXTRA_KEYS];
    const keys = [...COMMON_KEYS];
    for (let n = between(0, 15); n > 0; n--) keys.push(...extra.splice(Math.floor(random() * extra.length), 1));
    const entries = keys.map(([key, type, group, value]) => {
      const v = value(random);
      return {
        // `name` is the value's identity and address, group.key (src/domain/metadata.ts; no key here holds a dot to escape)
        id: uuid(), project, name: group ? `${group}.${key}` : key, key, group, type, value: JSON.stringify(v), loggedAt, loggedBy: 'bench', source: 'API',
        num: type === 'NUMBER' ? v : null, str: type === 'STRING' ? v : null, bool: type === 'BOOLEAN' ? v : null,
      };
    });
    nodes.MetadataEntry.push({ target, entries });
    nodeCount += entries.length;
  };

  const datum = (path, producer, externalUri) => {
    const id = uuid();
    const createdAt = tick(1);
    nodes.Datum.push({
      id, project, uri: externalUri ?? `datum://${id}`, path, size: between(1_000, 5_000_000_000), sha256: hex(64),
      contentType: 'application/octet-stream', external: Boolean(externalUri), createdAt,
    });
    nodeCount++;
    // the API records a datum and its PRODUCED_BY edge in one transaction, at one time
    if (producer) rels.PRODUCED_BY.push({ from: id, to: producer, at: createdAt });
    metadata(id, createdAt);
    tagSome(id, 3);
    return id;
  };

  const execution = (name, kind, parent, parameters = {}) => {
    const id = uuid();
    const createdAt = tick();
    nodes.Execution.push({
      id, project, name, kind, status: 'COMPLETED', createdAt, startedAt: createdAt, endedAt: tick(30),
      createdBy: 'pipeline-bot', commit: hex(40), repository: 'https://git.example.com/ml/models', image: 'python:3.11',
      hardware: kind === 'STEP' ? 'gpu-a100' : 'cpu-small', host: `worker-${between(1, 40)}`, commands: ['python main.py'],
      parameters: JSON.stringify(parameters), costAmount: Math.round(random() * 5000) / 100, costCurrency: 'USD', attempt: 1,
    });
    nodeCount++;
    if (parent) rels.PART_OF.push({ from: id, to: parent });
    tagSome(id, 2);
    return id;
  };

  const read = (executionId, datumId, inputName) => rels.CONSUMED_BY.push({ from: datumId, to: executionId, inputName, at: tick(0) });

  const hubs = Array.from({ length: HUB_DATASETS }, (_, i) => datum(`raw/hub-${i}.parquet`, null, `s3://bench-raw/hub-${i}.parquet`));
  /** Final outputs of finished pipelines: later pipelines and sweeps read some of them. */
  const published = [];
  const source = () => (published.length && random() < 0.3 ? published[Math.floor(random() * published.length)] : hubs[pickHub()]);

  const templates = Array.from({ length: 20 }, (_, t) => {
    const steps = [];
    const length = between(5, 30);
    for (let i = 0; i < length; i++) {
      let inputs;
      if (i === 0) inputs = Array.from({ length: between(1, 2) }, () => 'source');
      else if (i >= 2 && random() < 0.25) {
        // a join or evaluation step: 2-5 distinct earlier steps, so paths meet again (diamonds)
        const earlier = new Set([i - 1]);
        const want = Math.min(between(2, 5), i);
        while (earlier.size < want) earlier.add(Math.floor(random() * i));
        inputs = [...earlier];
      } else inputs = random() < 0.1 ? [i - 1, 'source'] : [i - 1];
      steps.push({ name: `t${t}-step-${i}`, inputs, outputs: random() < 0.7 ? 1 : 2 });
    }
    return { name: `pipeline-${t}`, steps };
  });

  /** One run of a template; `pick` gives a first step's input. Returns the run's final output. */
  const runPipeline = (template, pick = source) => {
    const run = execution(template.name, 'PIPELINE', null);
    const outputs = [];
    template.steps.forEach((step, i) => {
      const exec = execution(step.name, 'STEP', run, { learning_rate: random() / 10, epochs: between(1, 50) });
      step.inputs.forEach((input, k) => {
        const from = input === 'source' ? [pick()] : outputs[input];
        for (const d of from) read(exec, d, `input-${k}`);
      });
      outputs[i] = Array.from({ length: step.outputs }, (_, k) => datum(`${step.name}/out-${k}.parquet`, exec));
    });
    return outputs.at(-1)[0];
  };

  const models = [];
  /** A sweep over the dataset `pick` gives: its trained models and the evaluation's report. */
  const runSweep = (name, pick = source) => {
    const run = execution(name, 'PIPELINE', null);
    const dataset = pick();
    const trained = [];
    for (let n = between(10, 100); n > 0; n--) {
      const exec = execution('train', 'STEP', run, { learning_rate: random() / 10, batch_size: 2 ** between(4, 9) });
      read(exec, dataset, 'training-data');
      trained.push(datum('model/model.pt', exec));
    }
    const evaluate = execution('evaluate', 'STEP', run);
    read(evaluate, dataset, 'test-data');
    for (let n = between(2, 5); n > 0; n--) read(evaluate, trained[Math.floor(random() * trained.length)], `candidate-${n}`);
    return { trained, report: datum('eval/report.json', evaluate) };
  };

  // One dataset grown by daily increments: each step reads yesterday's snapshot and a delta.
  let snapshot = datum('warehouse/snapshot-0.parquet', null, 's3://bench-warehouse/snapshot-0.parquet');
  const chainStart = snapshot;
  for (let i = 1; i <= chainLength; i++) {
    const exec = execution('incremental-load', 'STEP', null, { day: i });
    read(exec, snapshot, 'previous');
    read(exec, datum(`deltas/day-${i}.parquet`, null, `s3://bench-warehouse/deltas/day-${i}.parquet`), 'delta');
    snapshot = datum(`warehouse/snapshot-${i}.parquet`, exec);
  }
  const chainEnd = snapshot;

  // at least a few pipelines and sweeps, so lineage walks have roots whatever the size
  for (let unit = 0; unit < 20 || nodeCount < targetNodes; unit++) {
    if (random() < 0.7) published.push(runPipeline(templates[Math.floor(random() * templates.length)]));
    else {
      const { trained, report } = runSweep(`sweep-${unit}`);
      models.push(trained[0]);
      published.push(report);
    }
  }

  // Aliases on the first model of each sweep, some moved a few times (history), and on a
  // sprinkle of other datums, so nested lists meet them.
  const aliasTargets = [...models.map((m) => [m]), ...nodes.Datum.filter(() => random() < 0.01).map((d) => [d.id])];
  aliasTargets.forEach((targets, i) => {
    const moves = [];
    let from = null;
    for (const to of [...targets, ...(random() < 0.3 ? models.slice(0, between(1, 3)) : [])]) {
      if (to === from) continue;
      moves.push({ id: uuid(), seq: moves.length + 1, at: tick(0), from, to });
      from = to;
    }
    nodes.Alias.push({ id: uuid(), project, name: `alias-${i}`, createdAt: moves[0].at, updatedAt: moves.at(-1).at, target: from, moves });
    nodeCount += 1 + moves.length;
  });

  // A model retrained on a second run of its pipeline, last so that the graph above stays
  // the same for a given seed: the template with the most join steps runs twice from a raw
  // dataset of its own (no walk above gains a node), each run's output feeds a sweep, and
  // each sweep's first model becomes a version of one model (CONTAINS, as
  // createModelVersion records it). Their upstreams share every step by name.
  const joins = (template) => template.steps.filter((step) => step.inputs.filter((input) => input !== 'source').length > 1).length;
  const retrain = templates.reduce((a, b) => (joins(b) > joins(a) ? b : a));
  const retrainRaw = datum('raw/retrain.parquet', null, 's3://bench-raw/retrain.parquet');
  const model = { id: uuid(), project, name: 'retrained', createdAt: tick(0), versions: [] };
  nodeCount++;
  for (const version of [1, 2]) {
    const dataset = runPipeline(retrain, () => retrainRaw);
    const { trained } = runSweep(`retrain-sweep-${version}`, () => dataset);
    const id = uuid();
    const createdAt = tick(0);
    model.versions.push({ id, project, name: model.name, version, uri: `model://${model.name}/${version}`, createdAt, createdBy: 'bench', status: 'PENDING' });
    rels.CONTAINS.push({ from: id, to: trained[0], at: createdAt });
    nodeCount++;
  }
  nodes.Model.push(model);

  return {
    project,
    nodes,
    rels,
    nodeCount,
    /** Start points for the measurements. */
    samples: {
      chainStart, chainEnd, published: published.slice(-200), topTag: 'tag-000',
      /** The two model versions of the retrained model, version 1 first. */
      retrained: model.versions.map((v) => v.id),
      /** The time of the last recorded node or edge: the graph as of then is the whole graph. */
      recordedUntil: new Date(clock).toISOString(),
    },
  };
}
