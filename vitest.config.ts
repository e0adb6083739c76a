import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // tfjs keeps one global engine per process: files run in separate forks, one at a time per core
    pool: 'forks',
    // the engine's production setting (worker processes and the CLI set it too)
    setupFiles: ['tests/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // the JSON report is what .ci/run counts for its closing 'N passed, N failed' line
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
