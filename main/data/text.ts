/**
 * Text → token ids: a lowercase word-and-punctuation tokenizer and a vocabulary with a
 * minimum frequency and a maximum size. Id 0 is <pad>, id 1 is <unk>.
 */

export const PAD = '<pad>';
export const UNK = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

/** Words (with inner apostrophes, hyphens, dots and slashes: don't, k-19, 1.8, and/or), clitics ('s, n't) and punctuation (a run like -- or ... is one token). */
const TOKEN = /[\p{L}\p{N}]+(?:['’./-][\p{L}\p{N}]+)*|['’][\p{L}\p{N}]+|([^\s\p{L}\p{N}])\1*/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

export interface VocabOptions {
  /** drop tokens seen fewer times (default 1: keep all) */
  minFreq?: number;
  /** total size including <pad> and <unk> (default 20,000) */
  maxSize?: number;
}

export class Vocab {
  readonly tokens: string[];
  private readonly ids: Map<string, number>;

  constructor(tokens: string[]) {
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Most frequent first, ties alphabetical, so the same texts always give the same ids. */
  static build(texts: Iterable<string[]>, opts: VocabOptions = {}): Vocab {
    const minFreq = opts.minFreq ?? 1;
    const maxSize = opts.maxSize ?? 20_000;
    const counts = new Map<string, number>();
    for (const toks of texts) for (const t of toks) counts.set(t, (counts.get(t) ?? 0) + 1);
    const kept = [...counts]
      .filter(([, n]) => n >= minFreq)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, Math.max(0, maxSize - 2))
      .map(([t]) => t);
    return new Vocab([PAD, UNK, ...kept]);
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  encode(tokens: string[]): number[] {
    return tokens.map((t) => this.id(t));
  }

  /** Share of tokens that map to <unk>. */
  oovRate(texts: Iterable<string[]>): number {
    let total = 0;
    let unknown = 0;
    for (const toks of texts) {
      for (const t of toks) {
        total++;
        if (!this.ids.has(t)) unknown++;
      }
    }
    return total === 0 ? 0 : unknown / total;
  }
}
