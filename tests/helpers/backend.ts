import { beforeAll } from 'vitest';
import { initBackend } from '../../main/engine/backend.js';
import type { BackendName } from '../../main/contract.js';

/** Backends every engine test runs on: both are always installed. */
export const TEST_BACKENDS: BackendName[] = ['wasm', 'cpu'];

export function useBackend(name: BackendName): void {
  beforeAll(async () => {
    const report = await initBackend({ only: name });
    if (report.backend !== name) throw new Error(`wanted ${name}, got ${report.backend}`);
  });
}
