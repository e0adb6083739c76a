/**
 * Writes the text of the wasm SIMD matrix multiply (compiled by build-wasm.mjs, in two
 * variants: `f32x4.relaxed_madd` where the runtime has relaxed SIMD, else mul + add).
 *
 *   C[i, j] = (base ? Base[i, j] : 0) + Σ_k A[i, k] · B[k, j]
 *
 * - A is read one value at a time (splat), so it takes any strides: A[i, k] lies at
 *   a + i·aRow + k·aCol (bytes), which reads A and Aᵀ alike. With aPack ≠ 0, A is first
 *   copied there as panels of 4 rows ([k][r], 16 bytes a k): read as Aᵀ with a large aCol
 *   (a weight gradient: ∂gatesᵀ, 4 KB a step for 4 × 256 gates) every k of a block would
 *   fall in the same L1 set; 1024 × 3168 · 3168 × 256 ran at 34 GFLOP/s that way.
 * - B is K × N, row-major, or packed (`pack`, or `packTransposed` from Wᵀ = B with W N × K,
 *   a weight matrix in PyTorch's layout: no transpose first): its column blocks (8 wide, then 4, then 1)
 *   one after another, each row-major and contiguous. Packed, a block's rows are adjacent in
 *   memory; unpacked they are 4N bytes apart, and for N a multiple of 256 (d = 256, or a
 *   4 × 256 gate projection) every row falls in the same few L1 sets, so the block is re-read
 *   from L2 for every row block of A. Measured 3200 × 128 · 128 × 1024: 24 GFLOP/s unpacked.
 * - C is M × N row-major; Base's rows are baseRow bytes apart (0: one row for all, i.e. a
 *   bias; 4N: a full matrix, which may be C itself).
 * Pointers are byte offsets into the imported memory (tfjs-wasm's own).
 *
 * Why generated: the 4 × 8 register block (8 accumulators, 2 loads of B, 1 splat of A: 11 of
 * x64's 16 vector registers) and its edge variants (4 × 4, 1 × 8, 1 × 4) are the same loop
 * with different sizes. Measured on this machine (AMD EPYC, one core, 32 × 256 · 256 × 256):
 * XNNPACK ≈ 32 GFLOP/s, this block 40 with mul + add and 50 with relaxed FMA; 4 × 16 spills
 * (33) and 8 × 8 too (35).
 */
export function gemmWat({ fma }) {
  const madd = (a, b, c) => (fma ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`);
  const get = (name) => `(local.get $${name})`;
  const range = (n) => [...Array(n).keys()];
  /** address of row r from p with a stride held in local `stride` */
  const row = (p, stride, r) => (r === 0 ? get(p) : `(i32.add ${get(p)} (i32.mul ${get(stride)} (i32.const ${r})))`);

  /** One register block: rows × (4·vecs) of C over all K. */
  function block(rows, vecs) {
    const R = range(rows);
    const V = range(vecs);
    const L = [];
    L.push(`(func $block${rows}x${4 * vecs} (param $pa i32) (param $aRow i32) (param $aCol i32) (param $pb i32) (param $bStride i32) (param $pc i32) (param $cStride i32) (param $pbase i32) (param $baseRow i32) (param $K i32)`);
    L.push(`  (local $k i32) (local $s v128)`);
    L.push('  ' + R.map((r) => `(local $p${r} i32)`).join(' '));
    L.push('  ' + V.map((v) => `(local $b${v} v128)`).join(' '));
    L.push('  ' + R.flatMap((r) => V.map((v) => `(local $c${r}_${v} v128)`)).join(' '));
    R.forEach((r) => L.push(`  (local.set $p${r} ${r === 0 ? get('pa') : `(i32.add ${get(`p${r - 1}`)} ${get('aRow')})`})`));
    // the accumulators start at Base (or 0); Base may be C itself
    L.push(`  (if ${get('pbase')} (then`);
    R.forEach((r) => V.forEach((v) => L.push(`    (local.set $c${r}_${v} (v128.load offset=${16 * v} align=4 ${row('pbase', 'baseRow', r)}))`)));
    L.push('  ))');
    L.push(`  (if (i32.gt_s ${get('K')} (i32.const 0)) (then (loop $k_loop`);
    V.forEach((v) => L.push(`    (local.set $b${v} (v128.load offset=${16 * v} align=4 ${get('pb')}))`));
    R.forEach((r) => {
      L.push(`    (local.set $s (v128.load32_splat align=4 ${get(`p${r}`)}))`);
      V.forEach((v) => L.push(`    (local.set $c${r}_${v} ${madd(get('s'), get(`b${v}`), get(`c${r}_${v}`))})`));
      L.push(`    (local.set $p${r} (i32.add ${get(`p${r}`)} ${get('aCol')}))`);
    });
    L.push(`    (local.set $pb (i32.add ${get('pb')} ${get('bStride')}))`);
    L.push(`    (local.set $k (i32.add ${get('k')} (i32.const 1)))`);
    L.push(`    (br_if $k_loop (i32.lt_s ${get('k')} ${get('K')})))))`);
    R.forEach((r) => V.forEach((v) => L.push(`  (v128.store offset=${16 * v} align=4 ${row('pc', 'cStride', r)} ${get(`c${r}_${v}`)})`)));
    L.push(')');
    return L.join('\n');
  }

  /** One value of C: the columns left over after the vector blocks. */
  const single = `(func $block1x1 (param $pa i32) (param $aRow i32) (param $aCol i32) (param $pb i32) (param $bStride i32) (param $pc i32) (param $cStride i32) (param $pbase i32) (param $baseRow i32) (param $K i32)
  (local $k i32) (local $s f32)
  (if ${get('pbase')} (then (local.set $s (f32.load ${get('pbase')}))))
  (block $done (loop $k_loop
    (br_if $done (i32.ge_s ${get('k')} ${get('K')}))
    (local.set $s (f32.add ${get('s')} (f32.mul (f32.load ${get('pa')}) (f32.load ${get('pb')}))))
    (local.set $pa (i32.add ${get('pa')} ${get('aCol')}))
    (local.set $pb (i32.add ${get('pb')} ${get('bStride')}))
    (local.set $k (i32.add ${get('k')} (i32.const 1)))
    (br $k_loop)))
  (f32.store ${get('pc')} ${get('s')}))`;

  /** Every row block of C for the column block [j, j + width): 4 rows at a time, then 1. */
  function columnBlock(width) {
    const blockName = (rows) => (width === 1 ? '$block1x1' : `$block${rows}x${width}`);
    const sweep = (rows) => `(block $rows${rows}_done (loop $rows${rows}
        (br_if $rows${rows}_done (i32.gt_s (i32.add ${get('i')} (i32.const ${rows})) ${get('M')}))
        (call ${blockName(rows)}
          ${rows === 4 ? `(select (i32.add ${get('aPack')} (i32.mul ${get('i')} (i32.shl ${get('K')} (i32.const 2)))) (i32.add ${get('a')} (i32.mul ${get('i')} ${get('aRow')})) ${get('aPack')})
          (select (i32.const 4) ${get('aRow')} ${get('aPack')}) (select (i32.const 16) ${get('aCol')} ${get('aPack')})`
          : // one row: packed, row i of a whole panel is lane i mod 4 of its [k][r] panel (16 bytes a
            // k); a row after the last whole panel lies alone ([k], 4 bytes a k)
            `(select (i32.add ${get('aPack')} (select
              (i32.add (i32.mul (i32.and ${get('i')} (i32.const -4)) (i32.shl ${get('K')} (i32.const 2))) (i32.shl (i32.and ${get('i')} (i32.const 3)) (i32.const 2)))
              (i32.mul ${get('i')} (i32.shl ${get('K')} (i32.const 2)))
              (i32.lt_s ${get('i')} (i32.and ${get('M')} (i32.const -4)))))
            (i32.add ${get('a')} (i32.mul ${get('i')} ${get('aRow')})) ${get('aPack')})
          ${get('aRow')} (select (select (i32.const 16) (i32.const 4) (i32.lt_s ${get('i')} (i32.and ${get('M')} (i32.const -4)))) ${get('aCol')} ${get('aPack')})`}
          ${get('pb')} ${get('bStride')}
          (i32.add ${get('c')} (i32.shl (i32.add (i32.mul ${get('i')} ${get('N')}) ${get('j')}) (i32.const 2))) ${get('cStride')}
          (select (i32.add ${get('base')} (i32.add (i32.mul ${get('i')} ${get('baseRow')}) (i32.shl ${get('j')} (i32.const 2)))) (i32.const 0) ${get('base')}) ${get('baseRow')}
          ${get('K')})
        (local.set $i (i32.add ${get('i')} (i32.const ${rows})))
        (br $rows${rows})))`;
    return `;; B's block: packed, its rows are adjacent; else 4N bytes apart
      (local.set $pb (select (i32.add ${get('b')} (i32.mul ${get('j')} (i32.shl ${get('K')} (i32.const 2)))) (i32.add ${get('b')} (i32.shl ${get('j')} (i32.const 2))) ${get('packed')}))
      (local.set $bStride (select (i32.const ${4 * width}) ${get('cStride')} ${get('packed')}))
      (local.set $i (i32.const 0))
      ${width === 1 ? '' : sweep(4)}
      ${sweep(1)}
      (local.set $j (i32.add ${get('j')} (i32.const ${width})))`;
  }

  /** The column blocks of an N-column matrix, in order: 8 wide while they fit, then 4, then 1. */
  const columnBlocks = (body) => `(block $cols8_done (loop $cols8
      (br_if $cols8_done (i32.gt_s (i32.add ${get('j')} (i32.const 8)) ${get('N')}))
      ${body(8)}
      (br $cols8)))
    (if (i32.le_s (i32.add ${get('j')} (i32.const 4)) ${get('N')}) (then
      ${body(4)}))
    (block $cols1_done (loop $cols1
      (br_if $cols1_done (i32.ge_s ${get('j')} ${get('N')}))
      ${body(1)}
      (br $cols1)))`;

  /** pack: copies one column block of B (K rows × width) to where the packed layout puts it. */
  const copyBlock = (width) => {
    const move =
      width === 1
        ? `(f32.store ${get('dst')} (f32.load ${get('src')}))`
        : range(width / 4)
            .map((v) => `(v128.store offset=${16 * v} align=4 ${get('dst')} (v128.load offset=${16 * v} align=4 ${get('src')}))`)
            .join(' ');
    return `(local.set $src (i32.add ${get('b')} (i32.shl ${get('j')} (i32.const 2))))
      (local.set $k (i32.const 0))
      (block $copy${width}_done (loop $copy${width}
        (br_if $copy${width}_done (i32.ge_s ${get('k')} ${get('K')}))
        ${move}
        (local.set $src (i32.add ${get('src')} ${get('rowBytes')}))
        (local.set $dst (i32.add ${get('dst')} (i32.const ${4 * width})))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $copy${width})))
      (local.set $j (i32.add ${get('j')} (i32.const ${width})))`;
  };

  /** packTransposed: one column block of B = Wᵀ is `width` rows of W, each written down a column of the block. */
  const copyRows = (width) => `(local.set $c (i32.const 0))
      (block $rows${width}_done (loop $rows${width}
        (br_if $rows${width}_done (i32.ge_s ${get('c')} (i32.const ${width})))
        (local.set $src (i32.add ${get('w')} (i32.mul (i32.add ${get('j')} ${get('c')}) ${get('wRow')})))
        (local.set $at (i32.add ${get('dst')} (i32.shl ${get('c')} (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $ks${width}_done (loop $ks${width}
          (br_if $ks${width}_done (i32.ge_s ${get('k')} ${get('K')}))
          (f32.store ${get('at')} (f32.load ${get('src')}))
          (local.set $src (i32.add ${get('src')} (i32.const 4)))
          (local.set $at (i32.add ${get('at')} (i32.const ${4 * width})))
          (local.set $k (i32.add ${get('k')} (i32.const 1)))
          (br $ks${width})))
        (local.set $c (i32.add ${get('c')} (i32.const 1)))
        (br $rows${width})))
      (local.set $dst (i32.add ${get('dst')} (i32.mul ${get('K')} (i32.const ${4 * width}))))
      (local.set $j (i32.add ${get('j')} (i32.const ${width})))`;

  return `;; Generated by scripts/gemm-wat.mjs (${fma ? 'relaxed SIMD FMA' : 'SIMD mul + add'}): do not edit.
(module
  (import "env" "memory" (memory 1))
${block(4, 2)}
${block(1, 2)}
${block(4, 1)}
${block(1, 1)}
${single}
  ;; C (M × N) = Base + A · B; base = 0: no Base (tfjs never places a tensor at offset 0);
  ;; packed ≠ 0: B is in pack's layout; aPack ≠ 0: scratch of M·K floats to pack A into first
  (func (export "gemm") (param $a i32) (param $aRow i32) (param $aCol i32) (param $aPack i32) (param $b i32) (param $packed i32) (param $c i32) (param $base i32) (param $baseRow i32) (param $M i32) (param $K i32) (param $N i32)
    (local $i i32) (local $j i32) (local $cStride i32) (local $pb i32) (local $bStride i32)
    (local $k i32) (local $r i32) (local $src i32) (local $dst i32) (local $rows i32)
    (if ${get('aPack')} (then
      ;; A's rows in panels of 4 ([k][r]); the rows after the last whole panel one by one ([k])
      (local.set $dst ${get('aPack')})
      (block $panels_done (loop $panels
        (br_if $panels_done (i32.ge_s ${get('i')} ${get('M')}))
        (local.set $rows (select (i32.const 4) (i32.const 1) (i32.le_s (i32.add ${get('i')} (i32.const 4)) ${get('M')})))
        (local.set $k (i32.const 0))
        (block $ks_done (loop $ks
          (br_if $ks_done (i32.ge_s ${get('k')} ${get('K')}))
          (local.set $src (i32.add ${get('a')} (i32.add (i32.mul ${get('i')} ${get('aRow')}) (i32.mul ${get('k')} ${get('aCol')}))))
          ;; Aᵀ of a row-major matrix (aRow = 4): a panel's 4 values lie side by side, one copy
          (if (i32.and (i32.eq ${get('rows')} (i32.const 4)) (i32.eq ${get('aRow')} (i32.const 4)))
            (then
              (v128.store align=4 ${get('dst')} (v128.load align=4 ${get('src')}))
              (local.set $dst (i32.add ${get('dst')} (i32.const 16))))
            (else
              (local.set $r (i32.const 0))
              (block $rs_done (loop $rs
                (br_if $rs_done (i32.ge_s ${get('r')} ${get('rows')}))
                (f32.store ${get('dst')} (f32.load ${get('src')}))
                (local.set $src (i32.add ${get('src')} ${get('aRow')}))
                (local.set $dst (i32.add ${get('dst')} (i32.const 4)))
                (local.set $r (i32.add ${get('r')} (i32.const 1)))
                (br $rs)))))
          (local.set $k (i32.add ${get('k')} (i32.const 1)))
          (br $ks)))
        (local.set $i (i32.add ${get('i')} ${get('rows')}))
        (br $panels)))))
    (local.set $cStride (i32.shl ${get('N')} (i32.const 2)))
    ${columnBlocks(columnBlock)})
  ;; dst ← B (K × N, row-major) in the packed layout: column blocks of 8, 4, 1, each K × width
  (func (export "pack") (param $b i32) (param $K i32) (param $N i32) (param $dst i32)
    (local $j i32) (local $k i32) (local $src i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl ${get('N')} (i32.const 2)))
    ${columnBlocks(copyBlock)})
  ;; dst ← B = Wᵀ (K × N) in the packed layout, from W (N × K) whose rows are wRow bytes apart
  (func (export "packTransposed") (param $w i32) (param $N i32) (param $K i32) (param $wRow i32) (param $dst i32)
    (local $j i32) (local $k i32) (local $c i32) (local $src i32) (local $at i32)
    ${columnBlocks(copyRows)}))
`;
}
