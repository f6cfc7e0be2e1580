// Debian's Chromium, driven by playwright-core, each time with a fresh
// profile (user data dir) that is removed afterwards.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ACTION_TIMEOUT_MS = 15_000;

export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/**
 * Chromium's own content setting "cookies: block" (what a person sets under
 * Settings > Privacy > Third-party cookies > "Block all cookies"): the
 * browser then neither stores nor sends any cookie.
 */
async function blockCookies(userDataDir) {
  const profile = path.join(userDataDir, 'Default');
  await mkdir(profile, { recursive: true });
  const preferences = { profile: { default_content_setting_values: { cookies: 2 } } };
  await writeFile(path.join(profile, 'Preferences'), JSON.stringify(preferences));
}

/** Browsers still open, so that an after() hook can close them. */
const open = new Set();

async function launch(userDataDir) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: { width: 1000, height: 800 },
    timeout: 30_000,
  });
  open.add(context);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

async function close(context) {
  open.delete(context);
  await context.close().catch(() => {});
}

/**
 * Runs `fn({ context, page, restart })` in a fresh Chromium; closes it and
 * removes its profile afterwards. `restart()` quits the browser and starts it
 * again on the same profile (what survives is what a person would find after
 * reopening the browser) and resolves to the new { context, page }.
 * `cookies: false` starts it with cookies blocked. When `fn` fails, the page
 * is saved as artifacts/<name>-failure.png.
 */
export async function withBrowser(fn, { cookies = true, name = 'browser' } = {}) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'sessiongate-chromium-'));
  let current;
  const restart = async () => {
    const previous = current;
    current = undefined;
    await close(previous.context);
    current = await launch(userDataDir);
    return current;
  };
  try {
    if (!cookies) await blockCookies(userDataDir);
    current = await launch(userDataDir);
    return await fn({ ...current, restart });
  } catch (error) {
    if (current) await screenshot(current.page, `${name}-failure`).catch(() => {});
    throw error;
  } finally {
    if (current) await close(current.context);
    await rm(userDataDir, { recursive: true, force: true });
  }
}

/** Closes every browser still open (for an after() hook). */
export async function closeBrowsers() {
  await Promise.all([...open].map((context) => context.close().catch(() => {})));
  open.clear();
}

/** Saves a full-page screenshot as artifacts/<name>.png. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The session cookie as the browser holds it for `url`, or undefined. */
export async function sessionCookie(context, url, name = 'sessionid') {
  const cookies = await context.cookies(url);
  return cookies.find((cookie) => cookie.name === name);
}

/**
 * Clicks something that loads a new page (a form's submit button, a link)
 * and waits for that page. Waiting for the URL would not do: a form posted
 * to its own URL (POST/redirect/GET) ends at the URL it started from.
 */
export async function clickAndLoad(page, selector) {
  const loaded = page.waitForEvent('load');
  await page.click(selector);
  await loaded;
}
