/** Chart configurations for one run or several (Charts and Compare views share them). */
import type { ChartConfiguration } from 'chart.js';
import type { HeadConfig, LengthCurve, MetricRecord } from '../../main/contract';
import { commonOptions, smooth, xy } from './charts';
import { curvePoint, curvePointLabel, type CurvePoint } from './curve-points';
import { PARAM_COLOURS, colourOf, type RunView } from './state';

const faint = (c: string) => c.replace('hsl(', 'hsla(').replace(')', ' / 0.25)').replace(/^#(\w{6})$/, '#$144');

/** Unshared models have a W_hh per position: group W_hh@0…W_hh@T into one line (root of summed squares). */
export function groupedGradNorms(r: MetricRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(r.gradNorms)) {
    const role = name.split('@')[0];
    out[role] = Math.sqrt((out[role] ?? 0) ** 2 + v * v);
  }
  return out;
}

/** One run's loss: raw (faint) behind the smoothed line, validation loss dashed. */
export function lossChart(r: RunView, smoothing: number): ChartConfiguration {
  const steps = r.metrics.map((m) => m.step);
  const raw = r.metrics.map((m) => m.loss);
  const val = r.metrics.filter((m) => m.valLoss !== null);
  const datasets = [
    { label: 'train loss (raw)', data: xy(steps, raw), borderColor: faint(PARAM_COLOURS[0]), borderWidth: 1, pointRadius: 0, order: 2 },
    { label: 'train loss (smoothed)', data: xy(steps, smooth(raw, smoothing)), borderColor: PARAM_COLOURS[0], borderWidth: 2, pointRadius: 0, order: 1 },
    { label: 'validation loss', data: xy(val.map((m) => m.step), val.map((m) => m.valLoss)), borderColor: PARAM_COLOURS[1], borderDash: [6, 3], pointRadius: 2, order: 0 },
  ];
  return {
    type: 'line',
    data: { datasets: datasets as never },
    options: { ...commonOptions, scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { type: 'linear', title: { display: true, text: 'loss' } } } } as never,
  };
}

export function gradChart(r: RunView): ChartConfiguration {
  const steps = r.metrics.map((m) => m.step);
  const grouped = r.metrics.map(groupedGradNorms);
  const names = [...new Set(grouped.flatMap((g) => Object.keys(g)))];
  const datasets = [
    ...names.map((n, i) => ({ label: `‖∇${n}‖`, data: xy(steps, grouped.map((g) => g[n] ?? null)), borderColor: PARAM_COLOURS[i % PARAM_COLOURS.length], pointRadius: 0, borderWidth: 1.5 })),
    { label: '‖g‖ before clipping', data: xy(steps, r.metrics.map((m) => m.gradNorm)), borderColor: '#111827', borderWidth: 2, pointRadius: 0 },
    { label: '‖g‖ after clipping', data: xy(steps, r.metrics.map((m) => m.gradNormClipped)), borderColor: '#6b7280', borderDash: [4, 3], borderWidth: 2, pointRadius: 0 },
  ];
  return {
    type: 'line',
    data: { datasets: datasets as never },
    // a true logarithmic axis: values below 1 (most gradient norms) keep their decades
    options: { ...commonOptions, scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { type: 'logarithmic', title: { display: true, text: 'gradient norm (log)' } } } } as never,
  };
}

/** One run's latest length-generalization curve (its metric, or its loss), with the trained range shaded. */
export function curveChart(r: RunView, show: 'metric' | 'loss' = 'metric'): ChartConfiguration {
  const c = r.evals.at(-1) as LengthCurve | undefined;
  const metric = show === 'loss' ? 'loss' : (c?.metricName ?? 'accuracy');
  const value = (p: LengthCurve['points'][number]) => (show === 'loss' ? p.loss : p.metric);
  const trained = c?.trainedMax ?? 0;
  const top = metric === 'accuracy' ? 1 : Math.max(0.01, ...(c?.points ?? []).map((p) => value(p) ?? 0));
  const datasets = [
    { label: `trained lengths (≤ ${trained})`, data: [{ x: 1, y: top }, { x: trained, y: top }], backgroundColor: 'rgba(37,99,235,0.08)', borderWidth: 0, fill: 'origin', pointRadius: 0 },
    { label: metric, data: (c?.points ?? []).filter((p) => p.status === 'ok' && value(p) !== null).map((p) => curvePoint(p, value(p)!)), borderColor: PARAM_COLOURS[0], backgroundColor: PARAM_COLOURS[0], pointRadius: 4 },
  ];
  // the curve's points say their count and a bucket's lengths; the shade keeps its own label
  const label = (ctx: { dataset: { label?: string }; datasetIndex: number; raw: unknown }) => (ctx.datasetIndex === 1 ? curvePointLabel(metric, ctx.raw as CurvePoint) : (ctx.dataset.label ?? ''));
  return {
    type: 'line',
    data: { datasets: datasets as never },
    options: { ...commonOptions, plugins: { ...commonOptions.plugins, tooltip: { callbacks: { label } } }, scales: { x: { type: 'logarithmic', title: { display: true, text: 'sequence length (log)' } }, y: { type: 'linear', min: 0, title: { display: true, text: metric } } } } as never,
  };
}

export function noWeightLengths(r: RunView): number[] {
  return (r.evals.at(-1)?.points ?? []).filter((p) => p.status === 'no-weights').map((p) => p.length);
}

export function timestepBars(r: RunView): ChartConfiguration {
  const rec = [...r.metrics].reverse().find((m) => m.timestepGrad);
  const g = rec?.timestepGrad ?? [];
  return {
    type: 'bar',
    data: { labels: g.map((_, t) => String(t + 1)), datasets: [{ label: `‖∂L/∂h_t‖ at step ${rec?.step ?? '–'}`, data: g, backgroundColor: '#2563eb' }] },
    options: { animation: false, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'timestep t' } }, y: { type: 'logarithmic', title: { display: true, text: '‖∂L/∂h_t‖ (log)' } } } },
  };
}

/** Step × timestep heatmap of ‖∂L/∂h_t‖ over training (each row scaled to its own max). */
export function timestepHeatmap(r: RunView): ChartConfiguration {
  const probed = r.metrics.filter((m) => m.timestepGrad);
  const rows = probed.filter((_, i) => i % Math.max(1, Math.ceil(probed.length / 30)) === 0);
  const width = Math.max(1, ...rows.map((m) => m.timestepGrad!.length));
  const data = rows.flatMap((m) => {
    const max = Math.max(...m.timestepGrad!, 1e-12);
    return m.timestepGrad!.map((v, t) => ({ x: t + 1, y: m.step, v: v / max }));
  });
  return {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: '‖∂L/∂h_t‖ / row max',
          data,
          backgroundColor: (c: { raw?: { v: number } }) => `hsl(${220 - 180 * (c.raw?.v ?? 0)} 75% ${75 - 35 * (c.raw?.v ?? 0)}%)`,
          width: (c: { chart: { chartArea?: { width: number } } }) => (c.chart.chartArea?.width ?? 100) / width - 1,
          height: (c: { chart: { chartArea?: { height: number } } }) => (c.chart.chartArea?.height ?? 100) / Math.max(1, rows.length) - 1,
        } as never,
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: {
        x: { type: 'linear', min: 0.5, max: width + 0.5, title: { display: true, text: 'timestep t' } },
        y: { type: 'category', labels: rows.map((m) => m.step) as never, offset: true, reverse: true, title: { display: true, text: 'training step' } },
      },
    } as never,
  };
}

/**
 * Runs that differ only in their seed form one group (the key is the config without seeds or
 * name). How a step was spread over threads does not count ('off', 'auto' and 'split' compute
 * the same step); 'full' does, since it trains on larger effective batches.
 */
export function seedGroups(runs: RunView[]): { key: string; label: string; runs: RunView[] }[] {
  const groups = new Map<string, RunView[]>();
  for (const r of runs) {
    const c = r.session?.config;
    const key = c ? JSON.stringify({ ...c, name: '', seed: 0, model: { ...c.model, seed: 0 }, train: { ...c.train, parallel: c.train.parallel === 'full' ? 'full' : 'same-step' } }) : r.id;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].map(([key, rs]) => ({ key, label: `${rs[0].session?.name ?? rs[0].id}${rs.length > 1 ? ` (${rs.length} seeds)` : ''}`, runs: rs }));
}

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

/** A mean line with a ±1 standard-deviation band, per x present in every run of the group. */
function banded(label: string, colour: string, series: Map<number, number>[], runId: string) {
  const xs = [...series[0].keys()].filter((x) => series.every((s) => s.has(x))).sort((a, b) => a - b);
  const stats = xs.map((x) => meanStd(series.map((s) => s.get(x)!)));
  const fillColour = colour.replace('hsl(', 'hsla(').replace(')', ' / 0.18)');
  return [
    { label: `${label} (+1 sd)`, data: xs.map((x, i) => ({ x, y: stats[i].mean + stats[i].std })), borderWidth: 0, pointRadius: 0, backgroundColor: fillColour, fill: '+1', runId },
    { label: `${label} (−1 sd)`, data: xs.map((x, i) => ({ x, y: stats[i].mean - stats[i].std })), borderWidth: 0, pointRadius: 0, fill: false, runId },
    { label: `${label}: mean`, data: xs.map((x, i) => ({ x, y: stats[i].mean })), borderColor: colour, borderWidth: 2, pointRadius: 0, runId },
  ];
}

interface Axis {
  label: string;
  log?: boolean;
  min?: number;
}

/**
 * Compare view: one line per run, or, for runs that differ only in their seed, their mean with
 * a ±1 sd band. `seriesOf` gives each run's y by x.
 */
function groupedChart(runs: RunView[], seriesOf: (r: RunView) => Map<number, number>, x: Axis, y: Axis, pointRadius = 0): ChartConfiguration {
  const datasets = seedGroups(runs).flatMap((g): object[] => {
    const colour = colourOf(g.runs[0].id);
    const series = g.runs.map(seriesOf);
    if (g.runs.length > 1) return banded(g.label, colour, series, g.runs[0].id);
    return [{ label: g.label, data: [...series[0]].map(([px, py]) => ({ x: px, y: py })), borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius, runId: g.runs[0].id }];
  });
  const scale = (a: Axis) => ({ type: a.log ? 'logarithmic' : 'linear', min: a.min, title: { display: true, text: a.label } });
  return { type: 'line', data: { datasets: datasets as never }, options: { ...commonOptions, scales: { x: scale(x), y: scale(y) } } as never };
}

export function groupedLossChart(runs: RunView[], smoothing: number): ChartConfiguration {
  const series = (r: RunView) => {
    const s = smooth(r.metrics.map((m) => m.loss), smoothing);
    return new Map(r.metrics.map((m, i) => [m.step, s[i] ?? NaN]));
  };
  return groupedChart(runs, series, { label: 'step' }, { label: 'train loss (smoothed)' });
}

/** A run's validation metric, by its head: a classifier's accuracy, a forecast's MSE. */
export const metricOfHead = (head: HeadConfig['type']): 'accuracy' | 'MSE' => (head === 'classify' ? 'accuracy' : 'MSE');

/** Validation loss, or accuracy (classifiers) / MSE (forecasts), at the steps each run validated. */
export function groupedValChart(runs: RunView[], show: 'loss' | 'metric'): ChartConfiguration {
  const series = (r: RunView) => new Map(r.metrics.filter((m) => m.valLoss !== null).map((m) => [m.step, show === 'loss' ? m.valLoss! : (m.valMetric ?? NaN)]));
  const heads = new Set(runs.flatMap((r) => (r.session?.model ? [r.session.model.head.type] : [])));
  const metric = heads.size === 1 ? metricOfHead([...heads][0]) : 'accuracy / MSE';
  return groupedChart(runs, series, { label: 'step' }, { label: `validation ${show === 'loss' ? 'loss' : metric}`, min: show === 'metric' && metric === 'accuracy' ? 0 : undefined }, 2);
}

/** The global gradient norm before clipping, log axis. */
export function groupedGradChart(runs: RunView[]): ChartConfiguration {
  return groupedChart(runs, (r) => new Map(r.metrics.map((m) => [m.step, m.gradNorm])), { label: 'step' }, { label: '‖g‖ before clipping (log)', log: true });
}

export function groupedCurveChart(runs: RunView[]): ChartConfiguration {
  const withCurves = runs.filter((r) => r.evals.length);
  const metric = withCurves[0]?.evals.at(-1)?.metricName ?? 'accuracy';
  const series = (r: RunView) => new Map(r.evals.at(-1)!.points.filter((p) => p.status === 'ok' && p.metric !== null).map((p) => [p.length, p.metric!]));
  return groupedChart(withCurves, series, { label: 'sequence length (log)', log: true }, { label: metric, min: 0 }, 4);
}
