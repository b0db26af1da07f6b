/**
 * Where JSON text first goes wrong. V8's JSON.parse does not always say (`Unexpected token '}', "…" is not valid JSON`),
 * so a small recursive-descent scanner finds the offset for the line/column of a validation error.
 */

const WS = new Set([' ', '\t', '\n', '\r']);

class Scan {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && WS.has(this.s[this.i] ?? '')) this.i++;
  }
  fail(): never {
    throw this.i;
  }
  expect(ch: string): void {
    if (this.s[this.i] !== ch) this.fail();
    this.i++;
  }
  literal(word: string): void {
    for (const ch of word) this.expect(ch);
  }
  string(): void {
    this.expect('"');
    for (;;) {
      const ch = this.s[this.i];
      if (ch === undefined || ch < ' ') this.fail();
      this.i++;
      if (ch === '"') return;
      if (ch === '\\') {
        const esc = this.s[this.i];
        if (esc === 'u') {
          this.i++;
          for (let k = 0; k < 4; k++, this.i++) if (!/[0-9a-fA-F]/.test(this.s[this.i] ?? '')) this.fail();
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) this.i++;
        else this.fail();
      }
    }
  }
  number(): void {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (m === null) this.fail();
    this.i += m[0].length;
  }
  value(): void {
    this.ws();
    const ch = this.s[this.i];
    if (ch === '{') this.members('}', () => (this.string(), this.ws(), this.expect(':'), this.value()));
    else if (ch === '[') this.members(']', () => this.value());
    else if (ch === '"') this.string();
    else if (ch === 't') this.literal('true');
    else if (ch === 'f') this.literal('false');
    else if (ch === 'n') this.literal('null');
    else this.number();
    this.ws();
  }
  members(close: string, item: () => void): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === close) return void this.i++;
    for (;;) {
      this.ws();
      item();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else return this.expect(close);
    }
  }
}

/** The offset (UTF-16 index) of the first character that makes `text` invalid JSON, or undefined when it is valid (or nested too deep to tell). */
export const jsonErrorOffset = (text: string): number | undefined => {
  const scan = new Scan(text);
  try {
    scan.value();
    if (scan.i < text.length) return scan.i;
    return undefined;
  } catch (e) {
    if (typeof e === 'number') return e;
    // Nesting too deep for this recursive scanner: the position stays unknown (the parse error itself is still reported).
    if (e instanceof RangeError) return undefined;
    throw e;
  }
};

/** 1-based line and column of `offset` in `text`. */
export const lineColumn = (text: string, offset: number): { line: number; column: number } => {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, column: offset - start + 1 };
};
