/** Chart configurations for one run or several (Charts and Compare views share them). */
import type { ChartConfiguration } from 'chart.js';
import type { LengthCurve, MetricRecord } from '../../main/contract';
import { commonOptions, smooth, xy } from './charts';
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

export function lossChart(runs: RunView[], smoothing: number, single: boolean): ChartConfiguration {
  const datasets = runs.flatMap((r, i) => {
    const colour = single ? PARAM_COLOURS[0] : colourOf(r.id);
    const steps = r.metrics.map((m) => m.step);
    const raw = r.metrics.map((m) => m.loss);
    const val = r.metrics.filter((m) => m.valLoss !== null);
    const label = single ? '' : `${r.session?.name ?? r.id}: `;
    return [
      { label: `${label}train loss (raw)`, data: xy(steps, raw), borderColor: faint(colour), borderWidth: 1, pointRadius: 0, order: 2 + i },
      { label: `${label}train loss (smoothed)`, data: xy(steps, smooth(raw, smoothing)), borderColor: colour, borderWidth: 2, pointRadius: 0, order: 1 },
      { label: `${label}validation loss`, data: xy(val.map((m) => m.step), val.map((m) => m.valLoss)), borderColor: single ? PARAM_COLOURS[1] : colour, borderDash: [6, 3], pointRadius: 2, order: 0 },
    ];
  });
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

export function curveChart(runs: RunView[], single: boolean): ChartConfiguration {
  const curves = runs.map((r) => ({ r, c: r.evals.at(-1) as LengthCurve | undefined })).filter((x) => x.c);
  const metric = curves[0]?.c?.metricName ?? 'accuracy';
  const trained = Math.max(0, ...curves.map((x) => x.c!.trainedMax));
  const top = metric === 'accuracy' ? 1 : Math.max(0.01, ...curves.flatMap((x) => x.c!.points.map((p) => p.metric ?? 0)));
  const datasets = [
    // the trained range, shaded
    { label: `trained lengths (≤ ${trained})`, data: [{ x: 1, y: top }, { x: trained, y: top }], backgroundColor: 'rgba(37,99,235,0.08)', borderWidth: 0, fill: 'origin', pointRadius: 0 },
    ...curves.map(({ r, c }, i) => ({
      label: single ? metric : `${r.session?.name ?? r.id}`,
      data: c!.points.filter((p) => p.status === 'ok' && p.metric !== null).map((p) => ({ x: p.length, y: p.metric })),
      borderColor: single ? PARAM_COLOURS[i] : colourOf(r.id),
      backgroundColor: single ? PARAM_COLOURS[i] : colourOf(r.id),
      pointRadius: 4,
    })),
  ];
  return {
    type: 'line',
    data: { datasets: datasets as never },
    options: { ...commonOptions, scales: { x: { type: 'logarithmic', title: { display: true, text: 'sequence length (log)' } }, y: { type: 'linear', min: 0, title: { display: true, text: metric } } } } as never,
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
