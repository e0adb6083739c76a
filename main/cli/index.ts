import { enableRelaxedSimd } from '../runs/wasm-features.js';
import { runCli } from './run.js';

enableRelaxedSimd();

process.exitCode = await runCli(process.argv.slice(2));
