/**
 * The recurrences', the classifier loss's, Adam's and the gradient norms' own webgpu programs,
 * each checked once per process against its ops path on this GPU before it is used (call with
 * webgpu the backend in use). A check that fails leaves that part on its ops: slower, never wrong.
 */
import { watchWebgpuDevice } from '../webgpu.js';
import { verifyWebgpuGru, webgpuGruReady } from './gru-recurrence.js';
import { verifyWebgpuAdam, webgpuAdamReady } from './webgpu-adam.js';
import { verifyWebgpuLoss, webgpuLossReady } from './webgpu-loss.js';
import { verifyWebgpuNorms, webgpuNormsReady } from './webgpu-norms.js';
import { verifyWebgpuLstm, webgpuLstmReady } from './lstm-recurrence.js';
import { verifyWebgpuTanh, webgpuTanhReady } from './webgpu-tanh.js';

/**
 * With webgpu just made the backend in use: listen to its device (watchWebgpuDevice) and check
 * the programs on it, so that a run uses them only where they compute what the ops do.
 */
export async function startWebgpu(): Promise<void> {
  watchWebgpuDevice();
  await verifyWebgpuPrograms();
}

export async function verifyWebgpuPrograms(): Promise<{ tanh: boolean; gru: boolean; lstm: boolean; loss: boolean; adam: boolean; norms: boolean }> {
  return { tanh: await verifyWebgpuTanh(), gru: await verifyWebgpuGru(), lstm: await verifyWebgpuLstm(), loss: await verifyWebgpuLoss(), adam: await verifyWebgpuAdam(), norms: await verifyWebgpuNorms() };
}

/** Whether any part's programs passed their check (there is something to time against the ops). */
export function webgpuProgramsReady(): boolean {
  return webgpuTanhReady() || webgpuGruReady() || webgpuLstmReady() || webgpuLossReady() || webgpuAdamReady() || webgpuNormsReady();
}
