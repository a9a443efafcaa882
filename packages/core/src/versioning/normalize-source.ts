/**
 * Normalizes SQL or JavaScript source text for fingerprinting: comments are removed and runs of
 * white space outside string literals and quoted identifiers collapse to one space, so edits that
 * only touch formatting or comments keep the same code version.
 *
 * `--` line comments are SQL's and `//` JavaScript's; both are removed (a `//` never starts anything
 * else outside a literal in either language, except a JavaScript regex, which is kept verbatim when it
 * follows an operator). Block comments are the same in both.
 */
export function normalizeSource(text: string, language: 'sql' | 'js'): string {
  let out = '';
  let pendingSpace = false;
  let i = 0;
  const n = text.length;
  const emit = (chunk: string) => {
    if (pendingSpace && out.length > 0 && needsSpace(out[out.length - 1]!, chunk[0]!)) out += ' ';
    pendingSpace = false;
    out += chunk;
  };
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-' && language === 'sql') {
      while (i < n && text[i] !== '\n') i++;
      pendingSpace = true;
      continue;
    }
    if (c === '/' && next === '/' && language === 'js') {
      while (i < n && text[i] !== '\n') i++;
      pendingSpace = true;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      pendingSpace = true;
      continue;
    }
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(text[i]!)) i++;
      pendingSpace = true;
      continue;
    }
    if (c === "'" || c === '"' || (c === '`' && language === 'js') || (c === '`' && language === 'sql')) {
      const start = i;
      i++;
      while (i < n) {
        const d = text[i]!;
        if (d === '\\' && language === 'js') {
          i += 2;
          continue;
        }
        if (d === c) {
          // SQL escapes a quote by doubling it.
          if (language === 'sql' && text[i + 1] === c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      emit(text.slice(start, i));
      continue;
    }
    emit(c);
    i++;
  }
  return out;
}

function needsSpace(before: string, after: string): boolean {
  // A space matters only between two word characters (`select a` vs `selecta`).
  return /[A-Za-z0-9_$]/.test(before) && /[A-Za-z0-9_$]/.test(after);
}
