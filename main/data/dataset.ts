/** A table turned into examples a model can train on, by task. */

/**
 * A text dataset's examples column by column: text i's token numbers are
 * ids[starts[i] … starts[i + 1]), numbering `tokens`. Why not an object per example: reading a
 * 1.8 M-row file made 1.8 M objects and views, and every later pass (counting a vocabulary,
 * making items) chased them around the heap at ≈ 50 ns a token where the buffer reads at ≈ 3.
 */
export interface TextCorpus {
  /** every distinct token, numbered in the order first seen */
  tokens: string[];
  ids: Int32Array;
  /** where each text's numbers begin, and where the last one ends (one more than the texts) */
  starts: Int32Array;
  labels: Int32Array;
  /** source line of each text, so any later complaint can name it */
  lines: Int32Array;
}

export interface ValuesExample {
  /** steps × features, row by row (the dataset's `width` numbers a step) */
  values: number[];
  label: number;
  line: number;
}

export interface Series {
  id: string;
  /** ms since 1970 per row, when the file has a time column */
  times: number[] | null;
  /** rows × value columns */
  values: number[][];
}

export type Dataset =
  | { kind: 'text-classification'; classes: string[]; corpus: TextCorpus }
  | { kind: 'sequence-classification'; classes: string[]; /** features per step */ width: number; examples: ValuesExample[] }
  | { kind: 'forecast'; valueColumns: string[]; series: Series[] }
  | { kind: 'none' };
