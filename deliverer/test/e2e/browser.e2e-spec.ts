import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { Cluster } from '../harness/cluster.js';
import { launchBrowser } from '../harness/browser.js';
import { outputPath } from '../harness/output.js';

describe('the Vue client in Chromium, one tab on each replica', () => {
  let cluster: Cluster;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    cluster = await Cluster.start('redis', 2);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (err) => errors.push(err));
    await page.goto(url);
    await page
      .getByTestId('connection-badge')
      .filter({ hasText: /connected/i })
      .waitFor();
    expect(errors).toEqual([]);
    return page;
  }

  test('a message typed on A and sent with Enter shows in both tabs, each naming its node', async () => {
    const [a, b] = cluster.nodes;
    const pageA = await open(a!.url);
    const pageB = await open(b!.url);
    await expect(pageA.getByTestId('node-name').textContent()).resolves.toContain('node-a');
    await expect(pageB.getByTestId('node-name').textContent()).resolves.toContain('node-b');
    await pageB.getByTestId('empty-state').waitFor();

    const text = 'Hello from tab A <b>not bold</b>';
    const input = pageA.getByTestId('message-input');
    await input.fill(text);
    await input.press('Enter');

    for (const page of [pageA, pageB]) {
      await page.getByTestId('message-text').filter({ hasText: text }).waitFor();
      expect(await page.getByTestId('message-item').count()).toBe(1);
      // Rendered as text: the markup is visible, never parsed into an element.
      expect(await page.locator('[data-testid="message-list"] b').count()).toBe(0);
    }
    await expect(input.inputValue()).resolves.toBe('');
    await expect(input.evaluate((el) => el === el.ownerDocument.activeElement)).resolves.toBe(true);

    const shot = outputPath('browser-two-replicas.png');
    await pageB.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
  });
});
