import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium in a fresh profile; the flags keep it off a network it cannot reach here. */
export async function launchBrowser(): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'deliverer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the client at `url` in a new tab; resolves once it says it is connected, without page errors. */
export async function openConnectedPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(url);
  await page
    .getByTestId('connection-badge')
    .filter({ hasText: /connected/i })
    .waitFor();
  if (errors.length > 0) throw new Error(`page errors: ${errors.map((e) => e.message).join('; ')}`);
  return page;
}
