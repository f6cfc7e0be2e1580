// CSRF protection in a real Chromium: the demo's own form (carrying the
// token the proxy hands the app) works, while the same form posted by a page
// of a second origin (another port of the same host: same site, so the Lax
// session cookie still goes along) is refused and changes nothing.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';

import { clickAndLoad, screenshot, sessionCookie, withBrowser } from './lib/browser.js';
import { cleanUp } from './lib/cleanup.js';
import { withStack } from './lib/stack.js';

after(cleanUp);

/** A page on 127.0.0.1:<free port> with a form that posts to `action`. */
async function withForeignPage(action, fn) {
  const html = `<!doctype html><title>Another site</title>
<form method="post" action="${action}">
<input type="hidden" name="per_page" value="100">
<input type="hidden" name="csrfmiddlewaretoken" value="${'a'.repeat(64)}">
<button type="submit" id="forged">Win a prize</button>
</form>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('a form posted from another origin is refused; the own form works', { timeout: 120_000 }, async () => {
  await withStack(({ baseURL }) =>
    withBrowser(async ({ context, page }) => {
      // The own form: the page carries the token, the post passes.
      await page.goto(`${baseURL}/preferences`);
      await page.selectOption('#per-page-select', '50');
      const token = await page.getAttribute('input[name="csrfmiddlewaretoken"]', 'value');
      assert.match(token, /^[a-zA-Z0-9]{64}$/, 'the form carries a masked token');
      await clickAndLoad(page, '#save-button');
      assert.equal(await page.textContent('#per-page'), '50');
      assert.ok(await sessionCookie(context, baseURL), 'a session exists');
      // The token changes with every page (masked anew), and still works.
      const again = await page.getAttribute('input[name="csrfmiddlewaretoken"]', 'value');
      assert.notEqual(again, token);
      await page.selectOption('#per-page-select', '25');
      await clickAndLoad(page, '#save-button');
      assert.equal(await page.textContent('#per-page'), '25');

      await withForeignPage(`${baseURL}/preferences`, async (foreignURL) => {
        await page.goto(foreignURL);
        const answer = page.waitForResponse((response) => response.url() === `${baseURL}/preferences`);
        await clickAndLoad(page, '#forged');
        const response = await answer;
        assert.equal(response.status(), 403);
        assert.equal((await page.textContent('body')).trim(), 'CSRF: cross-site request');
        await screenshot(page, 'csrf-refused');
      });

      // Nothing changed, and the own form still works after the attempt.
      await page.goto(`${baseURL}/preferences`);
      assert.equal(await page.textContent('#per-page'), '25');
      await page.selectOption('#per-page-select', '100');
      await clickAndLoad(page, '#save-button');
      assert.equal(await page.textContent('#per-page'), '100');
    }, { name: 'csrf' }),
  );
});
