/**
 * What the explorer's browser tests share: Debian's chromium, the drawing read back as data
 * (it is a canvas, so the page exposes what it holds on the graph's element), clicking a
 * node once the layout stops moving it, and waiting for words.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { explorerDir, packageRoot } from '../../src/paths.js';

const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(packageRoot, 'test-results', 'screenshots');

/** Starts chromium for a test file, once the explorer is built. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(join(explorerDir, 'explorer.js'))) throw new Error('The explorer is not built: run `npm run build` first');
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A node as drawn: its classes say whether a question lit it, faded it, or which side of a diff it is on. */
export type Drawn = { id: string; kind: string; label: string; frontier: boolean; classes: string[]; position: { x: number; y: number } };
export type DrawnEdge = { id: string; source: string; target: string; type: string; via: string[] | null; label: string; classes: string[]; midpoint: { x: number; y: number } };

/**
 * Helpers bound to the test file's page (a getter, since the page starts in beforeAll);
 * `graph` is the drawing's element: the main graph, or the diff's.
 */
export function explorerHelpers(page: () => Page) {
  const drawn = (graph = '#graph') => page().evaluate((selector) => (document.querySelector(selector) as unknown as { lineage: () => unknown }).lineage(), graph) as Promise<Drawn[]>;
  const drawnEdges = (graph = '#graph') =>
    page().evaluate((selector) => (document.querySelector(selector) as unknown as { lineageEdges: () => unknown }).lineageEdges(), graph) as Promise<DrawnEdge[]>;
  const titles = async (graph = '#graph') => (await drawn(graph)).map((n) => n.label.split('\n')[0]).sort();

  /** Waits until the layout has stopped moving the drawing, and returns it. */
  async function settled(graph = '#graph'): Promise<Drawn[]> {
    let before = '';
    for (;;) {
      const now = await drawn(graph);
      const positions = JSON.stringify(now.map((n) => n.position));
      if (positions === before) return now;
      before = positions;
      await page().waitForTimeout(150);
    }
  }

  /** Clicks a node on the canvas once the layout has stopped moving it. */
  async function clickNode(id: string, graph = '#graph') {
    const node = (await settled(graph)).find((n) => n.id === id);
    if (!node) throw new Error(`node ${id} is not drawn`);
    const box = (await page().locator(graph).boundingBox())!;
    await page().mouse.click(box.x + node.position.x, box.y + node.position.y);
  }

  async function expectText(selector: string, text: string) {
    await page().locator(selector, { hasText: text }).first().waitFor({ timeout: 10_000 });
  }

  /** Opens a node by its id through the search box and waits for its record. */
  async function openById(id: string) {
    await page().fill('#q', id);
    await page().press('#q', 'Enter');
    const panel = page().locator(`#panel .detail[data-id="${id}"]`);
    await panel.waitFor({ timeout: 10_000 });
    return panel;
  }

  const shot = (name: string) => page().screenshot({ path: join(SHOTS, `${name}.png`) });

  return { drawn, drawnEdges, titles, settled, clickNode, expectText, openById, shot };
}
