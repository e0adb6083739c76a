import type { CellKind } from '../../contract.js';
import { gruCell } from './gru.js';
import { lstmCell } from './lstm.js';
import { tanhCell } from './tanh.js';
import type { CellSpec } from './types.js';

export type { CellSpec, CellState } from './types.js';

/** Cells by name: configs store the name, this table maps it to the math. */
export const CELLS: Record<CellKind, CellSpec> = { tanh: tanhCell, gru: gruCell, lstm: lstmCell };
