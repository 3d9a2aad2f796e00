/**
 * The lineage questions in the explorer, in chromium over the story and its second
 * generation (test/fixtures/story, chapter 2): impact, paths, the diff of two model
 * versions, the filter controls and the as-of picker, each answer checked against the
 * story's expected one. Screenshots go to test-results/screenshots/questions-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { buildSecondGeneration, namesOf, startStoryApi, type SecondGeneration, type Story } from '../fixtures/story/story.js';
import { ADMIN_TOKEN, type TestApi } from '../support/api.js';
import { explorerHelpers, launchBrowser } from './explorer-page.js';

let api: TestApi;
let story: Story & SecondGeneration;
let browser: Browser;
let page: Page;

const { drawn, drawnEdges, settled, clickNode, expectText, openById, shot } = explorerHelpers(() => page);
const names = (ids: Iterable<string>) => namesOf(story, ids);
const nameOf = (id: string | null) => (id ? names([id])[0] : null);
/** Story names of the drawn nodes that carry a class. */
const withClass = async (cls: string, graph = '#graph') => names((await drawn(graph)).filter((n) => n.classes.includes(cls)).map((n) => n.id));
/** The data-id of every element the selector matches, in page order, as story names. */
const listed = (selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))).then((ids) => ids.map(nameOf));

async function walkFrom(id: string, direction: 'BOTH' | 'DOWNSTREAM' | 'UPSTREAM', depth: number) {
  await page.selectOption('#direction', direction);
  await page.fill('#depth', String(depth));
  return openById(id);
}

beforeAll(async () => {
  const started = await startStoryApi();
  api = started.api;
  story = { ...started.story, ...(await buildSecondGeneration(api, started.story)) };
  browser = await launchBrowser();
  // UTC, so a datetime-local value is the ISO time without its zone
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.addInitScript((token) => sessionStorage.setItem('pedigree.token', token), ADMIN_TOKEN());
  await page.goto(`${api.url}/explorer`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe('impact', () => {
  it('of train.csv: the deployment, fraud/1 and the alias that once pointed at its model, then every node by kind', async () => {
    const panel = await walkFrom(story.trainCsv, 'BOTH', 2);
    await panel.locator('.act-impact').click();
    const impact = page.locator(`#panel .impact[data-id="${story.trainCsv}"]`);
    await impact.waitFor();
    expect(await impact.locator('header').textContent()).toContain('9 nodes downstream within 10 hops · complete');
    expect(await listed('#panel .needs-person li')).toEqual(['deploy']);
    expect(await impact.locator('.needs-person li.deployment .flag').textContent()).toBe('serves');
    const aliases = await impact.locator('.aliases li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-alias'), li.getAttribute('data-datum'), li.querySelector('.pill')!.textContent]));
    expect(aliases).toEqual([['model-candidate', story.modelPkl, 'past']]);
    const byKind = Object.fromEntries(
      await Promise.all((['DATUM', 'EXECUTION', 'MODEL_VERSION', 'DATASET_VERSION'] as const).map(async (kind) => [kind, (await listed(`#panel .impact-kind[data-kind="${kind}"] li`)).sort()])),
    );
    expect(byKind).toEqual({ DATUM: ['endpointJson', 'metricsJson', 'modelPkl', 'reportJson'], EXECUTION: ['deploy', 'evaluate', 'train'], MODEL_VERSION: ['modelVersion'], DATASET_VERSION: ['datasetVersion'] });
    expect(await impact.locator(`.impact-kind li[data-id="${story.modelVersion}"] .state`).textContent()).toBe('approved');
    // on the graph: what it feeds is lit, what fed it faded
    expect(await withClass('dimmed')).toEqual(['preprocess', 'raw']);
    expect(await withClass('lit')).toEqual(expect.arrayContaining(['train', 'trainCsv', 'modelPkl', 'datasetVersion']));

    await impact.locator(`.impact-kind[data-kind="DATUM"] a.node-chip[data-id="${story.modelPkl}"]`).click();
    await page.locator(`#panel .detail[data-id="${story.modelPkl}"]`).waitFor();
  });

  it('of the raw file: the pending fraud/2 on top beside the deployment, the alias where it points now and where it pointed', async () => {
    const panel = await walkFrom(story.raw, 'DOWNSTREAM', 2);
    await panel.locator('.act-impact').click();
    const impact = page.locator(`#panel .impact[data-id="${story.raw}"]`);
    await impact.waitFor();
    expect(await listed('#panel .needs-person li')).toEqual(['deploy', 'modelVersion2']);
    expect(await impact.locator('.needs-person li.pending .flag').textContent()).toBe('awaits approval');
    const aliases = await impact.locator('.aliases li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-datum'), li.getAttribute('data-current')]));
    expect(aliases.map(([id, current]) => [nameOf(id), current]).sort()).toEqual([['modelPkl', 'false'], ['modelPkl2', 'true']]);
    await page.waitForTimeout(300);
    await shot('questions-01-impact');
  });
});

describe('paths', () => {
  it('raw → report.json: picked on the graph, two paths listed shortest first and lit, the rest faded', async () => {
    const panel = await walkFrom(story.raw, 'DOWNSTREAM', 3);
    await panel.locator('.act-paths').click();
    await expectText('#picker', 'click the other end');
    await clickNode(story.reportJson);
    const paths = page.locator('#panel .paths');
    await paths.locator('li.path').first().waitFor();
    expect(await paths.getAttribute('data-direction')).toBe('DOWNSTREAM');
    expect(await paths.locator('.direction').textContent()).toContain('report.json is downstream of 2024-05.csv');
    const chains = await paths.locator('li.path').evaluateAll((items) => items.map((li) => [...li.querySelectorAll('.chain a.node-chip')].map((a) => a.getAttribute('data-id')!)));
    expect(chains.map((chain) => chain.map(nameOf))).toEqual([
      ['raw', 'preprocess', 'testCsv', 'evaluate', 'reportJson'],
      ['raw', 'preprocess', 'trainCsv', 'train', 'modelPkl', 'evaluate', 'reportJson'],
    ]);
    expect(await page.locator('#picker').isHidden()).toBe(true);

    const onPaths = ['evaluate', 'modelPkl', 'preprocess', 'raw', 'reportJson', 'testCsv', 'train', 'trainCsv'];
    expect(await withClass('lit')).toEqual(onPaths);
    const everyDrawn = names((await drawn()).map((n) => n.id));
    expect(await withClass('dimmed')).toEqual(everyDrawn.filter((n) => !onPaths.includes(n)));
    const edges = await drawnEdges();
    const lit = edges.filter((e) => e.classes.includes('lit')).map((e) => e.id);
    expect(lit).toEqual(expect.arrayContaining([`${story.testCsv}>CONSUMED_BY>${story.evaluate}`, `${story.modelPkl}>CONSUMED_BY>${story.evaluate}`]));
    expect(lit).toHaveLength(10 - 2); // the two paths' 4 + 6 edges, two of them shared
    expect(lit).not.toContain(`${story.metricsJson}>PRODUCED_BY>${story.train}`);
    await page.mouse.move(5, 890);
    await settled();
    await shot('questions-02-paths');

    // pointing at one path lights it alone
    await paths.locator('li.path[data-index="0"]').hover();
    expect(await withClass('lit')).toEqual(['evaluate', 'preprocess', 'raw', 'reportJson', 'testCsv']);
  });

  it('says which way the paths go, and when two nodes are not connected within the hops', async () => {
    let panel = await openById(story.reportJson2);
    await panel.locator('.act-paths').click();
    await page.fill('#picker-q', story.raw);
    await page.press('#picker-q', 'Enter');
    await page.locator('#panel .paths[data-direction="UPSTREAM"]').waitFor();
    expect(await page.locator('#panel .paths .direction').textContent()).toContain('2024-05.csv is upstream of report.json');
    expect(await page.locator('#panel .paths li.path').count()).toBe(2);

    panel = await openById(story.reportJson);
    await panel.locator('.act-paths').click();
    await page.fill('#picker-q', story.reportJson2);
    await page.press('#picker-q', 'Enter');
    const none = page.locator('#panel .paths[data-direction="NONE"]');
    await none.waitFor();
    expect(await none.locator('.direction').textContent()).toContain('are not connected within 10 hops, either way');
    expect(await none.locator('li.path').count()).toBe(0);
    expect(await none.locator('button', { hasText: 'Look 25 hops far' }).count()).toBe(1);
  });
});

describe('diff', () => {
  it('fraud/1 against fraud/2: the changed commit, learning rate, accuracy and inputs per step, and both upstreams overlaid', async () => {
    await page.selectOption('#direction', 'BOTH');
    await page.fill('#q', 'model://fraud/1');
    await page.press('#q', 'Enter');
    const panel = page.locator(`#panel .detail[data-id="${story.modelVersion}"]`);
    await panel.waitFor();
    await panel.locator('.act-diff').click();
    await expectText('#picker', 'Compare the upstream of');
    await page.fill('#picker-q', 'model://fraud/2');
    await page.press('#picker-q', 'Enter');
    const dialog = page.locator('#diff-dialog[open]');
    await dialog.locator('table.diff').waitFor();

    const rows = await dialog.locator('tr[data-field]').evaluateAll((trs) =>
      trs.map((tr) => {
        const cell = (side: string) => {
          const td = tr.querySelector(`td.${side}`)!;
          const chips = [...td.querySelectorAll('a.node-chip')].map((a) => a.getAttribute('data-id'));
          return { text: chips.length ? chips : td.textContent, changed: td.classList.contains('changed') };
        };
        return [tr.getAttribute('data-step'), tr.getAttribute('data-field'), cell('a'), cell('b')];
      }),
    );
    const cell = (text: string | string[]) => ({ text, changed: true });
    expect(rows).toEqual([
      ['preprocess', 'commit', cell('a1b2c3d'), cell('e4f5a6b')],
      ['preprocess', 'input.previous', cell('— none'), cell([story.raw])],
      ['preprocess', 'input.raw', cell([story.raw]), cell([story.raw2])],
      ['train', 'parameters.learning_rate', cell('— none'), cell('0.03')],
      ['train', 'metadata.accuracy', cell('0.93'), cell('0.91')],
      ['train', 'input.train', cell([story.trainCsv]), cell([story.trainCsv2])],
    ]);
    const tallies = await dialog.locator('.tally[data-side]').evaluateAll((spans) => spans.map((s) => [s.getAttribute('data-side'), s.querySelector('strong')!.textContent]));
    expect(tallies).toEqual([['common', '1'], ['only-a', '4'], ['only-b', '5']]);

    // one drawing, each node coloured by whose upstream it is in
    await settled('#diff-graph');
    expect(await withClass('common', '#diff-graph')).toEqual(['raw']);
    expect(await withClass('only-a', '#diff-graph')).toEqual(['modelPkl', 'modelVersion', 'preprocess', 'train', 'trainCsv']);
    expect(await withClass('only-b', '#diff-graph')).toEqual(['modelPkl2', 'modelVersion2', 'preprocess2', 'raw2', 'train2', 'trainCsv2']);
    expect(await withClass('end', '#diff-graph')).toEqual(['modelVersion', 'modelVersion2']);
    await shot('questions-03-diff');

    // a node named in the table opens in the explorer
    await dialog.locator(`tr[data-field="input.train"] td.b a.node-chip`).click();
    await page.locator(`#panel .detail[data-id="${story.trainCsv2}"]`).waitFor();
    expect(await page.locator('#diff-dialog').getAttribute('open')).toBeNull();
  });

  it('shows the API refusing two nodes of kinds that cannot be compared', async () => {
    const panel = await openById(story.modelVersion);
    await panel.locator('.act-diff').click();
    await page.fill('#picker-q', story.trainCsv);
    await page.press('#picker-q', 'Enter');
    await expectText('#diff-summary .error-inline', 'BAD_USER_INPUT');
    await page.click('#diff-close');
  });
});

describe('filters', () => {
  it('kinds = datums: the executions and versions disappear, dashed DERIVED edges name the hidden hops', async () => {
    await walkFrom(story.trainCsv, 'DOWNSTREAM', 3);
    for (const kind of ['EXECUTION', 'MODEL_VERSION', 'DATASET_VERSION']) await page.uncheck(`#lens input[name="kind"][value="${kind}"]`);
    await expectText('#status', 'datums only');
    expect(names((await drawn()).map((n) => n.id))).toEqual(['endpointJson', 'metricsJson', 'modelPkl', 'reportJson', 'trainCsv']);
    const edges = await drawnEdges();
    expect(edges.map((e) => `${nameOf(e.source)} > ${nameOf(e.target)} ${e.type} ${e.label}`).sort()).toEqual([
      'modelPkl > endpointJson DERIVED via fraud/1 › deploy',
      'modelPkl > reportJson DERIVED via evaluate',
      'trainCsv > metricsJson DERIVED via train',
      'trainCsv > modelPkl DERIVED via train',
    ]);
    expect(await page.locator('#status').textContent()).toContain('4 dashed edges cross hidden nodes');

    // the hidden hops, named under the pointer
    await settled();
    const deployed = edges.find((e) => e.target === story.endpointJson)!;
    const box = (await page.locator('#graph').boundingBox())!;
    const edge = (await drawnEdges()).find((e) => e.id === deployed.id)!;
    await page.mouse.move(box.x + edge.midpoint.x, box.y + edge.midpoint.y);
    const tooltip = page.locator('#graph .edge-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.locator('strong').textContent()).toBe('Derived through 2 hidden nodes');
    expect(await tooltip.locator('li').allTextContents()).toEqual(['fraud/1 model · approved', 'deploy deployment · completed']);
    await shot('questions-04-filter-kinds');

    // the last kind stays: a walk that keeps none would draw its root alone
    await page.click('#lens input[name="kind"][value="DATUM"]');
    const datums = page.locator('#lens input[name="kind"][value="DATUM"]');
    expect([await datums.isChecked(), await datums.evaluate((box) => (box as HTMLInputElement).validationMessage)]).toEqual([true, 'Keep at least one kind of node.']);
    expect(await page.locator('#status').textContent()).toContain('datums only');
  });

  it('runs, tags and stop nodes: what they keep, and a stop node answered but not walked past', async () => {
    await page.click('#lens-reset');
    await expectText('#status', '10 nodes');
    expect(await page.locator('#status .lens-words').count()).toBe(0);

    // from the second test file: its failed evaluation hidden, the report joined across it
    await walkFrom(story.testCsv2, 'DOWNSTREAM', 1);
    await page.click('#runs summary');
    await page.check('#lens input[name="status"][value="COMPLETED"]');
    await expectText('#status', 'runs completed');
    expect(await page.locator('#runs-summary').textContent()).toBe('completed');
    expect((await drawnEdges()).map((e) => `${nameOf(e.source)} > ${nameOf(e.target)} ${e.label}`)).toEqual(['testCsv2 > reportJson2 via evaluate']);
    await page.uncheck('#lens input[name="status"][value="COMPLETED"]');
    await page.click('#status');
    expect(await page.locator('#runs').getAttribute('open')).toBeNull();

    await walkFrom(story.raw, 'DOWNSTREAM', 3);
    await page.fill('#tags-any', 'candidate');
    await page.press('#tags-any', 'Enter');
    await expectText('#status', 'tagged candidate');
    expect(names((await drawn()).map((n) => n.id))).toEqual(['modelPkl', 'modelPkl2', 'raw']);
    await page.fill('#tags-any', '');
    await page.press('#tags-any', 'Enter');

    // train.csv is read by train and contained in the dataset version: one neighbour each follows the newer
    await walkFrom(story.trainCsv, 'DOWNSTREAM', 3);
    await page.fill('#max-fan-out', '1');
    await page.press('#max-fan-out', 'Enter');
    await expectText('#status', 'at most 1 neighbour each');
    const capped = names((await drawn()).map((n) => n.id));
    expect(capped).toContain('train');
    expect(capped).not.toContain('datasetVersion');
    await page.fill('#max-fan-out', '');
    await page.press('#max-fan-out', 'Enter');

    await expectText('#status', '10 nodes');
    await clickNode(story.modelPkl);
    await page.locator(`#panel .detail[data-id="${story.modelPkl}"] .act-stop`).click();
    await expectText('#status', 'stops at 1 node');
    expect(names((await drawn()).map((n) => n.id))).toEqual(['datasetVersion', 'metricsJson', 'modelPkl', 'train', 'trainCsv']);
    expect((await drawn()).find((n) => n.id === story.modelPkl)!.frontier).toBe(true);
    expect(await page.locator(`#stops .chip[data-id="${story.modelPkl}"]`).textContent()).toContain('model/model.pkl');
    expect(await page.locator(`#panel .detail[data-id="${story.modelPkl}"] .act-stop`).textContent()).toBe('✓ Stop node');

    await page.click(`#stops .chip[data-id="${story.modelPkl}"] button`);
    await expectText('#status', '10 nodes');
  });
});

describe('as of a time', () => {
  it('before the second generation: the graph leaves it out, the page says which time it shows, impact resolves the alias then', async () => {
    await page.click('#lens-reset');
    await walkFrom(story.raw, 'DOWNSTREAM', 4);
    await expectText('#status', '22 nodes');
    await page.fill('#as-of', story.betweenGenerations.slice(0, 23));
    await expectText('#as-of-banner', story.betweenGenerations);
    await expectText('#status', '13 nodes');
    expect(names((await drawn()).map((n) => n.id))).toEqual([
      'datasetVersion', 'deploy', 'endpointJson', 'evaluate', 'metricsJson', 'modelPkl', 'modelVersion', 'preprocess', 'raw', 'reportJson', 'testCsv', 'train', 'trainCsv',
    ]);
    expect(await page.locator('#status').textContent()).toContain('as of');
    await page.locator('#as-of').blur();
    await expectText(`#panel .detail[data-id="${story.raw}"] .as-of-note`, 'The record as it is now');
    await settled();
    await shot('questions-05-as-of');

    await page.locator(`#panel .detail[data-id="${story.raw}"] .act-impact`).click();
    const impact = page.locator(`#panel .impact[data-id="${story.raw}"]`);
    await impact.waitFor();
    expect(await impact.locator('header').textContent()).toContain(`as of`);
    expect(await impact.locator('header time').getAttribute('datetime')).toBe(story.betweenGenerations);
    const aliases = await impact.locator('.aliases li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-datum'), li.getAttribute('data-current')]));
    expect(aliases.map(([id, current]) => [nameOf(id), current])).toEqual([['modelPkl', 'true']]);
    expect(await listed('#panel .needs-person li')).toEqual(['deploy']);

    await page.click('#as-of-now');
    await expectText('#status', '22 nodes');
    expect(await page.locator('#as-of-banner').isHidden()).toBe(true);
    // the impact was asked again, now
    await expectText('#panel .impact .needs-person', 'awaits approval');
  });
});
