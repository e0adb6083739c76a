/**
 * What the length chart shows of a curve's point beside its value: how many examples it scored
 * and, where it is a bucket of a file's lengths (run-data.ts), which lengths those were. Its own
 * file, free of chart.js, so a unit test reads it in Node.
 */
import { bucketText, type LengthPoint } from '../../main/contract';

/** A plotted point: x the point's length, y its value, and what the tooltip says of it. */
export type CurvePoint = { x: number; y: number; n: number; shortest?: number; longest?: number };

export function curvePoint(p: LengthPoint, y: number): CurvePoint {
  return { x: p.length, y, n: p.n, shortest: p.shortest, longest: p.longest };
}

/** "accuracy 0.500 (n=6, lengths 11–12)"; a task's point, exactly its length, gives the count alone. */
export function curvePointLabel(metric: string, p: CurvePoint): string {
  const bucket = bucketText({ length: p.x, shortest: p.shortest, longest: p.longest });
  return `${metric} ${p.y.toFixed(3)} (n=${p.n}${bucket ? `, lengths ${bucket}` : ''})`;
}
