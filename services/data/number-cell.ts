/**
 * What counts as a number and as an empty cell in a data file. Kept in one place because column
 * kind inference and the "is not a number" errors must agree on it.
 */

/** Whitespace as String.prototype.trim sees it, for the cheap first-character test. */
function isSpaceCode(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0xfeff || (c >= 0x2000 && c <= 0x3000)
  );
}

/**
 * Empty or whitespace-only: a missing value, dropped before any statistic (as Evidently drops
 * NaN). The trim runs only when the text starts or ends with whitespace, which data rarely does.
 */
export function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  if (!isSpaceCode(text.charCodeAt(0)) && !isSpaceCode(text.charCodeAt(text.length - 1)))
    return false;
  return text.trim().length === 0;
}

/**
 * The finite decimal number written in `text`, or undefined. `text` must not be blank.
 *
 * Number() does the conversion (correctly rounded, like pandas' reader for ordinary inputs), but
 * it also accepts "0x1F", "0b101" and "0o17"; those are identifiers or codes in data files, not
 * quantities, so they are refused. "Infinity", "NaN" and "1e999" are not finite: refused too.
 */
export function parseNumberCell(text: string): number | undefined {
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  let k = 0;
  while (k < text.length && isSpaceCode(text.charCodeAt(k))) k++;
  if (text.charCodeAt(k) === 48 /* 0 */) {
    const radix = text.charCodeAt(k + 1) | 0x20; // lower-cased letter
    if (radix === 120 /* x */ || radix === 98 /* b */ || radix === 111 /* o */) return undefined;
  }
  return n;
}
