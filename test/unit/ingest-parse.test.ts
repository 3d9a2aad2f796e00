import { byFolder, filesNamedIn, namingWarnings, orphanSidecar, parseManifest, parseManifestLine, parseSidecar } from '../../src/ingest/parse.js';

const outputs = (p: string) => ['a.txt', 'sub/b.txt'].includes(p);

describe('manifest lines', () => {
  it('matches files by relative path, subfolders included, and accepts ./ and empty lines', () => {
    const { pieces, problems } = parseManifest('{"file": "sub/b.txt", "metadata": {"x": 1}}\n\n{"file": "./a.txt", "metadata": {"y": 2}}\r\n', outputs);
    expect(problems).toEqual([]);
    expect([...pieces.keys()]).toEqual(['sub/b.txt', 'a.txt']);
    expect(pieces.get('a.txt')).toEqual([{ source: 'MANIFEST', line: 3, metadata: { y: 2 } }]);
  });

  it('says in words when two objects are glued on one line', () => {
    const glued = parseManifestLine('{"file": "a.txt", "metadata": {"x": {"y": 1}}}{"file": "sub/b.txt", "metadata": {}}', 7, outputs);
    const message = 'two JSON objects on one line: a newline is missing between them';
    expect(glued.problems).toEqual([{ file: 'valohai.metadata.jsonl', line: 7, message, output: 'a.txt' }, { file: 'valohai.metadata.jsonl', line: 7, message, output: 'sub/b.txt' }]);
    const spaced = parseManifestLine('{"file": "a.txt", "metadata": {}} {"file": "a.txt", "metadata": {}}', 1, outputs);
    expect(spaced.problems[0].message).toBe('two JSON objects on one line: a newline is missing between them');
    const broken = parseManifestLine('{"file": "a.txt", "metadata": {"x": 1}', 2, outputs);
    expect(broken.problems[0].message).toMatch(/^invalid JSON: /);
  });

  it('names the outputs of a line that does not parse, so --allow-partial leaves them out', () => {
    const unclosed = parseManifestLine('{"file": "./a.txt", "metadata": {"ok": true}', 2, outputs);
    expect(unclosed.problems).toEqual([{ file: 'valohai.metadata.jsonl', line: 2, message: expect.stringMatching(/^invalid JSON: /), output: 'a.txt' }]);
    const glued = parseManifestLine('{"file": "a.txt", "metadata": {}}{"file": "sub/b.txt", "metadata": {"x": 1}}', 3, outputs);
    expect(glued.problems.map((p) => p.output)).toEqual(['a.txt', 'sub/b.txt']);
    expect(new Set(glued.problems.map((p) => p.message))).toEqual(new Set(['two JSON objects on one line: a newline is missing between them']));
    const { pieces, problems } = parseManifest('{"file": "a.txt", "metadata": {"x": 1}}\n{"file": "sub/b.txt", "metadata": {"y": 2},,}', outputs);
    expect([...pieces.keys()]).toEqual(['a.txt']);
    expect(problems).toEqual([expect.objectContaining({ line: 2, output: 'sub/b.txt' })]);
  });

  it('names no output where the broken text names none that exists', () => {
    expect(parseManifestLine('{"file": "elsewhere.txt", "metadata": {', 1, outputs).problems).toEqual([{ file: 'valohai.metadata.jsonl', line: 1, message: expect.any(String) }]);
    expect(parseManifestLine('{file: a.txt}', 1, outputs).problems[0].output).toBeUndefined();
  });

  it('reads only the top-level "file" of each object from broken text', () => {
    expect(filesNamedIn('{"metadata": {"file": "inner.txt"}, "file": "outer.txt",, }')).toEqual(['outer.txt']);
    expect(filesNamedIn('{"file": "x.txt", "metadata": {"a": 1,}}  {"file": "y.txt", "metadata"')).toEqual(['x.txt', 'y.txt']);
    expect(filesNamedIn('[1, 2')).toEqual([]);
  });

  it('names the output, ./ removed, when "metadata" is not an object', () => {
    expect(parseManifestLine('{"file": "./a.txt", "metadata": [1]}', 1, outputs).problems).toEqual([
      { file: 'valohai.metadata.jsonl', line: 1, field: 'metadata', message: '"metadata" must be a JSON object', output: 'a.txt' },
    ]);
  });

  it('names the field and the output of a metadata problem', () => {
    const { problems } = parseManifestLine('{"file": "a.txt", "metadata": {"when": {"$type": "DateTime", "value": "soon"}}}', 4, outputs);
    expect(problems).toEqual([{ file: 'valohai.metadata.jsonl', line: 4, field: 'when', output: 'a.txt', message: expect.stringMatching(/^DateTime must be an ISO 8601 date-time/) }]);
  });
});

describe('sidecars', () => {
  it('reports the line of invalid JSON', () => {
    const { problems } = parseSidecar('m.pkl.metadata.json', '{\n  "a": 1,\n  "b": ,\n}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'm.pkl.metadata.json', line: 3, output: 'm.pkl' });
  });

  it('wants one object', () => {
    expect(parseSidecar('x.metadata.json', '[1]').problems[0].message).toBe('a sidecar must hold one JSON object of metadata');
  });
});

describe('names that look like metadata', () => {
  const folders = byFolder(['metadata.json', 'model.pkl', 'data.csv', 'data.csv.meta.json', 'sub/metadata.json', 'sub/a.bin', 'sub/b.bin', 'sub/valohai.metadata.jsonl', 'runs/model.pkl', 'runs/model.onnx']);

  it('warns about metadata.json, <file>.meta.json and a manifest in a subfolder, each naming itself as the output', () => {
    const warnings = namingWarnings(folders);
    expect(warnings.map((w) => w.output)).toEqual(['metadata.json', 'data.csv.meta.json', 'sub/metadata.json', 'sub/valohai.metadata.jsonl']);
    const [root, meta, sub, manifest] = warnings.map((w) => w.message);
    expect(meta).toBe('ingested as a data file, not read as metadata: sidecars end in .metadata.json; did you mean data.csv.metadata.json?');
    expect(manifest).toBe("ingested as a data file, not read as metadata: the manifest is read only at the folder's root");
    // a hint only where one file is the likely target
    expect(root).toBe('ingested as a data file, not read as metadata: a sidecar is named after the file it describes (<file>.metadata.json)');
    expect(sub).toBe('ingested as a data file, not read as metadata: a sidecar is named after the file it describes (<file>.metadata.json)');
    expect(namingWarnings(byFolder(['m/metadata.json', 'm/model.pkl']))[0].message).toMatch(/; did you mean m\/model\.pkl\.metadata\.json\?$/);
  });

  it('says which file a sidecar named after a stem meant, and names that file', () => {
    expect(orphanSidecar('model.metadata.json', folders)).toEqual({
      file: 'model.metadata.json',
      message: 'sidecar for a missing file: no output named "model"; did you mean model.pkl.metadata.json?',
      output: 'model.pkl',
    });
    expect(orphanSidecar('runs/model.metadata.json', folders)).toEqual({
      file: 'runs/model.metadata.json',
      message: 'sidecar for a missing file: no output named "runs/model"; did you mean one of runs/model.pkl.metadata.json, runs/model.onnx.metadata.json?',
    });
    expect(orphanSidecar('gone.txt.metadata.json', folders)).toEqual({ file: 'gone.txt.metadata.json', message: 'sidecar for a missing file: no output named "gone.txt"' });
    expect(orphanSidecar('valohai.metadata.json', folders).message).toMatch(/did you mean the manifest valohai\.metadata\.jsonl/);
  });
});
