/**
 * Time series: dates, sliding windows for forecasting, normalisation fitted on the training
 * split only, and cyclic sin/cos clocks from dates (24 h, 7 days, 365 days, 12 months).
 */

const ISO = /^\s*(\d{4})-(\d{2})(?:-(\d{2}))?(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?\s*$/;
const US = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/;
/** D.M.YYYY[ hh:mm[:ss]], day first, as European exports write dates */
const DOTTED = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$/;

/** Milliseconds since 1970 (UTC) for YYYY-MM[-DD[ hh:mm[:ss]]], M/D/YYYY or D.M.YYYY[ hh:mm[:ss]]; NaN otherwise. */
export function parseDate(s: string): number {
  let m = ISO.exec(s);
  if (m) {
    const [, y, mo, d, h, mi, sec, zone] = m;
    const month = Number(mo);
    const day = d ? Number(d) : 1;
    if (month < 1 || month > 12 || day < 1 || day > 31) return NaN;
    let t = Date.UTC(Number(y), month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0));
    if (zone && zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
      t -= sign * (zh * 60 + zm) * 60_000;
    }
    return new Date(t).getUTCDate() === day ? t : NaN; // rejects 2021-02-30
  }
  m = US.exec(s);
  if (m) {
    const [, mo, d, y] = m.map(Number);
    const t = Date.UTC(y, mo - 1, d);
    return mo >= 1 && mo <= 12 && new Date(t).getUTCDate() === d ? t : NaN;
  }
  m = DOTTED.exec(s);
  if (m) {
    const [d, mo, y, h, mi, sec] = m.slice(1).map((v) => Number(v ?? 0));
    const t = Date.UTC(y, mo - 1, d, h, mi, sec);
    return mo >= 1 && mo <= 12 && h < 24 && new Date(t).getUTCDate() === d ? t : NaN;
  }
  return NaN;
}

export type Clock = '24h' | '7d' | '365d' | '12mo';
export const CLOCKS: Clock[] = ['24h', '7d', '365d', '12mo'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The phase counter and period of each clock: hours mod 24, days mod 7, days mod 365.25, months mod 12. */
function clockPosition(ms: number, clock: Clock): { t: number; period: number } {
  switch (clock) {
    case '24h':
      return { t: ms / HOUR, period: 24 };
    case '7d':
      return { t: ms / DAY, period: 7 };
    case '365d':
      return { t: ms / DAY, period: 365.25 };
    case '12mo': {
      const d = new Date(ms);
      return { t: d.getUTCFullYear() * 12 + d.getUTCMonth(), period: 12 };
    }
  }
}

/** [sin(2πt/P), cos(2πt/P)] for each clock, per date: the page's explicit clock signals. */
export function clockFeatures(dates: number[], clocks: Clock[]): number[][] {
  return dates.map((ms) =>
    clocks.flatMap((c) => {
      const { t, period } = clockPosition(ms, c);
      return [Math.sin((2 * Math.PI * t) / period), Math.cos((2 * Math.PI * t) / period)];
    }),
  );
}

export interface Normalizer {
  mean: number[];
  std: number[];
}

/** Per-feature mean and standard deviation of the training rows only (no peeking at test data). */
export function fitNormalizer(rows: number[][]): Normalizer {
  const width = rows[0]?.length ?? 0;
  const mean = Array(width).fill(0);
  const std = Array(width).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j] += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (std[j] += (v - mean[j]) ** 2 / rows.length));
  return { mean, std: std.map((s) => Math.sqrt(s) || 1) };
}

export function normalize(rows: number[][], n: Normalizer): number[][] {
  return rows.map((r) => r.map((v, j) => (v - n.mean[j]) / n.std[j]));
}

export function denormalize(rows: number[][], n: Normalizer): number[][] {
  return rows.map((r) => r.map((v, j) => v * n.std[j] + n.mean[j]));
}

export interface Window {
  /** first row of the window in the series */
  start: number;
  /** inputs, `input` rows */
  x: number[][];
  /** the next `horizon` rows after each input row (many-to-many: the row after x[t] for each t when horizon = 1) */
  y: number[][];
}

/**
 * Sliding windows over a series (T × features): x = rows [s, s+input), y = the rows `horizon`
 * steps after each of them, so a many-to-many model forecasts `horizon` ahead at every step.
 */
export function slidingWindows(rows: number[][], input: number, horizon = 1, stride = 1): Window[] {
  const out: Window[] = [];
  for (let s = 0; s + input + horizon - 1 < rows.length; s += stride) {
    out.push({ start: s, x: rows.slice(s, s + input), y: rows.slice(s + horizon, s + input + horizon) });
  }
  return out;
}

/** Chronological split: the first `trainFraction` of the rows for training, the rest for testing. */
export function splitChronological<T>(rows: T[], trainFraction: number): { train: T[]; test: T[] } {
  const cut = Math.round(rows.length * trainFraction);
  return { train: rows.slice(0, cut), test: rows.slice(cut) };
}

/**
 * A series' missing values (NaN) filled, as a forecasting user would by hand: inside the series
 * linearly between the nearest values before and after (by time where there are times, else by
 * position); rows before a column's first value or after its last are dropped, as there is
 * nothing on one side to fill from. `emptyColumn`: a column with no value at all, or −1 where
 * no row lies between every column's first and last value.
 */
export function fillGaps(values: number[][], times: number[] | null): { values: number[][]; times: number[] | null; filled: number; dropped: number } | { emptyColumn: number } {
  const columns = values[0]?.length ?? 0;
  const rows = values.map((row) => [...row]);
  const at = (i: number) => times?.[i] ?? i;
  let [start, end] = [0, rows.length - 1];
  for (let c = 0; c < columns; c++) {
    let before = -1; // the last row with a value in this column
    for (let i = 0; i < rows.length; i++) {
      if (Number.isNaN(rows[i][c])) continue;
      if (before < 0) start = Math.max(start, i);
      for (let j = before + 1; before >= 0 && j < i; j++) {
        // equal times (duplicate stamps) fall back to positions
        const span = at(i) - at(before);
        const f = span > 0 ? (at(j) - at(before)) / span : (j - before) / (i - before);
        rows[j][c] = rows[before][c] + f * (rows[i][c] - rows[before][c]);
      }
      before = i;
    }
    if (before < 0) return { emptyColumn: c };
    end = Math.min(end, before);
  }
  if (start > end) return { emptyColumn: -1 };
  const filled = values.slice(start, end + 1).reduce((n, row) => n + row.filter(Number.isNaN).length, 0);
  return { values: rows.slice(start, end + 1), times: times?.slice(start, end + 1) ?? null, filled, dropped: rows.length - (end + 1 - start) };
}
