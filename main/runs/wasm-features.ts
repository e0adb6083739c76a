/**
 * Makes sure this process validates relaxed SIMD for WebAssembly, before any wasm is compiled.
 *
 * Why: the engine's SIMD matmul has a variant with fused multiply-add (f32x4.relaxed_madd),
 * ≈ 1.3× the plain one here. V8 validates it by default from 11.4 (Chromium 114, Electron 25,
 * Node 22); Node 20's V8 11.3 has it behind --experimental-wasm-relaxed-simd, which is set here
 * only where a one-instruction probe does not validate. V8 flags are per process, so the
 * gradient helper threads share it. Where the flag is refused, the engine's plain SIMD variant
 * runs: nothing else changes.
 */
import { setFlagsFromString } from 'node:v8';

/** (module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd …))) */
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);

/** the one WebAssembly member used (the node tsconfig has no DOM/WebAssembly lib) */
const WA = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

export function relaxedSimdValidates(): boolean {
  return WA.validate(RELAXED_PROBE);
}

export function enableRelaxedSimd(): void {
  if (relaxedSimdValidates()) return;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // never fatal: SimdKernels falls back to the mul + add variant
  }
}
