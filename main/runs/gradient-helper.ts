/**
 * A helper thread (worker_threads; helper-thread.ts starts it) of a training worker. It holds a
 * replica of the model and, for each request, takes the current weights and returns either a
 * shard's loss and gradients (a data-parallel step) or the loss and metric of the validation set
 * it keeps (validation on a spare core). It never updates weights itself: the training thread
 * sends them with every request, so the replica is bit-identical to the trained model by
 * construction.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { HelperCommandSchema, type HelperCommand, type HelperEvent, type PackedBatch } from '../contract.js';
import { initBackend } from '../engine/backend.js';
import { unpackBatch, disposeBatch } from '../engine/batch.js';
import { SequenceModel } from '../engine/models/sequence-model.js';
import { computeGradients } from '../engine/train.js';
import { ownedValues } from '../engine/in-process.js';
import { scoreSums } from './evaluate.js';
import { enableRelaxedSimd } from './wasm-features.js';

enableRelaxedSimd();

const port = parentPort;
if (!port) throw new Error('gradient-helper runs as a worker thread');
let model: SequenceModel | null = null;
/** the validation set, for 'score' */
let scoreSetKept: PackedBatch[] | null = null;

function post(event: HelperEvent, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(event, transfer);
}

async function handle(cmd: HelperCommand): Promise<void> {
  if (cmd.type === 'init') {
    const report = await initBackend({ only: cmd.backend });
    model = new SequenceModel(cmd.model);
    post({ type: 'ready', backend: report.backend });
    return;
  }
  if (cmd.type === 'score-set') {
    scoreSetKept = cmd.batches;
    return;
  }
  if (!model) throw new Error(`${cmd.type} asked for before init`);
  const m = model;
  const vars = [...m.vars.values()];
  if (cmd.weights.length !== vars.length) throw new Error(`expected ${vars.length} weight tensors, got ${cmd.weights.length}`);
  vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(cmd.weights[i], v.shape))));
  if (cmd.type === 'score') {
    if (!scoreSetKept) throw new Error('score asked for before the validation set');
    post({ type: 'scored', id: cmd.id, ...scoreSums(m, scoreSetKept, cmd.loss) });
    return;
  }
  const batch = unpackBatch(cmd.batch);
  try {
    const { loss, grads } = computeGradients(m, batch, cmd.loss);
    const values = [...m.vars.keys()].map((name) => { const g = grads.get(name); return g ? ownedValues(g) : null; });
    const lossValue = loss.dataSync()[0];
    tf.dispose([loss, ...[...grads.values()].filter((g): g is tf.Tensor => g !== undefined)]);
    post({ type: 'gradients', id: cmd.id, loss: lossValue, grads: values }, values.filter((g) => g !== null).map((g) => g.buffer));
  } finally {
    disposeBatch(batch);
  }
}

// one command at a time, in order: the training thread waits for each answer
let queue = Promise.resolve();
port.on('message', (raw: unknown) => {
  queue = queue.then(async () => {
    const parsed = HelperCommandSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return post({ type: 'error', message: `malformed command: ${issue?.path.join('.')}: ${issue?.message}` });
    }
    try {
      await handle(parsed.data);
    } catch (e) {
      post({ type: 'error', message: (e as Error).message });
    }
  });
});
