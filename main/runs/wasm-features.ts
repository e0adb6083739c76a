/**
 * Turns on relaxed SIMD for WebAssembly in this process, before any wasm is compiled.
 *
 * Why: the engine's SIMD matmul has a variant with fused multiply-add (f32x4.relaxed_madd),
 * ≈ 1.3× the plain one here. V8 validates it by default from 11.4 (Chromium 114, Electron 25,
 * Node 22); Node 20's V8 11.3 has it behind this flag. V8 flags are per process, so the
 * gradient helper threads share it. Where the flag is unknown or refused the engine's plain
 * SIMD variant runs: nothing else changes.
 */
import { setFlagsFromString } from 'node:v8';

export function enableRelaxedSimd(): void {
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // never fatal: SimdKernels falls back to the mul + add variant
  }
}
