/** One lexical token of `$filter`, with its offsets in the client's text. */
export type TokenKind = 'word' | 'string' | 'open' | 'close' | 'comma' | 'slash';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}
