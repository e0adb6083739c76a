import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// electron-vite defaults to src/{main,preload,renderer}; this project keeps them at the top level.
export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // the app's main process, and the training worker it starts with utilityProcess
      lib: {
        entry: {
          index: resolve(root, 'main/app/index.ts'),
          worker: resolve(root, 'main/runs/worker.ts'),
          // the worker's helper threads (runs/thread-entry.ts finds them beside the bundle)
          'gradient-helper': resolve(root, 'main/runs/gradient-helper.ts'),
          // the thread that reads a dropped file for its summary (runs/summarize-file.ts)
          'summary-reader': resolve(root, 'main/runs/summary-reader.ts'),
        },
      },
      // tfjs stays external so its .wasm files are found in node_modules at run time
      rolldownOptions: { external: [/^@tensorflow\//] },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      lib: { entry: resolve(root, 'preload/index.ts') },
      // a sandboxed preload can require only 'electron': bundle zod and the contract into it
      externalizeDeps: false,
      // sandboxed preloads must be CommonJS; an .mjs preload would force sandbox: false
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
    plugins: [vue()],
  },
});
