// The session cookie as the browser holds it: HttpOnly, SameSite=Lax, out of
// reach of page scripts; and the app's control headers never reach the browser.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { screenshot, sessionCookie, withBrowser } from './lib/browser.js';
import { cleanUp } from './lib/cleanup.js';
import { withStack } from './lib/stack.js';

after(cleanUp);

test('the browser holds sessionid as HttpOnly, SameSite=Lax, invisible to document.cookie', { timeout: 90_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(async ({ context, page }) => {
      const response = await page.goto(`${baseURL}/counter`);
      assert.equal(response.status(), 200);
      const headers = await response.allHeaders();
      for (const name of Object.keys(headers))
        assert.ok(!name.toLowerCase().startsWith('x-session'), `${name} must not reach the browser`);

      const cookie = await sessionCookie(context, baseURL);
      assert.ok(cookie, 'the browser stored a sessionid cookie');
      assert.ok(cookie.value.length > 0);
      assert.equal(cookie.httpOnly, true, 'the cookie is HttpOnly');
      assert.equal(cookie.sameSite, 'Lax', 'the cookie is SameSite=Lax');
      assert.equal(cookie.path, '/', 'the cookie has Path=/');

      const visible = await page.evaluate(() => document.cookie);
      assert.ok(!visible.includes('sessionid'), `document.cookie shows "${visible}"`);
      // A script cannot overwrite it either: HttpOnly cookies are not writable from JS.
      await page.evaluate(() => { document.cookie = 'sessionid=forged; path=/'; });
      assert.equal((await sessionCookie(context, baseURL)).value, cookie.value, 'a script cannot overwrite it');

      // The app never sees the cookie, only the handle (which is not the id).
      await page.reload();
      const handle = await page.textContent('#x-session-id');
      assert.notEqual(handle, cookie.value);
      assert.ok(!(await page.content()).includes(cookie.value), 'the page never shows the session id');

      await screenshot(page, 'cookie-attributes');
    }, { name: 'cookie-attributes' }),
  );
});
