/**
 * Validation on a spare core. A run on one thread leaves the machine's other cores idle, yet
 * every `validateEvery` steps it stops to score the validation set: on SST-2's 6,735 held-out
 * phrases that took as long as the training between two checks. A helper thread keeps
 * the set and scores a copy of the weights while training goes on; the training loop files the
 * loss and metric under the step they belong to (training-loop.ts). The scores are the
 * training thread's own: same kernels, same weights, same batches.
 */
import type { BackendName, ModelConfig, PackedBatch } from '../contract.js';
import type { LossMode } from '../engine/models/sequence-model.js';
import { fromSums, type Score } from './evaluate.js';
import { HelperThread } from './helper-thread.js';

/**
 * Whether a run validates on a helper thread: where a core is left over after the training
 * threads (a split run on 2 cores has none), on wasm (tfjs-node's native backend cannot load
 * in a worker thread), and where validation is a real share of the work: a forward pass over
 * the set's tokens costs at least a tenth of the training between two checks (forward and
 * backward, ≈ 3 forwards, over their batches' tokens). Else a thread and a replica cost more
 * than they save. Early stopping too: the training loop ends such a run at the step whose
 * validation said stop, from that step's snapshot.
 */
export function validatesOnHelper(o: { threads: number; cores: number; backend: BackendName; valTokens: number; trainTokensPerCheck: number }): boolean {
  if (o.cores <= o.threads || o.backend !== 'wasm') return false;
  return o.valTokens >= 0.1 * 3 * o.trainTokensPerCheck;
}

export class BackgroundScorer {
  private started = false;
  /** validations the helper has answered */
  answered = 0;

  private constructor(private readonly helper: HelperThread) {
    helper.whenReady().then(
      () => (this.started = true),
      () => {},
    );
  }

  /** Starts the helper; it takes work once up (`ready`) and given the set (keepScoreSet), not before. */
  static start(model: ModelConfig, backend: BackendName): BackgroundScorer {
    return new BackgroundScorer(new HelperThread({ type: 'init', model, backend }, 'validation helper'));
  }

  /** Hands the helper the validation set (evalSet) to keep for every score. */
  keepScoreSet(set: PackedBatch[]): void {
    // copies of the set's arrays: the training thread scores it too where the helper cannot
    this.helper.tell({ type: 'score-set', batches: set });
  }

  /** Resolves once the helper is up (rejects with why it could not start). */
  whenReady(): Promise<void> {
    return this.helper.whenReady();
  }

  /** Up and not failed: a score asked for now runs there. */
  get ready(): boolean {
    return this.started && !this.helper.failed;
  }

  /** Why it stopped taking work (null while it works). */
  get failure(): Error | null {
    return this.helper.failed;
  }

  /** The set's loss and metric at these weights (the model's parameters in order; copied across). */
  async score(weights: Float32Array[], mode: LossMode): Promise<Score | null> {
    const r = await this.helper.ask<'scored'>((id) => ({ type: 'score', id, weights: weights as Float32Array<ArrayBuffer>[], loss: mode }));
    this.answered++;
    return fromSums([r]);
  }

  async dispose(): Promise<void> {
    await this.helper.terminate();
  }
}
