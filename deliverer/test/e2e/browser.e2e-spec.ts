import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { Cluster } from '../harness/cluster.js';
import { Gateway, type GatewayOptions } from '../harness/gateway.js';
import { NginxProxy } from '../harness/nginx.js';
import { RedisServer } from '../harness/redis-server.js';
import { rollingRestart } from '../harness/rollout.js';
import { launchBrowser, openConnectedPage } from '../harness/browser.js';
import { outputPath } from '../harness/output.js';
import { connectClient } from '../harness/clients.js';
import { TEST_JWT_SECRET, signToken } from '../harness/tokens.js';

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

  const open = (url: string) => openConnectedPage(browser.context, url);

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

  test('markup sent by another client shows as literal text and runs no script', async () => {
    const [a, b] = cluster.nodes;
    const page = await open(a!.url);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const text = '<img src=x onerror=alert(1)>';
    const sender = await connectClient(b!.url);
    try {
      await expect(sender.timeout(5000).emitWithAck('input_event', text)).resolves.toMatchObject({
        status: 'ok',
      });
      const shown = page.getByTestId('message-text').filter({ hasText: text });
      await shown.waitFor();
      await expect(shown.textContent()).resolves.toBe(text);
      // Decisive even if a broken image's onerror had not fired yet: no element was ever parsed.
      await expect(
        page
          .getByTestId('message-list')
          .evaluate((list) => list.querySelectorAll('img[src="x"]').length),
      ).resolves.toBe(0);
      expect(dialogs).toEqual([]);
    } finally {
      sender.close();
      await page.close();
    }
  });
});

describe('the Vue client in Chromium through nginx during a rolling restart', () => {
  let redis: RedisServer;
  let nodes: Gateway[];
  let nginx: NginxProxy;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const template = (): Omit<GatewayOptions, 'name'> => ({
    mode: 'redis-streams',
    redisUrl: redis.url,
    env: { DRAIN_DELAY_MS: '300', DRAIN_WINDOW_MS: '500' },
  });

  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = await Promise.all(
      ['a', 'b'].map((s) => Gateway.start({ ...template(), name: `old-${s}` })),
    );
    nginx = await NginxProxy.start({ upstreams: nodes.map((node) => node.port) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.dispose();
  });

  test('the page shows "session recovered" and keeps its messages and name', async () => {
    const page = await openConnectedPage(browser.context, nginx.url);
    await page.getByTestId('name-input').fill('Ada');
    await page.getByTestId('name-save').click();
    await page.getByTestId('profile-name').filter({ hasText: 'Ada' }).waitFor();
    const input = page.getByTestId('message-input');
    await input.fill('before the rollout');
    await input.press('Enter');
    await page.getByTestId('message-text').filter({ hasText: 'before the rollout' }).waitFor();

    const { replaced, exitCodes } = await rollingRestart(
      nodes,
      nginx,
      template(),
      (i) => `new-${'ab'[i]}`,
    );
    nodes = replaced;
    expect(exitCodes).toEqual([0, 0]);

    await page.locator('[data-testid="session-status"][data-recovered="true"]').waitFor();
    await expect(page.getByTestId('node-name').textContent()).resolves.toMatch(/^new-/);
    await expect(page.getByTestId('profile-name').textContent()).resolves.toContain('Ada');
    await input.fill('after the rollout');
    await input.press('Enter');
    await page.getByTestId('message-text').filter({ hasText: 'after the rollout' }).waitFor();
    expect(await page.getByTestId('message-text').allTextContents()).toEqual([
      'before the rollout',
      'after the rollout',
    ]);
    await page.screenshot({ path: outputPath('browser-after-rollout.png'), fullPage: true });
  });
});

describe('the Vue client against a gateway that authenticates', () => {
  let gateway: Gateway;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([
      Gateway.start({ name: 'auth', env: { AUTH_JWT_SECRET: TEST_JWT_SECRET } }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  const connected = (page: Page) =>
    page
      .getByTestId('connection-badge')
      .filter({ hasText: /connected/i })
      .waitFor();

  test('a token from ?token= signs the tab in, and its name is the sender', async () => {
    const token = await signToken({ sub: 'user-ada', name: 'Ada' });
    const page = await browser.context.newPage();
    await page.goto(`${gateway.url}/?token=${token}`);
    await connected(page);
    const input = page.getByTestId('message-input');
    await input.fill('signed in');
    await input.press('Enter');
    const item = page.getByTestId('message-item').filter({ hasText: 'signed in' });
    await item.waitFor();
    await expect(item.getAttribute('data-own')).resolves.toBe('true');
    await expect(item.getByTestId('message-sender-name').textContent()).resolves.toContain('Ada');
  });

  test('without a token the tab asks for one, and connects once it is entered', async () => {
    const page = await browser.context.newPage();
    await page.goto(gateway.url);
    await page
      .getByTestId('token-error')
      .filter({ hasText: 'a token is required (auth.token)' })
      .waitFor();
    await page.getByTestId('token-input').fill(await signToken({ sub: 'user-lin' }));
    await page.getByTestId('token-submit').click();
    await connected(page);
    await expect(page.getByTestId('token-form').count()).resolves.toBe(0);
  });
});
