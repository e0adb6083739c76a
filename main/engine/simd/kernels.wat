;; Fused kernels that work in place on tfjs-wasm's own memory (imported), with wasm SIMD.
;; Built into kernels-wasm.ts by `npm run build:wasm` (scripts/build-wasm.mjs); a unit test
;; checks that the committed bytes are exactly what this source compiles to.
;; Pointers are byte offsets into that memory; n counts float32 values.
(module
  (import "env" "memory" (memory 1))

  ;; Adam in one pass, on the gradient times `scale` (a clip by global norm; 1 otherwise):
  ;;   m ← b1·m + (1−b1)·s·g;  v ← b2·v + (1−b2)·s²·g²;  out ← w − step·(m / (eps + k·√v))
  ;; with step = lr / (1 − b1^t) and k = 1 / √(1 − b2^t) precomputed by the caller. The scale is
  ;; folded into the coefficients of g and g², so a clipped step costs what an unclipped one does.
  ;; Flush to zero: a gradient term that would come out subnormal (below FLT_MIN = 2^−126) counts
  ;; as 0, as on a CPU with FTZ/DAZ set. Wasm cannot set those, and subnormal arithmetic is slow:
  ;; the vanishing gradients of a long unshared RNN put a quarter of its weights there (g ≈ 1e−20,
  ;; g² ≈ 1e−40), which made this pass 2.3× slower. m and v themselves reach that range only by
  ;; decaying over hundreds of steps without gradient: flushBelow clears them every so often
  ;; (fused-adam.ts), which costs nothing a step, where masks here cost 25–35 % of the pass.
  (func (export "adam")
    (param $g i32) (param $w i32) (param $m i32) (param $v i32) (param $out i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $eps f32) (param $step f32) (param $k f32) (param $scale f32)
    (local $i i32) (local $end i32) (local $o i32)
    (local $c1 f32) (local $c2 f32) (local $minGm f32) (local $minGv f32)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128) (local $EPS v128) (local $STEP v128) (local $K v128)
    (local $MIN_GM v128) (local $MIN_GV v128)
    (local $gv v128) (local $ga v128) (local $mv v128) (local $vv v128) (local $x v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $xs f32)
    (local.set $c1 (f32.mul (f32.sub (f32.const 1) (local.get $b1)) (local.get $scale)))
    (local.set $c2 (f32.mul (f32.mul (f32.sub (f32.const 1) (local.get $b2)) (local.get $scale)) (local.get $scale)))
    ;; below these |g|, c1·g or c2·g² would be subnormal
    (local.set $minGm (f32.div (f32.const 0x1p-126) (local.get $c1)))
    (local.set $minGv (f32.sqrt (f32.div (f32.const 0x1p-126) (local.get $c2))))
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $STEP (f32x4.splat (local.get $step)))
    (local.set $K (f32x4.splat (local.get $k)))
    (local.set $MIN_GM (f32x4.splat (local.get $minGm)))
    (local.set $MIN_GV (f32x4.splat (local.get $minGv)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $vec_done
      (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $o))))
        (local.set $ga (f32x4.abs (local.get $gv)))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (local.get $B1) (v128.load align=4 (i32.add (local.get $m) (local.get $o))))
            (f32x4.mul (local.get $C1) (v128.and (local.get $gv) (f32x4.ge (local.get $ga) (local.get $MIN_GM))))))
        (local.set $x (v128.and (local.get $gv) (f32x4.ge (local.get $ga) (local.get $MIN_GV))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (local.get $B2) (v128.load align=4 (i32.add (local.get $v) (local.get $o))))
            (f32x4.mul (local.get $C2) (f32x4.mul (local.get $x) (local.get $x)))))
        (v128.store align=4 (i32.add (local.get $m) (local.get $o)) (local.get $mv))
        (v128.store align=4 (i32.add (local.get $v) (local.get $o)) (local.get $vv))
        (v128.store align=4 (i32.add (local.get $out) (local.get $o))
          (f32x4.sub
            (v128.load align=4 (i32.add (local.get $w) (local.get $o)))
            (f32x4.mul (local.get $STEP)
              (f32x4.div (local.get $mv)
                (f32x4.add (local.get $EPS) (f32x4.mul (local.get $K) (f32x4.sqrt (local.get $vv))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    ;; the last n mod 4 values, one at a time, the same way
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
        (local.set $ms
          (f32.add
            (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $o))))
            (f32.mul (local.get $c1) (select (local.get $gs) (f32.const 0) (f32.ge (f32.abs (local.get $gs)) (local.get $minGm))))))
        (local.set $xs (select (local.get $gs) (f32.const 0) (f32.ge (f32.abs (local.get $gs)) (local.get $minGv))))
        (local.set $vs
          (f32.add
            (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $o))))
            (f32.mul (local.get $c2) (f32.mul (local.get $xs) (local.get $xs)))))
        (f32.store (i32.add (local.get $m) (local.get $o)) (local.get $ms))
        (f32.store (i32.add (local.get $v) (local.get $o)) (local.get $vs))
        (f32.store (i32.add (local.get $out) (local.get $o))
          (f32.sub
            (f32.load (i32.add (local.get $w) (local.get $o)))
            (f32.mul (local.get $step)
              (f32.div (local.get $ms)
                (f32.add (local.get $eps) (f32.mul (local.get $k) (f32.sqrt (local.get $vs))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  ;; y ← a·x + b·y over n values; with b = 0, y ← a·x and y is not read (it may hold anything,
  ;; NaN included). x may be y. A data-parallel step's weighted sum of its shards' gradients.
  (func (export "scaleAdd") (param $x i32) (param $a f32) (param $y i32) (param $b f32) (param $n i32)
    (local $i i32) (local $end i32) (local $o i32) (local $A v128) (local $B v128)
    (local.set $A (f32x4.splat (local.get $a)))
    (local.set $B (f32x4.splat (local.get $b)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (if (f32.eq (local.get $b) (f32.const 0))
      (then
        (block $done (loop $vec
          (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
          (local.set $o (i32.shl (local.get $i) (i32.const 2)))
          (v128.store align=4 (i32.add (local.get $y) (local.get $o))
            (f32x4.mul (local.get $A) (v128.load align=4 (i32.add (local.get $x) (local.get $o)))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $vec)))
        (block $done (loop $tail
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $o (i32.shl (local.get $i) (i32.const 2)))
          (f32.store (i32.add (local.get $y) (local.get $o))
            (f32.mul (local.get $a) (f32.load (i32.add (local.get $x) (local.get $o)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $tail))))
      (else
        (block $done (loop $vec
          (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
          (local.set $o (i32.shl (local.get $i) (i32.const 2)))
          (v128.store align=4 (i32.add (local.get $y) (local.get $o))
            (f32x4.add
              (f32x4.mul (local.get $A) (v128.load align=4 (i32.add (local.get $x) (local.get $o))))
              (f32x4.mul (local.get $B) (v128.load align=4 (i32.add (local.get $y) (local.get $o))))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $vec)))
        (block $done (loop $tail
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $o (i32.shl (local.get $i) (i32.const 2)))
          (f32.store (i32.add (local.get $y) (local.get $o))
            (f32.add
              (f32.mul (local.get $a) (f32.load (i32.add (local.get $x) (local.get $o))))
              (f32.mul (local.get $b) (f32.load (i32.add (local.get $y) (local.get $o))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $tail))))))

  ;; x ← 0 wherever |x| < 2^e for the float32 bit pattern `below` = (e + 127) << 23 (NaN and ±∞
  ;; kept), compared as integers: no float arithmetic touches the subnormals it clears. Returns
  ;; 1 if any value is left nonzero, else 0.
  (func (export "flushBelow") (param $p i32) (param $n i32) (param $below i32) (result i32)
    (local $i i32) (local $end i32) (local $at i32) (local $x v128) (local $kept v128) (local $any v128)
    (local $BELOW v128) (local $MAGNITUDE v128) (local $xs i32) (local $anyTail i32)
    (local.set $BELOW (i32x4.splat (local.get $below)))
    (local.set $MAGNITUDE (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $vec_done
      (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $at (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $x (v128.load align=4 (local.get $at)))
        (local.set $kept (v128.and (local.get $x)
          (i32x4.ge_u (v128.and (local.get $x) (local.get $MAGNITUDE)) (local.get $BELOW))))
        (v128.store align=4 (local.get $at) (local.get $kept))
        (local.set $any (v128.or (local.get $any) (v128.and (local.get $kept) (local.get $MAGNITUDE))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $xs (i32.load (local.get $at)))
        (local.set $xs (select (local.get $xs) (i32.const 0)
          (i32.ge_u (i32.and (local.get $xs) (i32.const 0x7fffffff)) (local.get $below))))
        (i32.store (local.get $at) (local.get $xs))
        (local.set $anyTail (i32.or (local.get $anyTail) (i32.and (local.get $xs) (i32.const 0x7fffffff))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (i32.or (v128.any_true (local.get $any)) (i32.ne (local.get $anyTail) (i32.const 0))))

  ;; Σ x² over n values, accumulated in float64 (each f32x4 as two f64x2 halves). Two
  ;; accumulators, 8 values a turn: one chain of f64 adds waited on its own latency (2.2 ms
  ;; for 1e7 values, a third below what memory allows).
  (func (export "sumSquares") (param $p i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $at i32) (local $x v128) (local $hi v128) (local $acc v128) (local $acc2 v128) (local $s f64)
    (local.set $end (i32.and (local.get $n) (i32.const -8)))
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $at (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $x (v128.load align=4 (local.get $at)))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.add
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $x)))
            (f64x2.mul (local.tee $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))) (local.get $hi)))))
        (local.set $x (v128.load offset=16 align=4 (local.get $at)))
        (local.set $acc2 (f64x2.add (local.get $acc2)
          (f64x2.add
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $x)))
            (f64x2.mul (local.tee $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))) (local.get $hi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $pairs)))
    (local.set $acc (f64x2.add (local.get $acc) (local.get $acc2)))
    (if (i32.ge_u (i32.sub (local.get $n) (local.get $i)) (i32.const 4))
      (then
        (local.set $x (v128.load align=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.add
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $x)))
            (f64x2.mul (local.tee $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))) (local.get $hi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (f64.add (local.get $s)
          (f64.mul
            (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
            (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (local.get $s))
  ;; dst = srcᵀ for `batch` row-major rows × cols matrices one after another (dst: cols × rows
  ;; each): 4 × 4 blocks through shuffles, the edges one value at a time. tfjs-wasm's Transpose
  ;; took ≈ 0.9 ns a value on the unshared kernels' T × d × B states.
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $batch i32)
    (local $b i32) (local $i i32) (local $j i32) (local $rowEnd i32) (local $colEnd i32)
    (local $s i32) (local $d i32) (local $rowBytes i32) (local $colBytes i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowEnd (i32.and (local.get $rows) (i32.const -4)))
    (local.set $colEnd (i32.and (local.get $cols) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $rows) (i32.const 2)))
    (block $batch_done (loop $batch_loop
      (br_if $batch_done (i32.ge_u (local.get $b) (local.get $batch)))
      ;; whole 4 × 4 blocks
      (local.set $i (i32.const 0))
      (block $rows_done (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rowEnd)))
        (local.set $j (i32.const 0))
        (block $cols_done (loop $cols_loop
          (br_if $cols_done (i32.ge_u (local.get $j) (local.get $colEnd)))
          (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
          (local.set $r0 (v128.load align=4 (local.get $s)))
          (local.set $r1 (v128.load align=4 (i32.add (local.get $s) (local.get $rowBytes))))
          (local.set $r2 (v128.load align=4 (i32.add (local.get $s) (i32.shl (local.get $rowBytes) (i32.const 1)))))
          (local.set $r3 (v128.load align=4 (i32.add (local.get $s) (i32.mul (local.get $rowBytes) (i32.const 3)))))
          ;; [a0 b0 a1 b1] [c0 d0 c1 d1] [a2 b2 a3 b3] [c2 d2 c3 d3]
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (local.set $d (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
          (v128.store align=4 (local.get $d)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
          (v128.store align=4 (i32.add (local.get $d) (local.get $colBytes))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
          (v128.store align=4 (i32.add (local.get $d) (i32.shl (local.get $colBytes) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
          (v128.store align=4 (i32.add (local.get $d) (i32.mul (local.get $colBytes) (i32.const 3)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $cols_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows_loop)))
      ;; the edges: columns from colEnd in every row, then rows from rowEnd up to colEnd
      (local.set $i (i32.const 0))
      (block $edge_done (loop $edge_rows
        (br_if $edge_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $j (select (i32.const 0) (local.get $colEnd) (i32.ge_u (local.get $i) (local.get $rowEnd))))
        (block $edge_cols_done (loop $edge_cols
          (br_if $edge_cols_done (i32.ge_u (local.get $j) (local.get $cols)))
          (f32.store
            (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2)))
            (f32.load (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $edge_cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $edge_rows)))
      (local.set $src (i32.add (local.get $src) (i32.mul (local.get $rowBytes) (local.get $rows))))
      (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $rowBytes) (local.get $rows))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $batch_loop))))
  ;; The index of the first value that is not ±0 among n floats (n when all are): how much of a
  ;; gradient is exact zeros, so the products over it can start past them (a long tanh RNN's
  ;; gradient underflows to exact zeros tens of steps back).
  (func (export "firstNonzero") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $end i32) (local $magnitude v128)
    (local.set $magnitude (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $found (loop $vec
      (br_if $found (i32.ge_u (local.get $i) (local.get $end)))
      (br_if $found (v128.any_true (v128.and (local.get $magnitude)
        (v128.load align=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $vec)))
    ;; within the group of 4 (or the tail), one at a time
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (br_if $done (i32.and (i32.const 0x7fffffff) (i32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $one)))
    (local.get $i))
  ;; out[j] = Σ_i x[i, j] over a rows × cols row-major matrix (a bias gradient): rows stream
  ;; through once, out (cols floats) stays in L1
  (func (export "columnSums") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $i i32) (local $j i32) (local $vecEnd i32) (local $row i32) (local $o i32)
    (local.set $vecEnd (i32.and (local.get $cols) (i32.const -4)))
    ;; out ← 0
    (block $zero_done (loop $zero
      (br_if $zero_done (i32.ge_u (local.get $j) (local.get $cols)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zero)))
    (local.set $row (local.get $x))
    (block $rows_done (loop $rows_loop
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $vec_done (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store align=4 (local.get $o)
          (f32x4.add (v128.load align=4 (local.get $o))
            (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vec)))
      (block $tail_done (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $o)
          (f32.add (f32.load (local.get $o)) (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail)))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $cols) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows_loop))))
)
