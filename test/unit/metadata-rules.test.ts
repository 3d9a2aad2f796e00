import { display, parseMetadata } from '../../src/domain/metadata.js';

describe('parseMetadata', () => {
  it('keeps plain JSON types, makes groups of nested objects and types typed values', () => {
    const { values, problems } = parseMetadata({
      accuracy: 0.95,
      framework: 'torch',
      ok: true,
      nothing: null,
      layers: [64, 32],
      model_metrics: { f1: 0.9, size: { $type: 'StorageSize', value: 2400000 }, extra: { deep: 1 } },
      source: { $type: 'Uri', value: 's3://bucket/x' },
      column: { $type: 'DType', value: 'float32' },
      file: { $type: 'Path', value: 'sub/x.csv' },
      at: { $type: 'DateTime', value: '2024-05-01T14:00:00+02:00' },
    });
    expect(problems).toEqual([]);
    const byKey = Object.fromEntries(values.map((v) => [v.key, v]));
    expect(byKey.accuracy).toMatchObject({ type: 'NUMBER', value: 0.95, num: 0.95, group: null });
    expect(byKey.framework).toMatchObject({ type: 'STRING', str: 'torch' });
    expect(byKey.ok).toMatchObject({ type: 'BOOLEAN', bool: true });
    expect(byKey.nothing).toMatchObject({ type: 'NULL', value: null });
    expect(byKey.layers).toMatchObject({ type: 'JSON', value: [64, 32] });
    expect(byKey.f1).toMatchObject({ type: 'NUMBER', group: 'model_metrics' });
    expect(byKey.size).toMatchObject({ type: 'STORAGE_SIZE', value: 2400000, num: 2400000, group: 'model_metrics' });
    expect(byKey.extra).toMatchObject({ type: 'JSON', value: { deep: 1 }, group: 'model_metrics' });
    expect(byKey.source).toMatchObject({ type: 'URI', str: 's3://bucket/x' });
    expect(byKey.column.type).toBe('DTYPE');
    expect(byKey.file.type).toBe('PATH');
    expect(byKey.at).toMatchObject({ type: 'DATETIME', value: '2024-05-01T12:00:00.000Z' });
  });

  it('applies reserved keys as actions, never as values', () => {
    const parsed = parseMetadata({
      'valohai.tags': ['gold', 'eu'],
      'valohai.alias': 'model-prod',
      'valohai.dataset-versions': ['dataset://big-data/processed'],
      'valohai.model-versions': ['model://fraud/3'],
      n: 1,
    });
    expect(parsed.problems).toEqual([]);
    expect(parsed.values.map((v) => v.key)).toEqual(['n']);
    expect(parsed.actions).toEqual({
      tags: ['gold', 'eu'],
      alias: 'model-prod',
      datasetVersions: [{ uri: 'dataset://big-data/processed', aliases: [], tags: [] }],
      modelVersions: [{ uri: 'model://fraud/3', aliases: [], tags: [] }],
    });
  });

  it('names a reserved key of the wrong type and a bad typed value', () => {
    const { problems } = parseMetadata({
      'valohai.tags': 'gold',
      'valohai.alias': 3,
      'valohai.model-versions': ['dataset://x/1'],
      size: { $type: 'StorageSize', value: -5 },
      kind: { $type: 'Colour', value: 'red' },
      odd: { $type: 'Uri', value: 's3://x', extra: 1 },
    });
    expect(problems).toEqual([
      { field: 'valohai.tags', message: 'valohai.tags must be a list of strings, got "gold"' },
      { field: 'valohai.alias', message: 'valohai.alias must be an alias name (letters, digits, . _ -), got 3' },
      { field: 'valohai.model-versions', message: 'valohai.model-versions entries look like model://<name>/<version>, got "dataset://x/1"' },
      { field: 'size', message: 'StorageSize must be a non-negative integer number of bytes, got -5' },
      { field: 'kind', message: '$type must be one of StorageSize, Uri, DType, Path, DateTime, got "Colour"' },
      { field: 'odd', message: 'a typed value is exactly {"$type": T, "value": V}, got keys $type,extra,value' },
    ]);
  });

  it('keys what a step logs onto its pipeline run as step_name::key', () => {
    const { values } = parseMetadata({ loss: 0.1, metrics: { auc: 0.8 } }, { stepPrefix: 'train' });
    expect(values.map((v) => [v.key, v.group, v.name])).toEqual([['train::loss', null, 'train::loss'], ['train::auc', 'metrics', 'metrics.train::auc']]);
  });

  it('gives every (group, key) its own name, so none of them collide', () => {
    const { values, problems } = parseMetadata({
      train: { loss: 0.2, accuracy: 0.97 },
      val: { loss: 0.3, accuracy: 0.91 },
      accuracy: 0.5,
      model_metrics: { accuracy: 0.9 },
      'lr.decay': 0.1,
      lr: { decay: 0.2 },
      'a\\b': 1,
    });
    expect(problems).toEqual([]);
    expect(values.map((v) => v.name)).toEqual(['train.loss', 'train.accuracy', 'val.loss', 'val.accuracy', 'accuracy', 'model_metrics.accuracy', 'lr\\.decay', 'lr.decay', 'a\\\\b']);
    expect(new Set(values.map((v) => v.name)).size).toBe(values.length);
  });

  it("keeps every field of Metaflow's {field: {value, type}} shape, each as a group", () => {
    const { values } = parseMetadata({ accuracy: { value: 0.9, type: 'float' }, epochs: { value: 20, type: 'int' } });
    expect(values.map((v) => [v.name, v.value])).toEqual([['accuracy.value', 0.9], ['accuracy.type', 'float'], ['epochs.value', 20], ['epochs.type', 'int']]);
  });

  it('keeps an empty object as a JSON value rather than dropping it', () => {
    expect(parseMetadata({ hyper: {} }).values.map((v) => [v.name, v.type, v.value])).toEqual([['hyper', 'JSON', {}]]);
  });

  it('leaves the system group to Pedigree, but a plain key named like a system value is the user’s own', () => {
    expect(parseMetadata({ system: { host: 'mine' } }).problems).toEqual([
      { field: 'system', message: 'the system group is written by Pedigree alone (host, image, start, end, duration, …); put these values in a group of your own' },
    ]);
    expect(parseMetadata({ host: 'mine', duration: 3 }).values.map((v) => v.name)).toEqual(['host', 'duration']);
    expect(parseMetadata({ system: { host: 'h1' } }, { system: true }).values.map((v) => v.name)).toEqual(['system.host']);
  });

  it('refuses a valohai.* key that is not reserved, naming the nearest reserved one', () => {
    expect(parseMetadata({ 'valohai.tag': ['x'], 'valohai.aliases': 'y' }).problems).toEqual([
      { field: 'valohai.tag', message: 'valohai.tag is not a reserved key (valohai.tags, valohai.alias, valohai.dataset-versions, valohai.model-versions); did you mean valohai.tags?' },
      { field: 'valohai.aliases', message: 'valohai.aliases is not a reserved key (valohai.tags, valohai.alias, valohai.dataset-versions, valohai.model-versions); did you mean valohai.alias?' },
    ]);
  });

  it("takes Valohai's object form of dataset versions: aliases and tags of the version", () => {
    const parsed = parseMetadata({ 'valohai.dataset-versions': [{ uri: 'dataset://mydata/v3', targeting_aliases: ['latest'], 'valohai.tags': ['dev'] }, 'dataset://other/v1'] });
    expect(parsed.problems).toEqual([]);
    expect(parsed.actions.datasetVersions).toEqual([
      { uri: 'dataset://mydata/v3', aliases: ['latest'], tags: ['dev'] },
      { uri: 'dataset://other/v1', aliases: [], tags: [] },
    ]);
    const bad = parseMetadata({ 'valohai.dataset-versions': [{ uri: 'model://x/1', targeting_aliases: 'latest', colour: 1 }], 'valohai.model-versions': [{ uri: 'model://x/1' }] });
    expect(bad.problems.map((p) => p.field)).toEqual(['valohai.dataset-versions.0', 'valohai.dataset-versions.0.uri', 'valohai.dataset-versions.0.targeting_aliases', 'valohai.model-versions.0']);
  });

  it('refuses what is not an object', () => {
    expect(parseMetadata([1, 2]).problems[0].message).toBe('metadata must be a JSON object, got [1,2]');
  });
});

describe('display', () => {
  it('renders sizes in human units and values as text', () => {
    expect(display('STORAGE_SIZE', 2400000)).toBe('2.4 MB');
    expect(display('STORAGE_SIZE', 999)).toBe('999 B');
    expect(display('STORAGE_SIZE', 9007199254740993n)).toBe('9.01 PB');
    expect(display('NUMBER', 0.95)).toBe('0.95');
    expect(display('JSON', [1, 2])).toBe('[1,2]');
    expect(display('URI', 's3://x')).toBe('s3://x');
  });
});
