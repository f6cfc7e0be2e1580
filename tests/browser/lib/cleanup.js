// What every test file's after() hook runs: whatever a failed or timed-out
// test left open is closed, so the test process can exit.
import { closeBrowsers } from './browser.js';
import { stopAll } from './processes.js';

export async function cleanUp() {
  await closeBrowsers();
  await stopAll();
}
