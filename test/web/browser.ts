/**
 * The browser tests' shared parts: Debian's Chromium driven by playwright-core (no
 * browser download), the UI built from the sources, and screenshots for the docs.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

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
