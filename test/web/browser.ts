/**
 * The browser tests' shared parts: Debian's Chromium driven by playwright-core (no
 * browser download), the UI built from the sources, and screenshots for the docs.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`SKIPPED: the browser tests in test/web need Chromium at ${CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it)`);
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/**
 * The web UI is built once for the whole run by test/global-setup.ts (vitest's
 * globalSetup), so parallel browser test files never rebuild a bundle another serves.
 * This only checks that it is there.
 */
export function buildWebUi(): void {
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) throw new Error('web/dist is missing: test/global-setup.ts should have built it (node scripts/build-web.mjs)');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A 1280x800 PNG of what the page shows (not the whole scroll height: small files). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** The cells of a table's body rows as shown, without the leading row-number column. */
export async function tableCells(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => (td.textContent ?? '').trim())),
  );
}

/** A browser with one page, and what the page reported that a test should fail on. */
export interface BrowserSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** CSP violations and uncaught exceptions seen on the page (a test expects none). */
  readonly problems: string[];
  close(): Promise<void>;
}

/** Chromium with one 1280x800 page that records CSP violations and uncaught errors. */
export async function openBrowser(): Promise<BrowserSession> {
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return {
    browser,
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      await browser.close();
    },
  };
}

/** Opens `url` (any page of the UI shows sign-in first) and signs in with a member key. */
export async function signInAt(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Member API key').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('me').waitFor();
}

/** Starts the Fastify app on a loopback port and returns its base URL. */
export async function listenOnLoopback(app: { listen(o: { host: string; port: number }): Promise<string>; server: { address(): unknown } }): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}
