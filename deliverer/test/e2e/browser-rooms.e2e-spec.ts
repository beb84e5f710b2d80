import type { Page } from 'playwright-core';
import { launchBrowser, openConnectedPage } from '../harness/browser.js';
import { Cluster } from '../harness/cluster.js';
import { outputPath } from '../harness/output.js';

describe('rooms and presence in the Vue client, one tab on each replica', () => {
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

  const room = (page: Page, name: string) =>
    page.locator(`[data-testid="room-item"][data-room="${name}"]`);

  async function joinRoom(page: Page, name: string) {
    await page.getByTestId('join-room-input').fill(name);
    await page.getByTestId('join-room-button').click();
    await room(page, name).and(page.locator('[data-current="true"]')).waitFor();
  }

  async function send(page: Page, text: string) {
    const input = page.getByTestId('message-input');
    await input.fill(text);
    await input.press('Enter');
    await page.getByTestId('message-text').filter({ hasText: text }).waitFor();
  }

  /** Waits until the online list of the room on screen shows `count` members. */
  const online = (page: Page, count: number) =>
    page
      .getByTestId('online-count')
      .filter({ hasText: new RegExp(`^${count}$`) })
      .waitFor();

  test('each tab sees only its room’s messages; the online list and unread badges follow', async () => {
    const [a, b] = cluster.nodes;
    // One origin per replica, so each tab keeps its own rooms in localStorage.
    const pageA = await open(a!.url);
    const pageB = await open(b!.url);

    await joinRoom(pageA, 'design');
    await joinRoom(pageB, 'sales');
    await online(pageA, 1);
    await send(pageA, 'design only');
    await send(pageB, 'sales only');
    // The lobby fence from B comes after both room messages on every path.
    await pageB.getByTestId('room-item').and(pageB.locator('[data-room=""]')).click();
    await send(pageB, 'lobby fence');
    await room(pageA, '').getByTestId('room-unread').filter({ hasText: '1' }).waitFor();
    await room(pageA, '').click();
    await pageA.getByTestId('message-text').filter({ hasText: 'lobby fence' }).waitFor();
    await room(pageA, 'design').click();
    expect(await pageA.getByTestId('message-text').allTextContents()).toEqual(['design only']);
    await room(pageB, 'sales').click();
    expect(await pageB.getByTestId('message-text').allTextContents()).toEqual(['sales only']);

    // B joins design too: A's online list grows live, across replicas.
    await joinRoom(pageB, 'design');
    await online(pageA, 2);
    await online(pageB, 2);
    await expect(pageA.getByTestId('online-member-node').allTextContents()).resolves.toEqual(
      expect.arrayContaining([
        expect.stringContaining('node-a'),
        expect.stringContaining('node-b'),
      ]),
    );
    await pageA.screenshot({ path: outputPath('browser-rooms.png'), fullPage: true });

    // B looks at sales; A's next design message is unread for B.
    await room(pageB, 'sales').click();
    await send(pageA, 'design news');
    await room(pageB, 'design').getByTestId('room-unread').filter({ hasText: '1' }).waitFor();
    await room(pageB, 'design').click();
    await pageB.getByTestId('message-text').filter({ hasText: 'design news' }).waitFor();
    // "design only" was sent before B joined: B never got it.
    expect(await pageB.getByTestId('message-text').allTextContents()).toEqual(['design news']);
    await expect(room(pageB, 'design').getByTestId('room-unread').count()).resolves.toBe(0);

    // B leaves design: A's list shrinks.
    await room(pageB, 'design').getByTestId('leave-room-button').click();
    await online(pageA, 1);
    await expect(room(pageB, 'design').count()).resolves.toBe(0);
    // Nor did A ever get "sales only": its sales room starts empty.
    await joinRoom(pageA, 'sales');
    await pageA.getByTestId('empty-state').waitFor();
  });
});
