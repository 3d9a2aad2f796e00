import { display, parseMetadata } from '../../src/metadata/rules.js';

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
    expect(parsed.actions).toEqual({ tags: ['gold', 'eu'], alias: 'model-prod', datasetVersions: ['dataset://big-data/processed'], modelVersions: ['model://fraud/3'] });
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
    const { values } = parseMetadata({ loss: 0.1, metrics: { auc: 0.8 } }, 'train');
    expect(values.map((v) => [v.key, v.group])).toEqual([['train::loss', null], ['train::auc', 'metrics']]);
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
