// Child processes for the tests: started with a bounded wait for their
// "listening" line, always stopped, and killed outright if the test process
// goes away first.
import { spawn } from 'node:child_process';

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const TAIL_LINES = 200;

/** Every process still running, so nothing outlives the test run. */
const running = new Set();

function killAll() {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
// Stopped from outside (a test runner's timeout, Ctrl-C): take the servers along.
for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]]) {
  process.once(signal, () => {
    killAll();
    process.exit(code);
  });
}

/** Keeps the last lines of a stream (the tail helps explain a failure). */
function keepTail(stream, lines, onLine) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      onLine?.(line);
    }
  });
}

/**
 * Starts `bin args` and waits for its first stdout line that is a JSON
 * object with "event": "listening"; resolves to { child, listening, logs, stop }.
 */
export async function startListening(name, bin, args, options = {}) {
  if (!bin) throw new Error(`${name}: no binary given (set the environment variable)`);
  const child = spawn(bin, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));

  const stdout = [];
  const stderr = [];
  const logs = () =>
    `--- ${name} stdout (tail) ---\n${stdout.join('\n')}\n--- ${name} stderr (tail) ---\n${stderr.join('\n')}`;
  const stop = () => stopProcess(child);

  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not report "listening" within ${STARTUP_TIMEOUT_MS} ms\n${logs()}`)),
      STARTUP_TIMEOUT_MS,
    );
    keepTail(child.stdout, stdout, (line) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return; // not JSON: an ordinary log line
      }
      if (event?.event === 'listening') {
        clearTimeout(timer);
        resolve(event);
      }
    });
    keepTail(child.stderr, stderr);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${name}: cannot start ${bin}: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening (code ${code}, signal ${signal})\n${logs()}`));
    });
  });

  try {
    return { child, listening: await listening, logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
export async function stopProcess(child) {
  const neverStarted = child.pid === undefined;
  if (neverStarted || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
  });
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/** Stops whatever is still running (for an after() hook). */
export async function stopAll() {
  await Promise.all([...running].map((child) => stopProcess(child)));
}
