/**
 * A real browser for the console's end-to-end tests: Debian's Chromium (/usr/bin/chromium, installed by
 * scripts/services.sh) driven by playwright-core, headless, with a fresh empty profile per launch. Playwright's own
 * browser download is not reachable here. The flags keep Chromium from calling Google's services, which this closed
 * network refuses (and which have no place in a test).
 */
import { readFileSync, mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(__dirname, '..', '..', '.var', 'e2e-screenshots');

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

export interface Browser {
  /** A new, empty browser context (own cookies): one person at one desk. */
  person(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    async person() {
      const dir = mkdtempSync(join(tmpdir(), 'sf-chromium-'));
      profiles.push(dir);
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 860 },
        locale: 'en-GB',
        timezoneId: 'UTC',
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
      contexts.push(context);
      return context;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      for (const d of profiles) rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * What went wrong in a page that the user would not necessarily see: script errors, CSP violations and failed
 * requests (each named once: Chromium may report one failed fetch twice).
 */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  const add = (p: string) => {
    if (!problems.includes(p)) problems.push(p);
  };
  page.on('pageerror', (e) => add(`page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    // Failed requests are named by the 'response' listener below, with their address (Chromium's line has none).
    if (
      m.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of/.test(text)
    ) {
      add(`console ${m.type()}: ${text}`);
    }
    if (/Content Security Policy/i.test(text)) add(`CSP: ${text}`);
  });
  page.on('response', (r) => {
    // A signed-out page asks GET /v1/session and gets 401: that is the answer, not a fault.
    if (r.status() >= 400 && r.status() !== 401) {
      const u = new URL(r.url());
      add(`HTTP ${r.status()} ${r.request().method()} ${u.pathname}${u.search}`);
    }
  });
  return { problems };
}

/** A full-page screenshot kept as a test artefact in .var/e2e-screenshots/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { target: string[] }[];
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2.1 A/AA rules over the page as it is. The library is evaluated through the DevTools protocol,
 * which the page's CSP does not govern (an injected <script> would be refused — as it should be). Returns the
 * serious and critical violations.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  // A string expression: this file is compiled without the DOM's types; the page evaluates it as it is.
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })`,
  )) as { violations: AxeViolation[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
}
