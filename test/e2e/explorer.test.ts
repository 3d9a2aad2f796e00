/**
 * The lineage explorer in a real browser: Debian's chromium driven by playwright-core,
 * against the real API and Neo4j with the story fixture. Screenshots of each step go to
 * test-results/screenshots/ for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { explorerDir, packageRoot } from '../../src/paths.js';
import { PROJECT, startStoryApi, type Story } from '../fixtures/story/story.js';
import { ADMIN_TOKEN, sha, type TestApi } from '../support/api.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(packageRoot, 'test-results', 'screenshots');

let api: TestApi;
let story: Story;
let browser: Browser;
let page: Page;
/** The two extra training runs of the sweep, beside the story's own `train`. */
const sweep: string[] = [];

const LOG = `mutation($t: ID!, $m: JSONObject!) { logMetadata(target: $t, metadata: $m) { target { id } } }`;
const SET_ALIAS = `mutation($name: String!, $id: ID!, $reason: String) { setAlias(project: "${PROJECT}", name: $name, datumId: $id, reason: $reason) { name } }`;

/**
 * The story plus what the page shows off: metrics on three training runs of a small
 * learning-rate sweep, typed metadata and tags on the model, and an alias that moved.
 */
async function decorateStory() {
  const metrics = (lr: number, accuracy: number, f1: number, loss: number, seconds: number) => ({
    learning_rate: lr,
    epochs: 20,
    accuracy,
    loss,
    train_seconds: seconds,
    eval: { f1, auc: Number((accuracy + 0.03).toFixed(3)) },
    optimizer: 'adam',
  });
  await api.ok(LOG, { t: story.train, m: metrics(0.01, 0.931, 0.904, 0.212, 412) });
  for (const [lr, accuracy, f1, loss, seconds] of [[0.03, 0.918, 0.887, 0.251, 388], [0.003, 0.936, 0.911, 0.197, 530]]) {
    const { createExecution } = await api.ok(`mutation($input: CreateExecutionInput!) { createExecution(input: $input) { id } }`, {
      input: { project: PROJECT, name: 'train', kind: 'STEP', parentId: story.nightly, commit: 'a1b2c3d', image: 'python:3.11', hardware: 'gpu-a10', parameters: { learning_rate: lr } },
    });
    const id = createExecution.id as string;
    await api.ok(`mutation($id: ID!) { startExecution(id: $id) { id } }`, { id });
    await api.ok(`mutation($id: ID!, $inputs: [InputRef!]!) { recordInputs(executionId: $id, inputs: $inputs) { id } }`, { id, inputs: [{ datumId: story.trainCsv, inputName: 'train' }] });
    await api.ok(`mutation($id: ID!, $outputs: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $outputs) { id } }`, {
      id,
      outputs: [{ path: 'model/model.pkl', size: 48_200_000, sha256: sha(`sweep-${lr}`) }],
    });
    await api.ok(`mutation($id: ID!) { finishExecution(id: $id, status: COMPLETED) { id } }`, { id });
    await api.ok(LOG, { t: id, m: { ...metrics(lr, accuracy, f1, loss, seconds), optimizer: lr > 0.01 ? 'sgd' : 'adam' } });
    sweep.push(id);
  }
  await api.ok(LOG, {
    t: story.modelPkl,
    m: {
      framework: 'scikit-learn',
      weights: { size: { $type: 'StorageSize', value: 48_200_000 }, dtype: { $type: 'DType', value: 'float32' }, file: { $type: 'Path', value: 'model/model.pkl' } },
      card: { $type: 'Uri', value: 'https://models.acme.example/fraud/1' },
      'valohai.tags': ['candidate', 'nightly'],
    },
  });
  const sweepModel = (await api.ok(`query($id: ID!) { execution(id: $id) { outputs { id } } }`, { id: sweep[0] })).execution.outputs[0].id;
  await api.ok(SET_ALIAS, { name: 'model-candidate', id: sweepModel, reason: 'sweep: lr 0.03' });
  await api.ok(SET_ALIAS, { name: 'model-candidate', id: story.modelPkl, reason: 'lr 0.03 lost 1.3 points of accuracy' });
  await api.ok(SET_ALIAS, { name: 'model-prod', id: story.modelPkl, reason: 'approved for the May release' });
}

/** What the canvas holds, as the page exposes it. */
type Drawn = { id: string; kind: string; label: string; frontier: boolean; position: { x: number; y: number } };
const drawn = () => page.evaluate(() => (document.querySelector('#graph') as unknown as { lineage: () => unknown }).lineage()) as Promise<Drawn[]>;
const titles = async () => (await drawn()).map((n) => n.label.split('\n')[0]).sort();

/** Clicks a node on the canvas once the layout has stopped moving it. */
async function clickNode(id: string) {
  let before: Drawn | undefined;
  let now: Drawn | undefined;
  do {
    before = now;
    await page.waitForTimeout(before ? 150 : 0);
    now = (await drawn()).find((n) => n.id === id);
    if (!now) throw new Error(`node ${id} is not drawn`);
  } while (!before || before.position.x !== now.position.x || before.position.y !== now.position.y);
  const box = (await page.locator('#graph').boundingBox())!;
  await page.mouse.click(box.x + now.position.x, box.y + now.position.y);
}

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

beforeAll(async () => {
  if (!existsSync(join(explorerDir, 'explorer.js'))) throw new Error('The explorer is not built: run `npm run build` first');
  mkdirSync(SHOTS, { recursive: true });
  ({ api, story } = await startStoryApi());
  await decorateStory();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => {
    throw error;
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe('lineage explorer', () => {
  it('is served by the API and asks for a token, explaining a wrong one in words', async () => {
    await page.goto(`${api.url}/explorer`);
    await page.locator('#token-dialog[open]').waitFor();
    await page.fill('#token-input', 'pdg_not_a_real_token');
    await page.click('#token-form button[type=submit]');
    await expectText('#token-error', 'The token is unknown or revoked');
    await page.fill('#token-input', ADMIN_TOKEN());
    await page.click('#token-form button[type=submit]');
    await page.locator('#token-dialog[open]').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => sessionStorage.getItem('pedigree.token'))).toBe(ADMIN_TOKEN());
    await shot('01-start');
  });

  it('finds a datum by alias and draws its upstream and downstream, one hop each way', async () => {
    await page.fill('#depth', '1');
    await page.fill('#q', 'model-candidate');
    await page.press('#q', 'Enter');
    await expectText('#status', 'nodes');
    expect(await titles()).toEqual(['deploy', 'evaluate', 'fraud/1', 'model.pkl', 'report.json', 'train', 'train.csv']);
    const byId = new Map((await drawn()).map((n) => [n.id, n]));
    expect(byId.get(story.modelPkl)!.kind).toBe('DATUM');
    expect(byId.get(story.train)!.kind).toBe('EXECUTION');
    expect(byId.get(story.modelVersion)!.kind).toBe('MODEL_VERSION');
    // train.csv was made by preprocess, which lies beyond the one hop walked
    expect(byId.get(story.trainCsv)!.frontier).toBe(true);
    await page.locator('#panel .detail').waitFor();
    await shot('02-graph');
  });

  it('expands a node cut off at the frontier with the next hop', async () => {
    await clickNode(story.trainCsv);
    await expectText('#status', 'expanded');
    const ids = new Set((await drawn()).map((n) => n.id));
    for (const id of [story.preprocess, story.raw, story.datasetVersion, ...sweep]) expect(ids).toContain(id);
    expect((await drawn()).find((n) => n.id === story.datasetVersion)!.kind).toBe('DATASET_VERSION');
    expect((await drawn()).find((n) => n.id === story.trainCsv)!.frontier).toBe(false);
    await page.waitForTimeout(400);
    await shot('03-expanded');
  });

  it("opens a node's record: typed metadata cards, tags, aliases and their history", async () => {
    await clickNode(story.modelPkl);
    const panel = page.locator(`#panel .detail[data-id="${story.modelPkl}"]`);
    await panel.waitFor();
    expect(await panel.locator('h2').textContent()).toBe('model/model.pkl');
    const weights = panel.locator('.card[data-group="weights"]');
    expect(await weights.locator('dd[data-type="STORAGE_SIZE"]').textContent()).toBe('48.2 MB');
    expect(await weights.locator('dd[data-type="DTYPE"] code').textContent()).toBe('float32');
    expect(await weights.locator('dd[data-type="PATH"] code').textContent()).toBe('model/model.pkl');
    expect(await panel.locator('dd[data-type="URI"] a').getAttribute('href')).toBe('https://models.acme.example/fraud/1');
    expect(await panel.locator('.tag').allTextContents()).toEqual(['candidate', 'nightly']);
    const candidate = panel.locator('.alias', { hasText: 'datum://model-candidate' });
    expect(await candidate.locator('ol.timeline li').count()).toBe(3);
    expect(await candidate.locator('ol.timeline li').first().textContent()).toContain('lr 0.03 lost 1.3 points of accuracy');
    await shot('04-panel');
  });

  it('compares the training runs: changed values marked, one line per run in the plot', async () => {
    await clickNode(story.train);
    await page.locator(`#panel .detail[data-id="${story.train}"] .compare-toggle`).click();
    for (const id of sweep) {
      await clickNode(id);
      await page.locator(`#panel .detail[data-id="${id}"] .compare-toggle`).click();
    }
    expect(await page.locator('#tray .chip').count()).toBe(3);
    await page.click('#compare-button');
    const body = page.locator('#compare-body .comparison-body');
    await body.waitFor();
    expect(await body.locator('thead th').count()).toBe(4);
    const lr = body.locator('tr[data-key="learning_rate"]');
    expect(await lr.getAttribute('class')).toContain('differs');
    expect(await lr.locator('td.changed').count()).toBe(2);
    expect(await body.locator('tr[data-key="epochs"] td.changed').count()).toBe(0);
    expect(await body.locator('svg.parallel polyline').count()).toBe(3);
    await shot('05-comparison');
    await page.click('#compare-close');
  });

  it('says in words when nothing matches or the API refuses', async () => {
    await page.fill('#q', 'no/such/file.csv');
    await page.press('#q', 'Enter');
    await expectText('#error', 'Nothing matches "no/such/file.csv"');
    await page.fill('#q', 'datum://has spaces');
    await page.press('#q', 'Enter');
    await expectText('#error .code', 'BAD_USER_INPUT');
    await shot('06-error');
  });
});

async function expectText(selector: string, text: string) {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout: 10_000 });
}
