/** Types of cells-wat.mjs (imported by the unit tests of the cell kernels). */
export type Expression = number | string | [string, ...Expression[]];
export interface CellSpec {
  operands: Record<string, [param: string, rowStride: number, block: number]>;
  body: [string, Expression][];
}
/** every kernel stores a value under this in magnitude as 0 */
export const FLUSH_BELOW: number;
export const CELLS: Record<string, CellSpec>;
export function cellsWat(): string;
export function cellParameters(): Record<string, string[]>;
