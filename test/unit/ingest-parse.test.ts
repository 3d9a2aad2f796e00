import { parseManifest, parseManifestLine, parseSidecar } from '../../src/ingest/parse.js';

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
    expect(glued.problems).toEqual([{ file: 'valohai.metadata.jsonl', line: 7, message: 'two JSON objects on one line: a newline is missing between them' }]);
    const spaced = parseManifestLine('{"file": "a.txt", "metadata": {}} {"file": "a.txt", "metadata": {}}', 1, outputs);
    expect(spaced.problems[0].message).toBe('two JSON objects on one line: a newline is missing between them');
    const broken = parseManifestLine('{"file": "a.txt", "metadata": {"x": 1}', 2, outputs);
    expect(broken.problems[0].message).toMatch(/^invalid JSON: /);
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
