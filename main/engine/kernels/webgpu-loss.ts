/**
 * A classifier's softmax cross-entropy on webgpu: the weighted loss in one dispatch, its gradient
 * in one more. tf.losses.softmaxCrossEntropy with its one-hot labels and the mean took 19 of the
 * shared tanh's 60 dispatches a step at bench B (≈ 50–150 µs each on webgpu) for a few hundred
 * flops. Same values as those ops, an out-of-range label included: its one-hot row is all zeros,
 * so its sequence adds nothing to the loss, yet tfjs's gradient, softmax − one-hot, still gives
 * it w·softmax (the data never holds one; the in-process path, classify-loss.ts, refuses one,
 * which here would need a read).
 */
import * as tf from '@tensorflow/tfjs';
import { ElementProgram, gap, ProgramCheck, webgpuBackend, WorkgroupSum } from './webgpu-programs.js';

/**
 * WGSL over logits Z (B × C), labels Y and lengths L: a row's max and Σ exp(z − max), whether its
 * label is a class, and its weight, 1/B or, length-normalized, 1/(B·length).
 */
const ROWS = `
      fn rowMax(b : i32) -> f32 {
        var m = Z[b * uniforms.classes];
        for (var c = 1; c < uniforms.classes; c = c + 1) { m = max(m, Z[b * uniforms.classes + c]); }
        return m;
      }
      fn rowSum(b : i32, m : f32) -> f32 {
        var s = 0.0;
        for (var c = 0; c < uniforms.classes; c = c + 1) { s = s + exp(Z[b * uniforms.classes + c] - m); }
        return s;
      }
      fn labelled(b : i32) -> bool { return Y[b] >= 0 && Y[b] < uniforms.classes; }
      fn weight(b : i32) -> f32 {
        if (uniforms.normalized == 1) { return 1.0 / (f32(uniforms.batch) * f32(L[b])); }
        return 1.0 / f32(uniforms.batch);
      }`;

const UNIFORMS = 'batch : i32, classes : i32, normalized : i32,';

/** Σ_b w_b·(log Σ_c e^z_bc − z_b,y_b) by one workgroup (WorkgroupSum), a row an item. */
class Loss extends WorkgroupSum {
  variableNames = ['Z', 'Y', 'L'];
  uniforms = UNIFORMS;
  readonly outputShape = [1];
  readonly shaderKey = 'rnnwb_softmax_ce';
  getUserCode(): string {
    return this.sum({
      helpers: ROWS,
      count: 'uniforms.batch',
      term: `if (labelled(i)) {
            let m = rowMax(i);
            sum = sum + weight(i) * (m + log(rowSum(i, m)) - Z[i * uniforms.classes + Y[i]]);
          }`,
      store: 'result[0] = total;',
    });
  }
}

/** ∂L/∂z_bc = dy·w_b·(softmax_bc − [c = y_b]), a thread an element. Inputs: Z, Y, L, DY (the loss's upstream gradient). */
class LossGrad extends ElementProgram {
  variableNames = ['Z', 'Y', 'L', 'DY'];
  uniforms = UNIFORMS;
  constructor([B, C]: [number, number]) {
    super([B, C], 'rnnwb_softmax_ce_grad', B * C);
  }
  getUserCode(): string {
    return `
      ${ROWS}
      fn main(index : i32) {
        if (index >= uniforms.batch * uniforms.classes) { return; }
        let b = index / uniforms.classes;
        let m = rowMax(b);
        let p = exp(Z[index] - m) / rowSum(b, m);
        // (a label out of range is never hit: its one-hot row is zeros)
        let hit = select(0.0, 1.0, index - b * uniforms.classes == Y[b]);
        result[index] = DY[0] * weight(b) * (p - hit);
      }`;
  }
}

/**
 * The mean over sequences of softmax cross-entropy (`normalized`: each divided by its length
 * first), as SequenceModel's ops compute it. labels and lengths: int32, one per sequence.
 */
export function classifyLossOnWebgpu(logits: tf.Tensor2D, labels: tf.Tensor1D, lengths: tf.Tensor1D, normalized: boolean): tf.Scalar {
  const [B, C] = logits.shape;
  const uniforms = [B, C, normalized ? 1 : 0].map((v) => ({ type: 'int32' as const, data: [v] }));
  const y = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
  const op = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([z]);
    const loss = tf.engine().makeTensorFromTensorInfo(webgpuBackend().runWebGPUProgram(new Loss(), [z, y, lengths], 'float32', uniforms));
    return {
      value: tf.reshape(loss, []),
      gradFunc: (dy: tf.Scalar, [saved]: tf.Tensor[]) =>
        tf.engine().makeTensorFromTensorInfo(webgpuBackend().runWebGPUProgram(new LossGrad([B, C]), [saved, y, lengths, dy], 'float32', uniforms)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor2D) => tf.Scalar;
  return op(logits);
}

/** The loss as SequenceModel's ops compute it (the check's reference). */
function lossByOps(logits: tf.Tensor2D, labels: tf.Tensor1D, lengths: tf.Tensor1D, normalized: boolean): tf.Scalar {
  const perSeq = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits, undefined, undefined, tf.Reduction.NONE);
  return tf.mean(normalized ? tf.div(perSeq, tf.cast(lengths, 'float32')) : perSeq) as tf.Scalar;
}

/**
 * The programs against the ops, loss and gradient, both losses, once per process (ProgramCheck):
 * more rows than the workgroup has threads, 3 classes, one label out of range.
 */
const check = new ProgramCheck(() => {
  const [B, C] = [300, 3];
  const logits = tf.randomUniform([B, C], -4, 4, 'float32', 41) as tf.Tensor2D;
  const labels = tf.tensor1d(Array.from({ length: B }, (_, b) => (b === 7 ? C : (b * 7) % C)), 'int32');
  const lengths = tf.tensor1d(Array.from({ length: B }, (_, b) => 1 + (b % 13)), 'int32');
  return [false, true].flatMap((normalized) => {
    const [mine, ops] = [classifyLossOnWebgpu, lossByOps].map((f) => tf.valueAndGrad((z: tf.Tensor) => f(z as tf.Tensor2D, labels, lengths, normalized))(logits));
    // (the gradient scaled by 3: a loss inside a larger one)
    const [mine3, ops3] = [classifyLossOnWebgpu, lossByOps].map((f) => tf.grad((z: tf.Tensor) => tf.mul(f(z as tf.Tensor2D, labels, lengths, normalized), 3))(logits));
    return [gap(mine.value, ops.value), gap(mine.grad, ops.grad), gap(mine3, ops3)];
  });
});

export const verifyWebgpuLoss = (): Promise<boolean> => check.verify();

/** True once verifyWebgpuLoss passed in this process (and the programs are wanted, on webgpu). */
export const webgpuLossReady = (): boolean => check.ready();
