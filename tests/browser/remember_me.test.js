// "Remember me": off makes the session cookie a browser-session cookie
// (set_expiry(0)); on gives it the configured age (set_expiry default).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { clickAndLoad, screenshot, sessionCookie, withBrowser } from './lib/browser.js';
import { cleanUp } from './lib/cleanup.js';
import { withStack } from './lib/stack.js';

after(cleanUp);

const DEFAULT_AGE_SECONDS = 1209600; // cookie.age default: two weeks

async function logIn(page, baseURL, { remember }) {
  await page.goto(`${baseURL}/login`);
  await page.fill('#username', 'bob');
  await page.setChecked('#remember', remember);
  await clickAndLoad(page, '#login-button');
  assert.equal(await page.textContent('#login-name'), 'bob');
}

test('without "remember me" the login ends with the browser', { timeout: 90_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(async ({ context, page, restart }) => {
      await logIn(page, baseURL, { remember: false });
      const cookie = await sessionCookie(context, baseURL);
      assert.ok(cookie);
      assert.equal(cookie.expires, -1, 'a session cookie has no expiry');
      await screenshot(page, 'remember-me-off');

      // Reopening the browser ends the login.
      const reopened = await restart();
      assert.equal(await sessionCookie(reopened.context, baseURL), undefined);
      await reopened.page.goto(`${baseURL}/login`);
      assert.equal(await reopened.page.textContent('#login-state'), 'Not logged in.');
    }, { name: 'remember-me-off' }),
  );
});

test('with "remember me" the login outlives the browser', { timeout: 90_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(async ({ context, page, restart }) => {
      await logIn(page, baseURL, { remember: true });
      const cookie = await sessionCookie(context, baseURL);
      assert.ok(cookie);
      const remaining = cookie.expires - Date.now() / 1000;
      assert.ok(
        Math.abs(remaining - DEFAULT_AGE_SECONDS) < 120,
        `expires in ${Math.round(remaining)} s, expected about ${DEFAULT_AGE_SECONDS} s`,
      );
      await screenshot(page, 'remember-me-on');

      // Reopening the browser keeps the login.
      const reopened = await restart();
      assert.equal((await sessionCookie(reopened.context, baseURL))?.value, cookie.value);
      await reopened.page.goto(`${baseURL}/login`);
      assert.equal(await reopened.page.textContent('#login-name'), 'bob');
    }, { name: 'remember-me-on' }),
  );
});
