import { enableRelaxedSimd } from '../runs/wasm-features.js';
import { useHeadlessNvidiaVulkan } from '../runs/vulkan-env.js';
import { runCli } from './run.js';

enableRelaxedSimd();
useHeadlessNvidiaVulkan(); // before any webgpu instance: a GPU without a display

process.exitCode = await runCli(process.argv.slice(2));
