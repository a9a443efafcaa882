import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { normalizeSource } from './normalize-source.ts';
import { shortHash } from './code-version.ts';

// `import … from './x'`, `export … from './x'`, `import './x'`, `import('./x')`: relative specifiers only.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
const EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '/index.ts', '/index.js'];

/** What one scanned file contributes: its normalized text's hash and its local imports. */
interface ScannedModule {
  readonly mtimeMs: number;
  readonly size: number;
  readonly hash: string;
  readonly imports: readonly string[];
}

const scanned = new Map<string, ScannedModule>();

/**
 * The project modules a file reaches: the files its relative imports name, and theirs, transitively
 * (bare specifiers, i.e. packages, are not followed; nor is anything under `node_modules`). The file
 * itself is not included. Sorted absolute paths.
 */
export function localImportClosure(file: string): string[] {
  const seen = new Set<string>([file]);
  const queue = [file];
  while (queue.length > 0) {
    const next = scan(queue.pop()!);
    for (const imported of next?.imports ?? []) {
      if (seen.has(imported)) continue;
      seen.add(imported);
      queue.push(imported);
    }
  }
  seen.delete(file);
  return [...seen].sort();
}

/**
 * A hash of the project modules `file` reaches (see `localImportClosure`), each normalized as
 * source text, so comment and formatting edits do not count but any edit of a helper does.
 * Undefined when the file reaches no local module.
 */
export function localModulesVersion(file: string): string | undefined {
  const files = localImportClosure(file);
  if (files.length === 0) return undefined;
  const root = dirname(file);
  return shortHash(files.map((f) => `${relative(root, f).split(sep).join('/')}\u0000${scan(f)?.hash ?? 'unreadable'}`).join('\u0001'));
}

function scan(file: string): ScannedModule | undefined {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return undefined;
  }
  const cached = scanned.get(file);
  if (cached !== undefined && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
  const text = readFileSync(file, 'utf8');
  const imports: string[] = [];
  for (const match of text.matchAll(RELATIVE_IMPORT)) {
    const resolved = resolveImport(dirname(file), match[2]!);
    if (resolved !== undefined && !resolved.split(sep).includes('node_modules')) imports.push(resolved);
  }
  const module = { mtimeMs: stat.mtimeMs, size: stat.size, hash: shortHash(normalizeSource(text, 'js')), imports };
  scanned.set(file, module);
  return module;
}

function resolveImport(fromDir: string, specifier: string): string | undefined {
  const base = resolve(fromDir, specifier);
  // TypeScript sources import './x.js' meaning './x.ts'.
  const candidates = /\.[mc]?js$/.test(base) ? [base.replace(/\.([mc]?)js$/, '.$1ts'), base.replace(/\.js$/, '.tsx'), base] : EXTENSIONS.map((e) => base + e);
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}
