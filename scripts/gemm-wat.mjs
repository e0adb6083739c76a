/**
 * Writes the text of the wasm SIMD matrix multiply (compiled by build-wasm.mjs, in two
 * variants: `f32x4.relaxed_madd` where the runtime has relaxed SIMD, else mul + add).
 *
 *   C[i, j] = (base ? Base[i, j] : 0) + Σ_k A[i, k] · B[k, j]
 *
 * C and B are row-major and contiguous (N columns); Base's rows are baseRow bytes apart (0: one
 * row for all, i.e. a bias; 4N: a full matrix, which may be C itself). A is read one value at a time
 * (splat), so it takes any strides: aRow and aCol are byte strides, which gives A and Aᵀ
 * alike. Pointers are byte offsets into the imported memory (tfjs-wasm's own).
 *
 * Why generated: the 4 × 8 register block (8 accumulators, 2 loads of B, 1 splat of A: 11 of
 * x64's 16 vector registers) and its edge variants (4 × 4, 1 × 8, 1 × 4, 1 × 1) are the same
 * loop with different sizes. Measured on this machine (AMD EPYC, one core, 32 × 256 · 256 × 256):
 * XNNPACK ≈ 32 GFLOP/s, this block 40 with mul + add and 50 with relaxed FMA; 4 × 16 spills
 * (33) and 8 × 8 too (35).
 */
export function gemmWat({ fma }) {
  const madd = (a, b, c) => (fma ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`);
  const get = (name) => `(local.get $${name})`;
  const range = (n) => [...Array(n).keys()];

  /** One register block: rows × (4·vecs) of C over all K. */
  function block(rows, vecs) {
    const R = range(rows);
    const V = range(vecs);
    const L = [];
    L.push(`(func $block${rows}x${4 * vecs} (param $pa i32) (param $aRow i32) (param $aCol i32) (param $pb i32) (param $ldb i32) (param $pc i32) (param $pbase i32) (param $baseRow i32) (param $K i32)`);
    L.push(`  (local $k i32) (local $s v128)`);
    L.push('  ' + R.map((r) => `(local $p${r} i32)`).join(' '));
    L.push('  ' + V.map((v) => `(local $b${v} v128)`).join(' '));
    L.push('  ' + R.flatMap((r) => V.map((v) => `(local $c${r}_${v} v128)`)).join(' '));
    R.forEach((r) => L.push(`  (local.set $p${r} ${r === 0 ? get('pa') : `(i32.add ${get(`p${r - 1}`)} ${get('aRow')})`})`));
    // the accumulators start at Base (or 0); Base may be C itself
    L.push(`  (if ${get('pbase')} (then`);
    R.forEach((r) => {
      const at = r === 0 ? get('pbase') : `(i32.add ${get('pbase')} (i32.mul ${get('baseRow')} (i32.const ${r})))`;
      V.forEach((v) => L.push(`    (local.set $c${r}_${v} (v128.load offset=${16 * v} align=4 ${at}))`));
    });
    L.push('  ))');
    L.push(`  (if (i32.gt_s ${get('K')} (i32.const 0)) (then (loop $k_loop`);
    V.forEach((v) => L.push(`    (local.set $b${v} (v128.load offset=${16 * v} align=4 ${get('pb')}))`));
    R.forEach((r) => {
      L.push(`    (local.set $s (v128.load32_splat align=4 ${get(`p${r}`)}))`);
      V.forEach((v) => L.push(`    (local.set $c${r}_${v} ${madd(get('s'), get(`b${v}`), get(`c${r}_${v}`))})`));
      L.push(`    (local.set $p${r} (i32.add ${get(`p${r}`)} ${get('aCol')}))`);
    });
    L.push(`    (local.set $pb (i32.add ${get('pb')} ${get('ldb')}))`);
    L.push(`    (local.set $k (i32.add ${get('k')} (i32.const 1)))`);
    L.push(`    (br_if $k_loop (i32.lt_s ${get('k')} ${get('K')})))))`);
    R.forEach((r) => {
      const at = r === 0 ? get('pc') : `(i32.add ${get('pc')} (i32.mul ${get('ldb')} (i32.const ${r})))`;
      V.forEach((v) => L.push(`  (v128.store offset=${16 * v} align=4 ${at} ${get(`c${r}_${v}`)})`));
    });
    L.push(')');
    return L.join('\n');
  }

  /** One value of C: the columns left over after the vector blocks. */
  const single = `(func $block1x1 (param $pa i32) (param $aCol i32) (param $pb i32) (param $ldb i32) (param $pc i32) (param $pbase i32) (param $K i32)
  (local $k i32) (local $s f32)
  (if ${get('pbase')} (then (local.set $s (f32.load ${get('pbase')}))))
  (block $done (loop $k_loop
    (br_if $done (i32.ge_s ${get('k')} ${get('K')}))
    (local.set $s (f32.add ${get('s')} (f32.mul (f32.load ${get('pa')}) (f32.load ${get('pb')}))))
    (local.set $pa (i32.add ${get('pa')} ${get('aCol')}))
    (local.set $pb (i32.add ${get('pb')} ${get('ldb')}))
    (local.set $k (i32.add ${get('k')} (i32.const 1)))
    (br $k_loop)))
  (f32.store ${get('pc')} ${get('s')}))`;

  /** Calls `block rows×width` over column j for every row block, then the rows left over. */
  function columnSweep(width) {
    const call = (rows) =>
      `(call $block${rows}x${width} (i32.add ${get('a')} (i32.mul ${get('i')} ${get('aRow')})) ${get('aRow')} ${get('aCol')} (i32.add ${get('b')} (i32.shl ${get('j')} (i32.const 2))) ${get('ldb')} ${get('pc')} (select ${get('pbase')} (i32.const 0) ${get('base')}) ${get('baseRow')} ${get('K')})`;
    const at = `(local.set $pc (i32.add ${get('c')} (i32.shl (i32.add (i32.mul ${get('i')} ${get('N')}) ${get('j')}) (i32.const 2))))
        (local.set $pbase (i32.add ${get('base')} (i32.add (i32.mul ${get('i')} ${get('baseRow')}) (i32.shl ${get('j')} (i32.const 2)))))`;
    const rowLoop = (rows) => `(block $rows${rows}_done (loop $rows${rows}
        (br_if $rows${rows}_done (i32.gt_s (i32.add ${get('i')} (i32.const ${rows})) ${get('M')}))
        ${at}
        ${call(rows)}
        (local.set $i (i32.add ${get('i')} (i32.const ${rows})))
        (br $rows${rows})))`;
    return `(local.set $i (i32.const 0))
      ${rowLoop(4)}
      ${rowLoop(1)}`;
  }

  return `;; Generated by scripts/gemm-wat.mjs (${fma ? 'relaxed SIMD FMA' : 'SIMD mul + add'}): do not edit.
(module
  (import "env" "memory" (memory 1))
${block(4, 2)}
${block(1, 2)}
${block(4, 1)}
${block(1, 1)}
${single}
  ;; C (M × N) = Base + A · B; base = 0: no Base (tfjs never places a tensor at offset 0)
  (func (export "gemm") (param $a i32) (param $aRow i32) (param $aCol i32) (param $b i32) (param $c i32) (param $base i32) (param $baseRow i32) (param $M i32) (param $K i32) (param $N i32)
    (local $i i32) (local $j i32) (local $ldb i32) (local $pc i32) (local $pbase i32)
    (local.set $ldb (i32.shl ${get('N')} (i32.const 2)))
    ;; 8 columns at a time
    (block $cols8_done (loop $cols8
      (br_if $cols8_done (i32.gt_s (i32.add ${get('j')} (i32.const 8)) ${get('N')}))
      ${columnSweep(8)}
      (local.set $j (i32.add ${get('j')} (i32.const 8)))
      (br $cols8)))
    ;; then 4, then one at a time
    (if (i32.le_s (i32.add ${get('j')} (i32.const 4)) ${get('N')}) (then
      ${columnSweep(4)}
      (local.set $j (i32.add ${get('j')} (i32.const 4)))))
    (block $cols1_done (loop $cols1
      (br_if $cols1_done (i32.ge_s ${get('j')} ${get('N')}))
      (local.set $i (i32.const 0))
      (block $rows_done (loop $rows
        (br_if $rows_done (i32.ge_s ${get('i')} ${get('M')}))
        (local.set $pc (i32.add ${get('c')} (i32.shl (i32.add (i32.mul ${get('i')} ${get('N')}) ${get('j')}) (i32.const 2))))
        (local.set $pbase (i32.add ${get('base')} (i32.add (i32.mul ${get('i')} ${get('baseRow')}) (i32.shl ${get('j')} (i32.const 2)))))
        (call $block1x1 (i32.add ${get('a')} (i32.mul ${get('i')} ${get('aRow')})) ${get('aCol')} (i32.add ${get('b')} (i32.shl ${get('j')} (i32.const 2))) ${get('ldb')} ${get('pc')} (select ${get('pbase')} (i32.const 0) ${get('base')}) ${get('K')})
        (local.set $i (i32.add ${get('i')} (i32.const 1)))
        (br $rows)))
      (local.set $j (i32.add ${get('j')} (i32.const 1)))
      (br $cols1)))))
`;
}
