// Every test process compiles wasm as the app's worker processes do: with relaxed SIMD on.
import { enableRelaxedSimd } from '../../main/runs/wasm-features.js';

enableRelaxedSimd();
