// Django's test cookie (set_test_cookie / test_cookie_worked), kept in the
// session: it works in a normal browser and fails where cookies are blocked.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { clickAndLoad, screenshot, sessionCookie, withBrowser } from './lib/browser.js';
import { cleanUp } from './lib/cleanup.js';
import { withStack } from './lib/stack.js';

after(cleanUp);

async function runTestCookieFlow(page, baseURL) {
  await page.goto(`${baseURL}/test-cookie`);
  await clickAndLoad(page, '#check-link');
  assert.equal(new URL(page.url()).pathname, '/test-cookie/check');
  return page.textContent('#test-cookie-result');
}

test('the test cookie works in a browser that keeps cookies', { timeout: 90_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(async ({ context, page }) => {
      assert.equal(await runTestCookieFlow(page, baseURL), 'Cookies work.');
      await screenshot(page, 'test-cookie-works');
      // The check deleted the test value; the emptied session is gone with its cookie.
      assert.equal(await sessionCookie(context, baseURL), undefined);
    }, { name: 'test-cookie-works' }),
  );
});

test('the test cookie fails in a browser that blocks cookies', { timeout: 90_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(
      async ({ context, page }) => {
        const result = await runTestCookieFlow(page, baseURL);
        assert.match(result, /^Cookies are not enabled/);
        assert.equal(await page.textContent('#x-session-state'), 'none', 'no cookie came back');
        assert.deepEqual(await context.cookies(baseURL), []);
        await screenshot(page, 'test-cookie-blocked');
      },
      { cookies: false, name: 'test-cookie-blocked' },
    ),
  );
});
