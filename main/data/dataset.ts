/** A table turned into examples a model can train on, by task. */

export interface TextExample {
  /** the text's tokens, as indexes into its dataset's `tokens` (numberTokens) */
  ids: Int32Array;
  label: number;
  /** source line, so any later complaint can name it */
  line: number;
}

export interface ValuesExample {
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
  | { kind: 'text-classification'; classes: string[]; /** every distinct token, as the examples' ids number them */ tokens: string[]; examples: TextExample[] }
  | { kind: 'sequence-classification'; classes: string[]; examples: ValuesExample[] }
  | { kind: 'forecast'; valueColumns: string[]; series: Series[] }
  | { kind: 'none' };
