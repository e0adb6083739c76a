/** Metrics as CSV (papaparse's unparse): one row per step and run, one column per parameter's gradient norm. */
import Papa from 'papaparse';
import type { MetricRecord } from '../contract.js';

export function metricsCsv(runs: { name: string; records: MetricRecord[] }[]): string {
  const params = [...new Set(runs.flatMap((r) => r.records.flatMap((m) => Object.keys(m.gradNorms))))];
  const fields = ['run', 'step', 'epoch', 'time_ms', 'loss', 'train_acc', 'val_loss', 'val_metric', 'grad_norm', 'grad_norm_clipped', 'lr', 'steps_per_sec', 'examples_per_sec', ...params.map((p) => `grad_norm.${p}`)];
  const rows = runs.flatMap(({ name, records }) =>
    records.map((r) => [name, r.step, r.epoch, r.time, r.loss, r.acc ?? '', r.valLoss ?? '', r.valMetric ?? '', r.gradNorm, r.gradNormClipped, r.lr, r.stepsPerSec, r.examplesPerSec, ...params.map((p) => r.gradNorms[p] ?? '')]),
  );
  return Papa.unparse({ fields, data: rows }, { newline: '\n' });
}
