#!/usr/bin/env node
// `npm start`: build, then open the desktop window. Where Electron's binary cannot be had
// (an offline machine, a headless server) say so in one sentence instead of a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

// RNNWB_SKIP_BUILD: tests that run beside others must not rebuild out/ under them
if (!process.env.RNNWB_SKIP_BUILD) {
  const build = spawnSync(bin('electron-vite'), ['build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// require('electron') returns the binary's path, downloading it on first use.
const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
  cwd: root,
  encoding: 'utf8',
  timeout: 180_000,
});
const electronPath = probe.status === 0 ? probe.stdout.trim() : '';
if (!electronPath || !existsSync(electronPath)) {
  console.error('RNN Workbench: the Electron binary is not available on this machine (it could not be downloaded), so the app opens in your browser instead.');
  // the same app over `rnn-workbench serve`: loopback only, token in the printed URL
  const serve = spawn(process.execPath, [join(root, 'bin/rnn-workbench.js'), 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  serve.on('exit', (code) => process.exit(code ?? 0));
  process.on('SIGINT', () => serve.kill('SIGINT'));
} else {
  startElectron(electronPath);
}

function startElectron(electronPath) {
  const child = spawn(electronPath, [root], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
