// The seeds' visit counter: the session keeps num_visits across page loads.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { screenshot, withBrowser } from './lib/browser.js';
import { cleanUp } from './lib/cleanup.js';
import { withStack } from './lib/stack.js';

after(cleanUp);

test('the visit counter grows across page loads', { timeout: 90_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(async ({ page }) => {
      await page.goto(`${baseURL}/counter`);
      assert.equal(await page.textContent('#num-visits'), '1');
      // The first request had no cookie, so the app saw no session.
      assert.equal(await page.textContent('#x-session-state'), 'none');

      for (const expected of ['2', '3']) {
        await page.reload();
        assert.equal(await page.textContent('#num-visits'), expected);
      }
      assert.equal(await page.textContent('#x-session-state'), 'active');
      const session = JSON.parse(await page.textContent('#x-session'));
      assert.equal(session.num_visits, 2, 'the app received the count stored by the previous load');
      assert.match(session.last_visit, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.notEqual(await page.textContent('#x-session-id'), '(absent)');

      await screenshot(page, 'counter');
    }, { name: 'counter' }),
  );
});

test('with --visit-interval a reload soon after does not count again', { timeout: 90_000 }, async () => {
  // The seeds count a visit once per day, comparing with last_visit.
  await withStack(
    ({ baseURL }) =>
      withBrowser(async ({ page }) => {
        await page.goto(`${baseURL}/counter`);
        assert.equal(await page.textContent('#num-visits'), '1');
        const first = await page.textContent('#last-visit');
        await page.reload();
        assert.equal(await page.textContent('#num-visits'), '1');
        assert.equal(await page.textContent('#last-visit'), first);
        assert.ok(await page.isVisible('#not-counted'));
        await screenshot(page, 'counter-interval');
      }, { name: 'counter-interval' }),
    { backendArgs: ['--visit-interval', '3600'] },
  );
});
