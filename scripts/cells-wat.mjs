/**
 * Writes the text of the fused recurrent-cell kernels (compiled by build-wasm.mjs): the
 * pointwise part of one time step of the tanh, GRU and LSTM cells, forward and backward, as one
 * SIMD pass over a B × d grid each, with tanh and σ computed inline.
 *
 * Why: a step's pointwise work was 5–20 tfjs-wasm kernel calls, each a pass over memory, plus
 * all-T passes for the backward's factors and a split of the projected inputs by gate (tfjs-wasm's
 * SplitV copies the whole input per slice: 31 ms of a 230 ms LSTM step at config B). Here it is
 * one pass, reading each gate where it lies in the interleaved [gate blocks] rows of the
 * projection, and writing gate gradients straight into that layout for the next matmul.
 *
 * Each kernel is written once as expressions (below) and compiled twice: f32x4 for 4 columns at
 * a time and f32 for the d mod 4 columns left. tanh is Eigen's rational approximation
 * (generic_fast_tanh_float: |error| ≤ a few ulp on the clamped range, x itself below 4e-4);
 * σ(x) = ½ + ½·tanh(x/2). The unit tests compare every kernel with float64 math.
 */

/**
 * The kernels. `operands`: name → [pointer parameter, rowStride, column block], strides in units
 * of d floats: ['pre', 4, 2] is the third d-wide block of rows 4d floats apart behind the
 * parameter `pre` (gate g of an LSTM projection). A plain B × d operand is [itself, 1, 0] (`own`).
 * `body`: [name, expression] in order; an operand name is stored there, any other name is a
 * temporary. Expressions: an operand or temporary name, a number, or [op, ...args] with op one
 * of add sub mul sigmoid tanh. Operands read are loaded once per column group.
 */
const own = (...names) => Object.fromEntries(names.map((n) => [n, [n, 1, 0]]));
const gates = (param, names) => Object.fromEntries(names.map((n, k) => [n, [param, names.length, k]]));

export const CELLS = {
  // out = a + b: the total ∂L/∂h_t (from outside plus the carry) where a probe asks for it
  sum: { operands: own('a', 'b', 'out'), body: [['out', ['add', 'a', 'b']]] },
  // h = tanh(z)
  tanhCell: { operands: own('z', 'h'), body: [['h', ['tanh', 'z']]] },
  // ∂z = (∂h + carry) ⊙ (1 − h²)
  tanhCellBackward: {
    operands: own('dh', 'carry', 'h', 'dz'),
    body: [['dz', ['mul', ['add', 'dh', 'carry'], ['sub', 1, ['mul', 'h', 'h']]]]],
  },
  // pre = xp_t + h_{t−1}·W_hhᵀ as [i f g o];  c = σf ⊙ c_{t−1} + σi ⊙ tanh g;  h = σo ⊙ tanh c
  lstmCell: {
    operands: { ...gates('pre', ['i', 'f', 'g', 'o']), ...own('cPrev', 'c', 'h', 'si', 'sf', 'tg', 'so', 'tc') },
    body: [
      ['vi', ['sigmoid', 'i']],
      ['vf', ['sigmoid', 'f']],
      ['vg', ['tanh', 'g']],
      ['vo', ['sigmoid', 'o']],
      ['vc', ['add', ['mul', 'vf', 'cPrev'], ['mul', 'vi', 'vg']]],
      ['vt', ['tanh', 'vc']],
      ['si', 'vi'],
      ['sf', 'vf'],
      ['tg', 'vg'],
      ['so', 'vo'],
      ['c', 'vc'],
      ['tc', 'vt'],
      ['h', ['mul', 'vo', 'vt']],
    ],
  },
  // gh = ∂h + carry_h;  ∂c = carry_c + gh ⊙ σo ⊙ (1 − tanh²c);  gate gradients into [∂i ∂f ∂g ∂o];  carry_c ← ∂c ⊙ σf
  lstmCellBackward: {
    operands: { ...own('dh', 'carryH', 'carryC', 'si', 'sf', 'tg', 'so', 'tc', 'cPrev'), ...gates('dGates', ['di', 'df', 'dg', 'do']) },
    body: [
      ['gh', ['add', 'dh', 'carryH']],
      ['dc', ['add', 'carryC', ['mul', ['mul', 'gh', 'so'], ['sub', 1, ['mul', 'tc', 'tc']]]]],
      ['di', ['mul', ['mul', 'dc', 'tg'], ['mul', 'si', ['sub', 1, 'si']]]],
      ['df', ['mul', ['mul', 'dc', 'cPrev'], ['mul', 'sf', ['sub', 1, 'sf']]]],
      ['dg', ['mul', ['mul', 'dc', 'si'], ['sub', 1, ['mul', 'tg', 'tg']]]],
      ['do', ['mul', ['mul', 'gh', 'tc'], ['mul', 'so', ['sub', 1, 'so']]]],
      ['carryC', ['mul', 'dc', 'sf']],
    ],
  },
  // [hr hz hn] = h_{t−1}·W_hhᵀ + b_hh;  r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r ⊙ hn), h = n + z ⊙ (h_{t−1} − n)
  gruCell: {
    operands: { ...gates('xp', ['xr', 'xz', 'xn']), ...gates('hp', ['hr', 'hz', 'hn']), ...own('hPrev', 'h', 'r', 'z', 'n', 'hnOut') },
    body: [
      ['vr', ['sigmoid', ['add', 'xr', 'hr']]],
      ['vz', ['sigmoid', ['add', 'xz', 'hz']]],
      ['vhn', 'hn'],
      ['vn', ['tanh', ['add', 'xn', ['mul', 'vr', 'vhn']]]],
      ['r', 'vr'],
      ['z', 'vz'],
      ['n', 'vn'],
      ['hnOut', 'vhn'],
      ['h', ['add', 'vn', ['mul', 'vz', ['sub', 'hPrev', 'vn']]]],
    ],
  },
  // g = ∂h + carry;  ∂n̂ = g(1 − z)(1 − n²), ∂ẑ = g(h_{t−1} − n)z(1 − z), ∂r̂ = ∂n̂·hn·r(1 − r);
  // ∂xp = [∂r̂ ∂ẑ ∂n̂], ∂hp = [∂r̂ ∂ẑ ∂n̂ ⊙ r], gz = g ⊙ z (carry = gz + ∂hp · W_hh, after)
  gruCellBackward: {
    operands: { ...own('dh', 'carry', 'r', 'z', 'n', 'hn', 'hPrev'), ...gates('dXp', ['xr', 'xz', 'xn']), ...gates('dHp', ['pr', 'pz', 'pn']), ...own('gz') },
    body: [
      ['g', ['add', 'dh', 'carry']],
      ['vz', 'z'],
      ['vn', 'n'],
      ['vr', 'r'],
      ['dn', ['mul', ['mul', 'g', ['sub', 1, 'vz']], ['sub', 1, ['mul', 'vn', 'vn']]]],
      ['dz', ['mul', ['mul', 'g', ['sub', 'hPrev', 'vn']], ['mul', 'vz', ['sub', 1, 'vz']]]],
      ['dr', ['mul', ['mul', 'dn', 'hn'], ['mul', 'vr', ['sub', 1, 'vr']]]],
      ['xr', 'dr'],
      ['xz', 'dz'],
      ['xn', 'dn'],
      ['pr', 'dr'],
      ['pz', 'dz'],
      ['pn', ['mul', 'dn', 'vr']],
      ['gz', ['mul', 'g', 'vz']],
    ],
  },
};

/** Eigen's generic_fast_tanh_float coefficients (odd numerator, even denominator). */
const ALPHA = [4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16];
const BETA = [4.89352518554385e-3, 2.26843463243900e-3, 1.18534705686654e-4, 1.19825839466702e-6];
const CLAMP = 7.90531110763549805;
const TINY = 0.0004;
/**
 * Every kernel stores a value under 2^−100 (≈ 7.9e−31) as 0: flush to zero by hand, as wasm
 * cannot set the CPU's FTZ/DAZ flags. Why: on Intel Xeons every SIMD multiply that meets a
 * subnormal (under 2^−126) takes a microcode assist. A vanishing gradient passes through that
 * range for about a dozen steps on its way to exact zeros (bench B's shared tanh ran 1.45
 * steps/s there instead of 21.1), and so does a state decaying over zero-padded steps. Cutting at
 * 2^−100 rather than 2^−126 keeps the next products normal too (∂z·W, h·W stay normal for
 * |W| ≥ 2^−26), and what is dropped is 20+ orders of magnitude under anything it is summed
 * with. NaN and ±∞ pass unchanged.
 */
export const FLUSH_BELOW = 2 ** -100;

const f32 = (x) => `(f32.const ${x})`;
const splat = (x) => `(f32x4.splat ${f32(x)})`;

/** tanh for 4 lanes: p(x)/q(x) on x clamped to ±CLAMP; x itself where |x| < TINY (tanhInline's body, for the d mod 4 tail). */
const tanhFunctions = () => {
  return `(func $tanh4 (param $x v128) (result v128) ${TANH_LOCALS.map((n) => `(local $_${n}_0 v128)`).join(' ')}
    ${tanhInline('(local.get $x)', 0, splat)})
  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.add ${splat(0.5)} (f32x4.mul ${splat(0.5)} (call $tanh4 (f32x4.mul ${splat(0.5)} (local.get $x))))))
  (func $tanh1 (param $x f32) (result f32) (f32x4.extract_lane 0 (call $tanh4 (f32x4.splat (local.get $x)))))
  (func $sigmoid1 (param $x f32) (result f32) (f32x4.extract_lane 0 (call $sigmoid4 (f32x4.splat (local.get $x)))))`;
};

/**
 * tanh4's body inline on a 4-lane value (locals TANH_LOCALS + k), its constants from `lanes`:
 * TurboFan here does not inline wasm calls, and the call cost tanhCell ≈ 30 cycles a vector.
 */
const tanhInline = (arg, k, lanes) => {
  const horner = (coeffs, x2) => coeffs.slice(0, -1).reduceRight((acc, c) => `(f32x4.add (f32x4.mul ${x2} ${acc}) ${lanes(c)})`, lanes(coeffs.at(-1)));
  const [x, c, x2] = TANH_LOCALS.map((n) => `$_${n}_${k}`);
  return `(block (result v128)
          (local.set ${x} ${arg})
          (local.set ${c} (f32x4.pmin (f32x4.pmax (local.get ${x}) ${lanes(-CLAMP)}) ${lanes(CLAMP)}))
          (local.set ${x2} (f32x4.mul (local.get ${c}) (local.get ${c})))
          (v128.bitselect (local.get ${x})
            (f32x4.div (f32x4.mul (local.get ${c}) ${horner(ALPHA, `(local.get ${x2})`)}) ${horner(BETA, `(local.get ${x2})`)})
            (f32x4.lt (f32x4.abs (local.get ${x})) ${lanes(TINY)})))`;
};
const TANH_LOCALS = ['tx', 'tc', 'tx2'];
/** Every name an expression reads. */
const leaves = (e) => (typeof e === 'string' ? [e] : Array.isArray(e) ? e.slice(1).flatMap(leaves) : []);

/** One kernel: (pointer parameters…, rows, d) over a rows × d grid, 4 columns at a time then 1. */
function kernel(name, spec) {
  const names = Object.keys(spec.operands);
  const params = [...new Set(Object.values(spec.operands).map(([param]) => param))];
  const temps = [...new Set(spec.body.map(([target]) => target).filter((t) => !names.includes(t)))];
  const read = names.filter((n) => spec.body.some(([, e]) => leaves(e).includes(n)));
  const values = new Map(); // name → how the current body reads it
  let inlined = 0; // tanh bodies inlined into the vector loop, each with its own locals
  // the vector loop's constants, each set once in a local before the loops: a v128.const or a
  // splat in the loop is re-made at every use (V8 here)
  const constants = new Map();
  const lanes = (x) => {
    if (!constants.has(x)) constants.set(x, `$_k${constants.size}`);
    return `(local.get ${constants.get(x)})`;
  };
  const expr = (e, vec) => {
    if (typeof e === 'number') return vec ? lanes(e) : f32(e);
    if (typeof e === 'string') {
      if (!values.has(e)) throw new Error(`${name}: ${e} is read before it is set`);
      return values.get(e);
    }
    const [op, ...args] = e;
    const a = args.map((x) => expr(x, vec));
    // the vector loop inlines tanh (σ(x) = ½ + ½·tanh(x/2)); the d mod 4 tail calls the functions
    if (vec && op === 'tanh') return tanhInline(a[0], inlined++, lanes);
    if (vec && op === 'sigmoid') return `(f32x4.add ${lanes(0.5)} (f32x4.mul ${lanes(0.5)} ${tanhInline(`(f32x4.mul ${lanes(0.5)} ${a[0]})`, inlined++, lanes)}))`;
    if (op === 'sigmoid' || op === 'tanh') return `(call $${op}${vec ? 4 : 1} ${a[0]})`;
    if (!['add', 'sub', 'mul'].includes(op)) throw new Error(`${name}: unknown op ${op}`);
    return `(${vec ? 'f32x4' : 'f32'}.${op} ${a[0]} ${a[1]})`;
  };
  const local = (n, vec, copy = '') => `$${vec ? 'v' : 's'}_${n}${copy}`;
  // value, or 0 where |value| < FLUSH_BELOW (a NaN compares false and is kept)
  const flushed = (value, vec, copy) => {
    const x = `(local.get ${local('_f', vec, copy)})`;
    return vec
      ? `(block (result v128) (local.set ${local('_f', vec, copy)} ${value}) (v128.andnot ${x} (f32x4.lt (f32x4.abs ${x}) ${lanes(FLUSH_BELOW)})))`
      : `(block (result f32) (local.set ${local('_f', vec, copy)} ${value}) (select ${f32(0)} ${x} (f32.lt (f32.abs ${x}) ${f32(FLUSH_BELOW)})))`;
  };
  // one column group's statements; `copy` names a second set of locals for the group 16 bytes on
  const body = (vec, copy = '') => {
    const address = (n) => `${copy ? 'offset=16 ' : ''}align=4 (i32.add (local.get $row_${n}) (local.get $_o))`;
    values.clear();
    const lines = [];
    for (const n of read) {
      lines.push(`(local.set ${local(n, vec, copy)} (${vec ? 'v128' : 'f32'}.load ${address(n)}))`);
      values.set(n, `(local.get ${local(n, vec, copy)})`);
    }
    for (const [target, e] of spec.body) {
      const value = expr(e, vec);
      if (names.includes(target)) lines.push(`(${vec ? 'v128' : 'f32'}.store ${address(target)} ${flushed(value, vec, copy)})`);
      else {
        lines.push(`(local.set ${local(target, vec, copy)} ${value})`);
        values.set(target, `(local.get ${local(target, vec, copy)})`);
      }
    }
    return lines;
  };
  const step = (lines, bytes) => [...lines, `(local.set $_o (i32.add (local.get $_o) (i32.const ${bytes})))`].join('\n        ');
  // two groups of 4 columns a turn, their statements interleaved: a tanh is a chain of ~20
  // dependent operations, and two independent chains side by side keep the FP units busy
  // (one group a turn left an LSTM step latency-bound)
  const [first, second] = [body(true), body(true, 'b')];
  const pairBody = step(first.flatMap((line, i) => [line, second[i]]), 32);
  const vectorBody = step(body(true), 16);
  const scalarBody = step(body(false), 4);
  const tanhLocals = Array.from({ length: inlined }, (_, k) => TANH_LOCALS.map((n) => `(local $_${n}_${k} v128)`).join(' ')).join(' ');
  const constantLocals = [...constants.values()].map((l) => ` (local ${l} v128)`).join('');
  const locals = [...read, ...temps, '_f'].flatMap((n) => [`(local ${local(n, true)} v128)`, `(local ${local(n, true, 'b')} v128)`, `(local ${local(n, false)} f32)`]).join(' ') + (tanhLocals ? ` ${tanhLocals}` : '') + constantLocals;
  const setConstants = [...constants].map(([x, l]) => `(local.set ${l} (v128.const f32x4 ${x} ${x} ${x} ${x}))`).join('\n    ');
  // row r of an operand: its parameter + 4·d·(r·stride + block); the loop's own locals start
  // with _ so that no operand name can collide with them
  const rowAddress = (n) => {
    const [param, stride, block] = spec.operands[n];
    return `(local.set $row_${n} (i32.add (local.get $${param}) (i32.shl (i32.mul (local.get $d) (i32.add (i32.mul (local.get $_r) (i32.const ${stride})) (i32.const ${block}))) (i32.const 2))))`;
  };
  return `(func (export "${name}") ${params.map((p) => `(param $${p} i32)`).join(' ')} (param $rows i32) (param $d i32)
    (local $_r i32) (local $_o i32) (local $_vecEnd i32) ${names.map((n) => `(local $row_${n} i32)`).join(' ')} ${locals}
    (local.set $_vecEnd (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2)))
    ${setConstants}
    (block $rows_done (loop $rows_loop
      (br_if $rows_done (i32.ge_u (local.get $_r) (local.get $rows)))
      ${names.map(rowAddress).join('\n      ')}
      (local.set $_o (i32.const 0))
      (block $pairs_done (loop $pairs
        (br_if $pairs_done (i32.ge_u (i32.add (local.get $_o) (i32.const 16)) (local.get $_vecEnd)))
        ${pairBody}
        (br $pairs)))
      (block $vec_done (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $_o) (local.get $_vecEnd)))
        ${vectorBody}
        (br $vec)))
      (block $tail_done (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $_o) (i32.shl (local.get $d) (i32.const 2))))
        ${scalarBody}
        (br $tail)))
      (local.set $_r (i32.add (local.get $_r) (i32.const 1)))
      (br $rows_loop))))`;
}

/** The parameters of each kernel, in order (the TypeScript side passes offsets in this order). */
export function cellParameters() {
  return Object.fromEntries(Object.entries(CELLS).map(([name, spec]) => [name, [...new Set(Object.values(spec.operands).map(([p]) => p))]]));
}

export function cellsWat() {
  return `;; Generated by scripts/cells-wat.mjs: do not edit.
(module
  (import "env" "memory" (memory 1))
  ${tanhFunctions()}
  ${Object.entries(CELLS).map(([name, spec]) => kernel(name, spec)).join('\n  ')})
`;
}
