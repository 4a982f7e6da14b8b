import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * The code stays easy to read: no source file in src/ over 400 lines unless its opening comment says why
 * (it names "400 lines"), and no function over 60 lines. Unit specs are left out: a describe block is long
 * by nature.
 */
const ROOT = join(__dirname, '..');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 60;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function longFunctions(file: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText(file) ?? '(anonymous)';
      if (end - start + 1 > MAX_FUNCTION_LINES)
        found.push(`${name} at line ${start + 1}: ${end - start + 1} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('code shape of src/', () => {
  const files = sourceFiles(join(ROOT, 'src')).map((path) => {
    const text = readFileSync(path, 'utf8');
    return {
      name: relative(ROOT, path),
      text,
      source: ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true),
    };
  });

  it(`has no file over ${MAX_FILE_LINES} lines without a reason at its top`, () => {
    const long = files.filter(({ source, text }) => {
      if (source.getLineStarts().length <= MAX_FILE_LINES) return false;
      const opening = ts.getLeadingCommentRanges(text, 0) ?? [];
      return !opening.some((range) => text.slice(range.pos, range.end).includes(`${MAX_FILE_LINES} lines`));
    });
    expect(long.map(({ name, source }) => `${name}: ${source.getLineStarts().length} lines`)).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap(({ name, source }) =>
      longFunctions(source).map((where) => `${name}: ${where}`),
    );
    expect(long).toEqual([]);
  });
});
