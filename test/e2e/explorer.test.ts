/**
 * The lineage explorer in a real browser: Debian's chromium driven by playwright-core,
 * against the real API and Neo4j with the story fixture. Screenshots of each step go to
 * test-results/screenshots/ for people to look at.
 */
import type { Browser, Page } from 'playwright-core';
import { PROJECT, startStoryApi, type Story } from '../fixtures/story/story.js';
import { ADMIN_TOKEN, sha, type TestApi } from '../support/api.js';
import { explorerHelpers, launchBrowser } from './explorer-page.js';

let api: TestApi;
let story: Story;
let browser: Browser;
let page: Page;
/** The two extra training runs of the sweep, beside the story's own `train`. */
const sweep: string[] = [];

const LOG = `mutation($t: ID!, $m: JSONObject!) { logMetadata(target: $t, metadata: $m) { target { id } } }`;
const CREATE = `mutation($input: CreateExecutionInput!) { createExecution(input: $input) { id } }`;
const OUTPUTS = `mutation($id: ID!, $outputs: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $outputs) { id } }`;
/** Every address the page asked for that the API did not have. */
const missing: string[] = [];
const SET_ALIAS = `mutation($name: String!, $id: ID!, $reason: String) { setAlias(project: "${PROJECT}", name: $name, datumId: $id, reason: $reason) { name } }`;

/**
 * The story plus what the page shows off: metrics on three training runs of a small
 * learning-rate sweep, typed metadata and tags on the model, and an alias that moved.
 */
async function decorateStory() {
  const metrics = (lr: number, accuracy: number, f1: number, auc: number, loss: number, seconds: number) => ({
    learning_rate: lr,
    epochs: 20,
    accuracy,
    loss,
    train_seconds: seconds,
    eval: { f1, auc },
    optimizer: 'adam',
  });
  await api.ok(LOG, { t: story.train, m: metrics(0.01, 0.931, 0.904, 0.9612, 0.212, 412) });
  // AUCs 0.0003 apart: a difference that binary floating point does not compute exactly
  for (const [lr, accuracy, f1, auc, loss, seconds] of [[0.03, 0.918, 0.887, 0.9609, 0.251, 388], [0.003, 0.936, 0.911, 0.9615, 0.197, 530]]) {
    const { createExecution } = await api.ok(CREATE, {
      input: { project: PROJECT, name: 'train', kind: 'STEP', parentId: story.nightly, commit: 'a1b2c3d', image: 'python:3.11', hardware: 'gpu-a10', parameters: { learning_rate: lr } },
    });
    const id = createExecution.id as string;
    await api.ok(`mutation($id: ID!) { startExecution(id: $id) { id } }`, { id });
    await api.ok(`mutation($id: ID!, $inputs: [InputRef!]!) { recordInputs(executionId: $id, inputs: $inputs) { id } }`, { id, inputs: [{ datumId: story.trainCsv, inputName: 'train' }] });
    await api.ok(OUTPUTS, {
      id,
      outputs: [{ path: 'model/model.pkl', size: 48_200_000, sha256: sha(`sweep-${lr}`) }],
    });
    await api.ok(`mutation($id: ID!) { finishExecution(id: $id, status: COMPLETED) { id } }`, { id });
    await api.ok(LOG, { t: id, m: { ...metrics(lr, accuracy, f1, auc, loss, seconds), optimizer: lr > 0.01 ? 'sgd' : 'adam' } });
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

const { drawn, titles, clickNode, expectText, openById, shot } = explorerHelpers(() => page);

/** Every link target in the page's body. */
const hrefs = () => page.evaluate(() => [...document.body.querySelectorAll('[href]')].map((e) => e.getAttribute('href')!));

beforeAll(async () => {
  ({ api, story } = await startStoryApi());
  await decorateStory();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => {
    throw error;
  });
  page.on('response', (response) => {
    if (response.status() === 404) missing.push(response.url());
  });
}, 120_000);

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
    const icon = await page.evaluate(() => document.querySelector('link[rel="icon"]')?.getAttribute('href') ?? null);
    expect(icon).not.toBeNull();
    const answer = await fetch(new URL(icon!, `${api.url}/explorer/`));
    expect([answer.status, answer.headers.get('content-type')]).toEqual([200, expect.stringContaining('image/svg+xml')]);
    expect(missing).toEqual([]);
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
    // the sweep's models: 48,200,000 bytes read as the API's display words them
    expect((await drawn()).find((n) => n.id !== story.modelPkl && n.label.startsWith('model.pkl'))!.label).toBe('model.pkl\n48.2 MB');
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
    const lr = body.locator('tr[data-name="learning_rate"]');
    expect(await lr.getAttribute('class')).toContain('differs');
    expect(await lr.locator('td.changed').count()).toBe(2);
    expect(await body.locator('tr[data-name="epochs"] td.changed').count()).toBe(0);
    expect(await body.locator('svg.parallel polyline').count()).toBe(3);
    // deltas at the precision of the values: 0.9609 - 0.9612 is -0.0003, not -0.000300000000000078
    expect(await lr.locator('.delta').allTextContents()).toEqual(['+0.02', '-0.007']);
    expect(await body.locator('tr[data-name="eval.auc"] .delta').allTextContents()).toEqual(['-0.0003', '+0.0003']);
    // creation parameters: train was created with {step: "train"}, the sweep with {learning_rate}
    expect(await body.locator('tr[data-param="learning_rate"] td').allTextContents()).toEqual(['—', '0.03', '0.003']);
    expect(await body.locator('tr[data-param="learning_rate"] td.changed').count()).toBe(2);
    expect(await body.locator('tr[data-param="step"] td').allTextContents()).toEqual(['train', '—', '—']);
    expect(await body.locator('tr[data-param="step"]').getAttribute('class')).toContain('differs');
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

  it("lists a pipeline run's steps in its panel, each opening its own record", async () => {
    const panel = await openById(story.nightly);
    const steps = panel.locator('ol.steps li');
    expect(await steps.evaluateAll((items) => items.map((li) => li.getAttribute('data-id')))).toEqual([story.preprocess, story.train, story.evaluate, story.deploy, ...sweep]);
    expect(await steps.first().textContent()).toContain('preprocess');
    await shot('07-pipeline');
    await steps.nth(2).locator('a').click();
    await page.locator(`#panel .detail[data-id="${story.evaluate}"]`).waitFor();
  });

  it('cuts a long metadata key short on its card instead of running it into the value', async () => {
    const key = 'false_positive_rate_at_95_percent_recall_on_the_may_holdout_transactions';
    await api.ok(LOG, { t: story.reportJson, m: { evaluation: { [key]: 0.042, auc: 0.961 } } });
    const panel = await openById(story.reportJson);
    const value = panel.locator(`.card[data-group="evaluation"] dd[data-key="${key}"]`);
    expect(await value.textContent()).toBe('0.042');
    const layout = await value.evaluate((dd) => {
      const dt = dd.previousElementSibling as HTMLElement;
      const text = document.createRange();
      text.selectNodeContents(dt);
      const style = getComputedStyle(dt);
      // what of the key is painted: all of its text, unless the label clips it
      const painted = style.overflowX === 'visible' ? text.getBoundingClientRect().right : dt.getBoundingClientRect().right;
      return { painted, valueStarts: dd.getBoundingClientRect().left, ellipsis: style.textOverflow, title: dt.title };
    });
    expect(layout.painted).toBeLessThanOrEqual(layout.valueStarts);
    expect(layout.ellipsis).toBe('ellipsis');
    expect(layout.title.split('\n')[0]).toBe(key);
    await shot('08-long-key');
  });

  it('makes links of http(s) values and graph URIs only: javascript:, data: and git@ remotes are text', async () => {
    const execution = async (name: string, repository: string) =>
      (await api.ok(CREATE, { input: { project: PROJECT, name, kind: 'ADHOC', repository } })).createExecution.id as string;
    const script = 'javascript:alert(document.domain)';
    const html = 'data:text/html;base64,PHNjcmlwdD5hbGVydChkb2N1bWVudC5kb21haW4pPC9zY3JpcHQ+';
    const unsafe = await execution('unsafe-links', script);
    const ssh = await execution('ssh-remote', 'git@github.com:acme/fraud.git');
    await api.ok(LOG, {
      t: unsafe,
      m: {
        links: {
          script: { $type: 'Uri', value: script },
          page: { $type: 'Uri', value: html },
          shouting: { $type: 'Uri', value: 'JavaScript:alert(1)' },
          docs: { $type: 'Uri', value: 'https://docs.acme.example/fraud' },
          raw: { $type: 'Uri', value: 's3://acme-raw/transactions/2024-05.csv' },
          prod: { $type: 'Uri', value: 'datum://model-prod' },
        },
      },
    });
    const safe = (href: string) => href === '#' || href === './' || /^https?:\/\//.test(href);

    let panel = await openById(unsafe);
    const links = panel.locator('.card[data-group="links"]');
    for (const [key, text] of [['script', script], ['page', html], ['shouting', 'JavaScript:alert(1)'], ['raw', 's3://acme-raw/transactions/2024-05.csv']]) {
      expect([key, await links.locator(`dd[data-key="${key}"]`).textContent(), await links.locator(`dd[data-key="${key}"] a`).count()]).toEqual([key, text, 0]);
    }
    const repository = panel.locator('dl.record dt:text-is("Repository") + dd');
    expect([await repository.textContent(), await repository.locator('a').count()]).toEqual([script, 0]);
    expect(await links.locator('dd[data-key="docs"] a').evaluate((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')])).toEqual([
      'https://docs.acme.example/fraud',
      '_blank',
      'noopener noreferrer',
    ]);
    expect((await hrefs()).filter((href) => !safe(href))).toEqual([]);
    // nor any inline handler: listeners are attached, never written as attributes
    expect(await page.evaluate(() => [...document.body.querySelectorAll('*')].flatMap((e) => e.getAttributeNames()).filter((n) => /^on/i.test(n)))).toEqual([]);
    await shot('09-safe-links');

    panel = await openById(ssh);
    const remote = panel.locator('dl.record dt:text-is("Repository") + dd');
    expect([await remote.textContent(), await remote.locator('a').count()]).toEqual(['git@github.com:acme/fraud.git', 0]);
    expect((await hrefs()).filter((href) => !safe(href))).toEqual([]);

    // a graph URI opens in the explorer, in the project of the record it was logged in
    panel = await openById(unsafe);
    await panel.locator('.card[data-group="links"] dd[data-key="prod"] a').click();
    await page.locator(`#panel .detail[data-id="${story.modelPkl}"]`).waitFor();
  });

  it('lists an alias that exists in several projects by project, and the project picker narrows a search to one', async () => {
    const lab = (await api.ok(CREATE, { input: { project: 'lab', name: 'train', kind: 'STEP' } })).createExecution.id;
    const [labModel] = (await api.ok(OUTPUTS, { id: lab, outputs: [{ path: 'model/model.pkl', size: 1_200_000, sha256: sha('lab-model') }] })).recordOutputs;
    await api.ok(`mutation($id: ID!) { setAlias(project: "lab", name: "shared-model", datumId: $id) { name } }`, { id: labModel.id });
    await api.ok(SET_ALIAS, { name: 'shared-model', id: story.modelPkl, reason: 'the same name in another project' });

    await page.selectOption('#project', '');
    await page.fill('#q', 'shared-model');
    await page.press('#q', 'Enter');
    const results = page.locator('#results');
    await results.locator('.result-project').first().waitFor({ timeout: 10_000 });
    const listed = await results.locator('.result-project').evaluateAll((sections) =>
      sections.map((s) => [s.getAttribute('data-project'), [...s.querySelectorAll('button')].map((b) => b.getAttribute('data-id'))]),
    );
    expect(listed).toEqual([['lab', [labModel.id]], ['story', [story.modelPkl]]]);
    // the picker offers the projects the token sees, the one created since the page loaded included
    expect(await page.locator('#project option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['', 'lab', 'story']);
    await shot('10-several-projects');

    await results.locator(`.result-project[data-project="lab"] button[data-id="${labModel.id}"]`).click();
    expect(await page.locator(`#panel .detail[data-id="${labModel.id}"] header`).textContent()).toContain('project lab');
    expect(await results.isHidden()).toBe(true);

    // with a project chosen, the name is that project's alias and opens at once
    await page.selectOption('#project', 'story');
    await page.fill('#q', 'shared-model');
    await page.press('#q', 'Enter');
    await page.locator(`#panel .detail[data-id="${story.modelPkl}"]`).waitFor({ timeout: 10_000 });
    await page.selectOption('#project', 'lab');
    await page.fill('#q', 'model-candidate');
    await page.press('#q', 'Enter');
    await expectText('#error', 'Nothing matches "model-candidate" in project lab');
    await page.selectOption('#project', '');
  });

  // A value's identity is its group and key: the top-level `accuracy` and
  // `model_metrics.accuracy` are two values, each on its own card.
  it('shows a top-level value and a grouped value of the same key on their own cards', async () => {
    await api.ok(LOG, { t: story.metricsJson, m: { accuracy: 0.5, model_metrics: { accuracy: 0.9 } } });
    const panel = await openById(story.metricsJson);
    expect(await panel.locator('.card[data-group=""] dd[data-name="accuracy"]').allTextContents()).toEqual(['0.5']);
    expect(await panel.locator('.card[data-group="model_metrics"] dd[data-name="model_metrics.accuracy"]').allTextContents()).toEqual(['0.9']);
    expect(await panel.locator('.card[data-group="model_metrics"] dt').allTextContents()).toEqual(['accuracy']);
    await shot('11-same-key-two-cards');
  });
});
