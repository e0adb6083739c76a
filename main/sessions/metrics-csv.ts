/** Metrics as CSV (papaparse's unparse): one row per step, one column per parameter's gradient norm. */
import Papa from 'papaparse';
import type { MetricRecord } from '../contract.js';

export function metricsCsv(records: MetricRecord[], run = ''): string {
  const params = [...new Set(records.flatMap((r) => Object.keys(r.gradNorms)))];
  const rows = records.map((r) => ({
    ...(run ? { run } : {}),
    step: r.step,
    epoch: r.epoch,
    time_ms: r.time,
    loss: r.loss,
    train_acc: r.acc ?? '',
    val_loss: r.valLoss ?? '',
    val_metric: r.valMetric ?? '',
    grad_norm: r.gradNorm,
    grad_norm_clipped: r.gradNormClipped,
    lr: r.lr,
    steps_per_sec: r.stepsPerSec,
    examples_per_sec: r.examplesPerSec,
    ...Object.fromEntries(params.map((p) => [`grad_norm.${p}`, r.gradNorms[p] ?? ''])),
  }));
  return Papa.unparse(rows, { newline: '\n' });
}
