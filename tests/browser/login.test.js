// Login takes a new session id but keeps the session's data (cycle_key, the
// session fixation defense); logout deletes the session and its cookie (flush).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { clickAndLoad, screenshot, sessionCookie, withBrowser } from './lib/browser.js';
import { cleanUp } from './lib/cleanup.js';
import { withStack } from './lib/stack.js';

after(cleanUp);

test('login changes the cookie and keeps the data; logout removes both', { timeout: 120_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(async ({ context, page }) => {
      // Some data before login: two visits and a preference.
      await page.goto(`${baseURL}/counter`);
      await page.reload();
      assert.equal(await page.textContent('#num-visits'), '2');
      await page.goto(`${baseURL}/preferences`);
      await page.selectOption('#per-page-select', '50');
      await clickAndLoad(page, '#save-button');
      assert.equal(await page.textContent('#per-page'), '50');
      const before = await sessionCookie(context, baseURL);
      assert.ok(before, 'a session exists before login');

      await page.goto(`${baseURL}/login`);
      assert.equal(await page.textContent('#login-state'), 'Not logged in.');
      await page.fill('#username', 'alice');
      await clickAndLoad(page, '#login-button');
      assert.equal(new URL(page.url()).pathname, '/login', 'login redirects to the login page');
      assert.equal(await page.textContent('#login-name'), 'alice');
      const session = JSON.parse(await page.textContent('#x-session'));
      assert.equal(session.username, 'alice');
      assert.equal(typeof session.member_id, 'number');

      const during = await sessionCookie(context, baseURL);
      assert.ok(during, 'logged in with a session cookie');
      assert.notEqual(during.value, before.value, 'login gives the session a new id');
      await screenshot(page, 'login');

      // The data from before login survived the new id.
      await page.goto(`${baseURL}/preferences`);
      assert.equal(await page.textContent('#per-page'), '50');
      await page.goto(`${baseURL}/counter`);
      assert.equal(await page.textContent('#num-visits'), '3');

      await page.goto(`${baseURL}/login`);
      await clickAndLoad(page, '#logout-button');
      assert.equal(new URL(page.url()).pathname, '/login', 'logout redirects to the login page');
      assert.equal(await page.textContent('#login-state'), 'Not logged in.');
      assert.equal(await sessionCookie(context, baseURL), undefined, 'logout removes the cookie');
      assert.equal(await page.textContent('#x-session-state'), 'none');

      // And the data went with it (this page only reads the session).
      await page.goto(`${baseURL}/preferences`);
      assert.equal(await page.textContent('#per-page'), '10');
      assert.equal(await sessionCookie(context, baseURL), undefined);
      await screenshot(page, 'logout');

      // The old cookie value cannot bring the session back either.
      const { name, value, domain, path, httpOnly, sameSite } = during;
      await context.addCookies([{ name, value, domain, path, httpOnly, sameSite }]);
      await page.goto(`${baseURL}/preferences`);
      assert.equal(await page.textContent('#per-page'), '10');
      assert.notEqual(await page.textContent('#x-session-state'), 'active');
    }, { name: 'login' }),
  );
});
