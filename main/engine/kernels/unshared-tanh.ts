/**
 * The unshared tanh recurrence, h_t = tanh(x_t W_xh^(t)ᵀ + b^(t) + h_{t−1} W_hh^(t)ᵀ), with a
 * hand-written backward. Every position's weights stay separate inputs (and get separate
 * gradients), so nothing is stacked or unstacked: per step the backward is
 *   ∂z_t = m_t ⊙ g_t ⊙ (1 − h̃_t²),  ∂x_t = ∂z_t W_xh^(t),  carry = (1 − m_t) ⊙ g_t + ∂z_t W_hh^(t),
 *   ∂W_xh^(t) = ∂z_tᵀ x_t,  ∂W_hh^(t) = ∂z_tᵀ h_{t−1},  ∂b^(t) = Σ_batch ∂z_t
 * with explicit transposes instead of matMul flags (tfjs-wasm's slow path). Checked against autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { fastTanh } from './tanh-recurrence.js';
import { timeSlices } from './time-slices.js';

/**
 * @param x    time-major inputs (T × B × n)
 * @param mask time-major (T × B × 1), or null when every sequence has all T steps
 * @param steps per position t < T: W_xh (d × n), W_hh (d × d), b (d) (the biases already summed)
 * @returns all states, time-major (T × B × d)
 */
export function unsharedTanh(x: tf.Tensor3D, mask: tf.Tensor3D | null, steps: { W_xh: tf.Tensor2D; W_hh: tf.Tensor2D; b: tf.Tensor1D }[]): tf.Tensor3D {
  const T = x.shape[0];
  const masked = mask !== null;
  const inputs = [x, mask ?? tf.ones([1, 1, 1]), ...steps.flatMap((s) => [s.W_xh, s.W_hh, s.b])];
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xT, M, ...flat] = args as tf.Tensor[];
    const w = Array.from({ length: T }, (_, t) => ({ W_xh: flat[3 * t] as tf.Tensor2D, W_hh: flat[3 * t + 1] as tf.Tensor2D, b: flat[3 * t + 2] as tf.Tensor1D }));
    const [, B] = xT.shape;
    const d = w[0].W_hh.shape[0];
    const xs = timeSlices(xT as tf.Tensor3D);
    const ms = masked ? timeSlices(M as tf.Tensor3D) : [];
    let h = tf.zeros([B, d]) as tf.Tensor2D;
    const states: tf.Tensor2D[] = [];
    const cand: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const z = tf.add(tf.add(tf.matMul(xs[t], tf.transpose(w[t].W_xh)), w[t].b), tf.matMul(h, tf.transpose(w[t].W_hh)));
      const hn = fastTanh(z) as tf.Tensor2D;
      h = masked ? (tf.add(h, tf.mul(ms[t], tf.sub(hn, h))) as tf.Tensor2D) : hn;
      states.push(h);
      cand.push(hn);
    }
    const H = tf.stack(states) as tf.Tensor3D;
    save([H, masked ? tf.stack(cand) : H, xT, M, ...flat]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [Hs, Hns, xs3, Ms, ...ws] = saved;
        const hs = timeSlices(Hs as tf.Tensor3D);
        const hns = masked ? timeSlices(Hns as tf.Tensor3D) : hs;
        const dHs = timeSlices(dH);
        const xsb = timeSlices(xs3 as tf.Tensor3D);
        const msb = masked ? timeSlices(Ms as tf.Tensor3D) : [];
        const grads: tf.Tensor[] = new Array(3 * T);
        const dX: tf.Tensor2D[] = new Array(T);
        let carry: tf.Tensor2D | null = null;
        for (let t = T - 1; t >= 0; t--) {
          const total: tf.Tensor2D = carry ? tf.add(dHs[t], carry) : dHs[t];
          const g: tf.Tensor2D = masked ? tf.mul(msb[t], total) : total;
          const dz: tf.Tensor2D = tf.mul(g, tf.sub(1, tf.square(hns[t])));
          const dzT = tf.transpose(dz);
          const hPrev = t > 0 ? hs[t - 1] : tf.zerosLike(hs[0]);
          grads[3 * t] = tf.matMul(dzT, xsb[t]);
          grads[3 * t + 1] = tf.matMul(dzT, hPrev);
          grads[3 * t + 2] = tf.sum(dz, 0);
          dX[t] = tf.matMul(dz, ws[3 * t] as tf.Tensor2D);
          let next: tf.Tensor2D = tf.matMul(dz, ws[3 * t + 1] as tf.Tensor2D);
          if (masked) next = tf.add(next, tf.mul(tf.sub(1, msb[t]), total));
          carry = next;
        }
        return [tf.stack(dX), tf.zerosLike(Ms), ...grads];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor3D;
  return op(...inputs);
}
