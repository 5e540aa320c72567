/**
 * Structure report: which way imports point, and the largest files and functions in product code.
 * `npm run structure` prints it; test/unit/structure.test.ts fails on a breach.
 *
 * Layers, lowest first: `shared/` imports only `shared/`; `functions/<name>/` imports `shared/` and its
 * own folder; `infra/` (stacks and constructs) imports `shared/` and `infra/`; the twin (`infra/local/`)
 * may also import the functions. Tests, bench and scripts sit above all of them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PRODUCT_FOLDERS = ['functions', 'shared', 'infra'] as const;
export const MAX_FILE_LINES = 350;
export const MAX_FUNCTION_LINES = 80;

export interface ImportBreach {
  file: string;
  imports: string;
  rule: string;
}
export interface Sized {
  where: string;
  lines: number;
}

const listTs = (folder: string): string[] =>
  readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return listTs(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });

export const productFiles = (root = REPO_ROOT): string[] =>
  PRODUCT_FOLDERS.filter((folder) => existsSync(join(root, folder)))
    .flatMap((folder) => listTs(join(root, folder)))
    .map((f) => relative(root, f).split(sep).join('/'));

const relativeImports = (source: ts.SourceFile): string[] => {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((spec) => spec.startsWith('.'));
};

/** Which repository paths a product file may import, or undefined when it may import anything. */
const allowedFor = (file: string): { rule: string; allows: (target: string) => boolean } => {
  const [top, second] = file.split('/');
  if (top === 'shared')
    return { rule: 'shared/ imports only shared/', allows: (t) => t.startsWith('shared/') };
  if (top === 'functions') {
    const own = `functions/${second}/`;
    return {
      rule: `${own} imports only shared/ and its own folder`,
      allows: (t) => t.startsWith('shared/') || t.startsWith(own),
    };
  }
  if (second === 'local') {
    return {
      rule: 'the twin imports shared/, infra/ and functions/',
      allows: (t) => ['shared/', 'infra/', 'functions/'].some((p) => t.startsWith(p)),
    };
  }
  return {
    rule: 'infra/ (stacks, constructs) imports only shared/ and infra/ outside the twin',
    allows: (t) => t.startsWith('shared/') || (t.startsWith('infra/') && !t.startsWith('infra/local/')),
  };
};

const parse = (root: string, file: string) =>
  ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.ES2022, true);

export const importBreaches = (root = REPO_ROOT): ImportBreach[] =>
  productFiles(root).flatMap((file) => {
    const { rule, allows } = allowedFor(file);
    return relativeImports(parse(root, file))
      .map((spec) =>
        relative(root, resolve(root, dirname(file), spec))
          .split(sep)
          .join('/'),
      )
      .filter((target) => !allows(target))
      .map((target) => ({ file, imports: target, rule }));
  });

const functionName = (node: ts.Node): string => {
  const named = node as { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
};

/** Every function in product code with its length in lines, longest first. */
export const functionSizes = (root = REPO_ROOT): Sized[] =>
  productFiles(root)
    .flatMap((file) => {
      const source = parse(root, file);
      const sizes: Sized[] = [];
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
          const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          sizes.push({ where: `${file}:${start + 1} ${functionName(node)}`, lines: end - start + 1 });
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      return sizes;
    })
    .sort((a, b) => b.lines - a.lines);

export const fileSizes = (root = REPO_ROOT): Sized[] =>
  productFiles(root)
    .map((file) => ({ where: file, lines: readFileSync(join(root, file), 'utf8').split('\n').length }))
    .sort((a, b) => b.lines - a.lines);

const main = () => {
  const breaches = importBreaches();
  const files = fileSizes();
  const functions = functionSizes();
  console.log(`Import direction: ${breaches.length === 0 ? 'clean' : `${breaches.length} breach(es)`}`);
  for (const b of breaches) console.log(`  ${b.file} imports ${b.imports} (${b.rule})`);
  console.log(`\nLargest files (limit ${MAX_FILE_LINES} lines):`);
  for (const f of files.slice(0, 10)) console.log(`  ${String(f.lines).padStart(5)}  ${f.where}`);
  console.log(`\nLargest functions (limit ${MAX_FUNCTION_LINES} lines):`);
  for (const f of functions.slice(0, 10)) console.log(`  ${String(f.lines).padStart(5)}  ${f.where}`);
  const over =
    files.filter((f) => f.lines > MAX_FILE_LINES).length +
    functions.filter((f) => f.lines > MAX_FUNCTION_LINES).length;
  if (breaches.length > 0 || over > 0) process.exitCode = 1;
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
