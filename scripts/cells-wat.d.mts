/** Types of cells-wat.mjs (imported by the unit tests of the cell kernels). */
export type Expression = number | string | [string, ...Expression[]];
export interface CellSpec {
  operands: Record<string, [param: string, rowStride: number, block: number]>;
  body: [string, Expression][];
  /** a backward kernel: every stored value under FLUSH_BELOW in magnitude is stored as 0 */
  flush?: true;
}
export const FLUSH_BELOW: number;
export const CELLS: Record<string, CellSpec>;
export function cellsWat(): string;
export function cellParameters(): Record<string, string[]>;
