/** chart.js set up once: the parts we use, zoom/pan, decimation, and the matrix controller for heatmaps. */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import zoomPlugin from 'chartjs-plugin-zoom';

Chart.register(LineController, BarController, LineElement, BarElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip, Legend, Filler, Decimation, MatrixController, MatrixElement, zoomPlugin);

/**
 * Exponential moving average (debiased, as TensorBoard's smoothing). The raw series stays drawn
 * faintly behind, so a spike is never hidden by the smoothing.
 */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    n++;
    return weight === 0 ? v : last / (1 - weight ** n);
  });
}

export const commonOptions = {
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  parsing: false as const,
  interaction: { mode: 'nearest' as const, intersect: false },
  plugins: {
    decimation: { enabled: true, algorithm: 'lttb' as const, samples: 600 },
    zoom: { zoom: { wheel: { enabled: true }, pinch: { enabled: true }, mode: 'x' as const }, pan: { enabled: true, mode: 'x' as const } },
    legend: { labels: { boxWidth: 12 } },
  },
};

export function xy(xs: number[], ys: (number | null)[]): { x: number; y: number | null }[] {
  return xs.map((x, i) => ({ x, y: ys[i] ?? null }));
}

export type LineSet = ChartDataset<'line', { x: number; y: number | null }[]>;

export { Chart };
