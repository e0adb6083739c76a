/**
 * Data-parallel training over worker threads. tfjs-wasm runs on one core in Node, so the only
 * way to the others is more threads, each with its own backend and model replica. Per step the
 * training thread sends the current weights and a shard to every helper, computes its own
 * shard meanwhile, then combines the shards' gradients weighted by what each loss averages
 * over — exactly the whole batch's gradient, up to float rounding — and applies one update.
 * Helpers never update weights, so replicas cannot drift: they are overwritten every step.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName, ModelConfig, PackedBatch } from '../contract.js';
import type { PlainBatch } from '../data/batches.js';
import { disposeBatch, packBatch, tensorBatch, unpackBatch } from '../engine/batch.js';
import type { LossMode, SequenceModel, TensorBatch } from '../engine/models/sequence-model.js';
import { applyStep, computeGradients, lossWeight, type StepOptions, type StepResult } from '../engine/train.js';
import { ownedValues } from '../engine/in-process.js';
import { SimdKernels } from '../engine/simd/simd-kernels.js';
import type { ScoreSums } from './evaluate.js';
import { HelperThread } from './helper-thread.js';
import type { SplitCheck } from './split-check.js';

/**
 * A parameter's weighted sum of its shards' gradients, Σ c_i·g_i, built one shard at a time: on
 * wasm a tensor that SIMD passes (scaleAdd) write in place, each helper's array copied in once;
 * elsewhere a JS array. On wasm the JS version read every gradient out of wasm memory, summed
 * in JS and copied the sums back in: 8.4 of the 17.5 ms of a split unshared step at bench A
 * (1 M weights).
 */
type ShardSum = tf.Tensor | Float32Array;

/** c·g of this thread's gradient tensor: the sum's start. */
function startSum(simd: SimdKernels | null, c: number, g: tf.Tensor): ShardSum {
  if (simd) {
    const sum = simd.empty(g.shape);
    simd.scaleAdd(g, c, sum, 0);
    return sum;
  }
  const x = g.dataSync() as Float32Array;
  const sum = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) sum[k] = c * x[k];
  return sum;
}

/** sum + c·g for a helper's gradient g (the sum starts here where this thread had none). */
function addShard(simd: SimdKernels | null, sum: ShardSum | null, c: number, g: Float32Array, shape: number[]): ShardSum {
  if (simd) {
    const t = tf.tensor(g, shape);
    if (!sum) {
      simd.scaleAdd(t, c, t, 0);
      return t;
    }
    simd.scaleAdd(t, c, sum as tf.Tensor, 1);
    t.dispose();
    return sum;
  }
  const out = (sum as Float32Array | null) ?? new Float32Array(g.length);
  for (let k = 0; k < g.length; k++) out[k] += c * g[k];
  return out;
}

/** Contiguous shards of nearly equal size (the first ones one larger). */
export function splitBatch(batch: PlainBatch, parts: number): PlainBatch[] {
  const n = batch.lengths.length;
  const out: PlainBatch[] = [];
  let start = 0;
  for (let i = 0; i < parts && start < n; i++) {
    const end = start + Math.ceil((n - start) / (parts - i));
    const pick = <T>(a: T[]) => a.slice(start, end);
    const lengths = pick(batch.lengths);
    // each shard pads to its own longest sequence (masks make padding irrelevant to the loss)
    const len = Math.max(...lengths);
    const cut = <T>(rows: T[][]) => rows.map((r) => r.slice(0, len));
    const shard: PlainBatch = {
      x: cut(pick(batch.x as unknown[][])) as PlainBatch['x'],
      lengths,
      y: Array.isArray(batch.y[0]) ? (cut(pick(batch.y as number[][][])) as PlainBatch['y']) : pick(batch.y as number[]),
    };
    if (batch.time) shard.time = cut(pick(batch.time));
    out.push(shard);
    start = end;
  }
  return out;
}

/**
 * A helper's loss and gradients of its shard at these weights. `move`: which arrays' buffers go
 * to the helper instead of copies (the sender is done with them).
 */
function gradientsOf(helper: HelperThread, weights: Float32Array<ArrayBuffer>[], packed: PackedBatch, loss: LossMode, move: { weights: boolean; batch: boolean }) {
  const batchBuffers = move.batch ? [packed.x.buffer, packed.lengths.buffer, packed.y.buffer, ...(packed.time ? [packed.time.buffer] : [])] : [];
  const buffers = [...batchBuffers, ...(move.weights ? weights.map((w) => w.buffer) : [])];
  return helper.ask<'gradients'>((id) => ({ type: 'gradients', id, weights, batch: packed, loss }), buffers as ArrayBuffer[]);
}

/**
 * Shards made ready once for steps that all take the same batch (the bench: like the
 * one-thread step and PyTorch's loop, it then times training, not turning arrays into tensors).
 * The caller disposes them (disposeShards).
 */
export interface PreparedShards {
  local: TensorBatch;
  remote: PackedBatch[];
  lengths: Int32Array[];
}

export function prepareShards(shards: PlainBatch[]): PreparedShards {
  const packed = shards.map(packBatch);
  return { local: unpackBatch(packed[0]), remote: packed.slice(1), lengths: packed.map((p) => p.lengths) };
}

export function disposeShards(prepared: PreparedShards): void {
  disposeBatch(prepared.local);
}

export class DataParallel {
  /** set for a run that auto split: it times split against one thread first (split-check.ts) */
  check?: SplitCheck;

  private constructor(
    readonly mode: 'split' | 'full',
    private readonly helpers: HelperThread[],
  ) {}

  /** Starts `threads − 1` helpers, each with the model's config on the given backend. */
  static async start(model: ModelConfig, backend: BackendName, mode: 'split' | 'full', threads: number): Promise<DataParallel> {
    const helpers = Array.from({ length: threads - 1 }, () => new HelperThread({ type: 'init', model, backend }, 'gradient helper'));
    const parallel = new DataParallel(mode, helpers);
    try {
      await Promise.all(helpers.map((h) => h.whenReady()));
    } catch (e) {
      await parallel.dispose();
      throw e;
    }
    return parallel;
  }

  get threads(): number {
    return this.helpers.length + 1;
  }

  splitBatch(batch: PlainBatch): PlainBatch[] {
    return splitBatch(batch, this.threads);
  }

  /**
   * One optimizer step over the shards: shards[0] on this thread, the rest on the helpers
   * (at most one shard per thread). The update is the weighted mean of the shards' gradients.
   */
  async step(model: SequenceModel, optimizer: tf.Optimizer, shards: PlainBatch[] | PreparedShards, opts: StepOptions = {}): Promise<StepResult> {
    const prepared = !Array.isArray(shards);
    const count = prepared ? shards.lengths.length : shards.length;
    if (count > this.threads) throw new Error(`${count} shards for ${this.threads} threads`);
    const mode = opts.loss ?? 'mean';
    const names = [...model.vars.keys()];
    const vars = [...model.vars.values()];
    const weights = vars.map((v) => ownedValues(v));
    const packed = prepared ? shards.remote : shards.slice(1).map(packBatch);
    const remote = packed.map((shard, i) => {
      const last = i === packed.length - 1;
      // the last helper may take the weight arrays themselves, the others get copies; prepared
      // shards are sent again next step, so they are copied
      return gradientsOf(this.helpers[i], last ? weights : weights.map((w) => w.slice()), shard, mode, { weights: last, batch: !prepared });
    });
    // if this thread fails first, the helpers' answers are still awaited (no unhandled rejection)
    const settled = Promise.allSettled(remote);
    const local = prepared ? shards.local : tensorBatch(shards[0]);
    let own: ReturnType<typeof computeGradients>;
    try {
      own = computeGradients(model, local, mode);
    } catch (e) {
      await settled;
      throw e;
    } finally {
      if (!prepared) disposeBatch(local);
    }
    const shares = (prepared ? shards.lengths : shards.map((s) => s.lengths)).map((lengths) => lossWeight(model, lengths, mode));
    const total = shares.reduce((a, b) => a + b, 0);
    const a = shares.map((w) => w / total);
    // this thread's share of the weighted sums while the helpers finish (≈ half the combining);
    // one pass per parameter and shard (startSum, addShard)
    const simd = SimdKernels.current();
    let loss = a[0] * own.loss.dataSync()[0];
    const sums = names.map((name) => {
      const g = own.grads.get(name);
      return g ? startSum(simd, a[0], g) : null;
    });
    tf.dispose([own.loss, ...[...own.grads.values()].filter((g): g is tf.Tensor => g !== undefined)]);
    try {
      const answers = await Promise.all(remote);
      answers.forEach((r, i) => {
        loss += a[i + 1] * r.loss;
        r.grads.forEach((g, p) => {
          if (g) sums[p] = addShard(simd, sums[p], a[i + 1], g, vars[p].shape);
        });
      });
    } catch (e) {
      tf.dispose(sums.filter((t): t is tf.Tensor => t instanceof tf.Tensor));
      throw e;
    }
    const grads = new Map(names.map((name, p) => {
      const sum = sums[p];
      return [name, sum === null ? undefined : sum instanceof tf.Tensor ? sum : tf.tensor(sum, vars[p].shape)];
    }));
    return applyStep(model, optimizer, loss, grads, opts);
  }

  /** Hands each helper its share of a validation set once (shares[i] to helper i), for scoreShares. */
  keepScoreSet(shares: PackedBatch[][]): void {
    this.helpers.forEach((h, i) => h.tell({ type: 'score-set', batches: shares[i] }));
  }

  /** Each helper's loss and metric sums over its share at these weights (the parameters in order). */
  scoreShares(weights: Float32Array<ArrayBuffer>[], mode: LossMode): Promise<ScoreSums[]> {
    return Promise.all(this.helpers.map((h) => h.ask<'scored'>((id) => ({ type: 'score', id, weights, loss: mode }))));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.helpers.map((h) => h.terminate()));
  }
}
