// Headless Chromium for the report tests: Debian's `chromium` driven by playwright-core (no browser download).
// Collects console errors, page errors and any network request, so a test can assert the page is self-contained.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags needed to run as root in a container, with nothing phoning home. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumInstalled = (): boolean => existsSync(CHROMIUM_PATH);

export interface LoadedPage {
  page: Page;
  /** Console messages of type error, and uncaught page errors. */
  problems: string[];
  /** Every URL the page tried to fetch (a self-contained page fetches none). */
  requests: string[];
}

export interface HeadlessChromium {
  load(markup: string): Promise<LoadedPage>;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile directory (removed on close). */
export async function startChromium(): Promise<HeadlessChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  // launchPersistentContext is the playwright way to pass --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
    deviceScaleFactor: 1,
  });
  const browser: Browser | null = context.browser();
  return {
    async load(markup) {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(markup, { waitUntil: 'load' });
      return { page, problems, requests };
    },
    async close() {
      await context.close();
      await browser?.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
