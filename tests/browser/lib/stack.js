// One test's own servers: a sample_backend and a sessiongate in front of it,
// both on free ports, with the session store in a fresh temporary directory.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startListening } from './processes.js';

function binary(variable) {
  const value = process.env[variable];
  if (!value) throw new Error(`set ${variable} to the built binary (CTest does)`);
  return value;
}

function sessiongateConfig(backendAddress, storeDir) {
  return [
    'listen: 127.0.0.1:0',
    `upstream: http://${backendAddress}`,
    'admin: 127.0.0.1:0',
    'store:',
    `  path: ${JSON.stringify(storeDir)}`,
    // As the demo runs: the sample backend's forms carry the token.
    'csrf:',
    '  mode: token',
    '',
  ].join('\n');
}

/**
 * Runs `fn({ baseURL, backendURL })` with both servers up, and stops them and
 * removes the temporary directory afterwards, whatever happens. A failure
 * carries the servers' output tails.
 */
export async function withStack(fn, { backendArgs = [] } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'sessiongate-browser-'));
  const servers = [];
  try {
    const backend = await startListening('sample_backend', binary('SAMPLE_BACKEND_BIN'), [
      '--listen', '127.0.0.1:0', ...backendArgs,
    ]);
    servers.push(backend);

    const storeDir = path.join(dir, 'sessions');
    await mkdir(storeDir);
    const configFile = path.join(dir, 'sessiongate.yaml');
    await writeFile(configFile, sessiongateConfig(backend.listening.listen, storeDir));
    const gate = await startListening('sessiongate', binary('SESSIONGATE_BIN'), ['run', '-c', configFile], {
      cwd: dir,
    });
    servers.push(gate);

    try {
      return await fn({
        baseURL: `http://${gate.listening.listen}`,
        backendURL: `http://${backend.listening.listen}`,
      });
    } catch (error) {
      if (error instanceof Error) error.message += '\n' + servers.map((s) => s.logs()).join('\n');
      throw error;
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
