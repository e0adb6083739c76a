/** A table turned into examples a model can train on, by task. */

export interface TextExample {
  tokens: string[];
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
  | { kind: 'text-classification'; classes: string[]; examples: TextExample[] }
  | { kind: 'sequence-classification'; classes: string[]; examples: ValuesExample[] }
  | { kind: 'forecast'; valueColumns: string[]; series: Series[] }
  | { kind: 'none' };
