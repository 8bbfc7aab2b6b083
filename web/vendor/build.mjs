// Kiln's artifacts must run with no internet and load nothing from a public CDN, so the sandbox
// origin serves its own pinned copies of the libraries they use. This script makes those files
// from the npm packages in package-lock.json, exactly as crates/core/src/vendor/libraries.json
// names them, so the catalogue the Rust side reads and the bytes served can never disagree.
//
// The ES modules are built so that the browser's import map is the only linker: each module
// imports every other catalogued specifier (above all `react`) from the map instead of bundling
// its own copy, since two Reacts break hooks and two three.js or Chart.js break instanceof and
// registries. CommonJS-only packages (React 18) get real named exports, as esm.sh does.
//
// Usage: node web/vendor/build.mjs OUT_DIR   (after `npm ci` at the repository root)

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.NODE_ENV = 'production'; // the export names of React's production build

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CATALOG = path.join(ROOT, 'crates/core/src/vendor/libraries.json');
const LICENSES = 'LICENSES.txt';
const LICENSES_HEADER = 'Third-party software in the Kiln vendor folder';
const require = createRequire(path.join(ROOT, 'package.json'));

// How each classic script is made. `copy`: the package's own browser build, as published;
// `minify`: that build, minified here (esbuild keeps its leading license comment);
// `iife`: built here from the given import specifier, exposing `script.global`. `licenses`:
// files beside the build with the notices of what it bundles, for LICENSES.txt.
const SCRIPTS = {
  react: { copy: 'umd/react.production.min.js' },
  'react-dom': { copy: 'umd/react-dom.production.min.js' },
  d3: { copy: 'dist/d3.min.js' },
  'chart.js': { copy: 'dist/chart.umd.min.js' },
  lodash: { copy: 'lodash.min.js' },
  papaparse: { copy: 'papaparse.min.js' },
  mathjs: { copy: 'lib/browser/math.js', licenses: ['lib/browser/math.js.LICENSE.txt'] },
  mermaid: { copy: 'dist/mermaid.min.js' },
  '@tailwindcss/browser': { copy: 'dist/index.global.js' },
  marked: { minify: 'lib/marked.umd.js' },
  dompurify: { copy: 'dist/purify.min.js' },
  'highlight.js': { iife: 'highlight.js/lib/common' },
  sucrase: { iife: 'sucrase' },
};

// A style sheet's source file in its package, from its name in the catalogue.
const STYLES = {
  // highlight-github-dark-11.12.0.css ← styles/github-dark.min.css
  'highlight.js': (file, version) =>
    `styles/${file.slice('highlight-'.length, -`-${version}.css`.length)}.min.css`,
};

const ESBUILD_COMMON = {
  bundle: true,
  minify: true,
  target: 'es2020',
  platform: 'browser',
  absWorkingDir: ROOT,
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  write: false,
  metafile: true,
  logLevel: 'silent',
};

class BuildError extends Error {}
const fail = (msg) => {
  throw new BuildError(msg);
};

const IDENT = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends ' +
    'false finally for function if import in instanceof new null return super switch this throw ' +
    'true try typeof var void while with yield let static implements interface package private ' +
    'protected public await arguments eval').split(' '),
);

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const pkgDir = (name) => path.join(ROOT, 'node_modules', name);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/// The package an import specifier names: `@scope/name` or `name`.
const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/// The package that a path inside node_modules belongs to (the innermost one), or null.
function packageOfPath(rel) {
  const parts = rel.split(/[\\/]/);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return null;
  const n = parts[i + 1]?.startsWith('@') ? 2 : 1;
  return parts.slice(0, i + 1 + n).join('/');
}

function checkInstalled(lib) {
  const file = path.join(pkgDir(lib.package), 'package.json');
  if (!fs.existsSync(file)) fail(`${lib.package} is not installed: run \`npm ci\` in ${ROOT}`);
  const pj = readJson(file);
  if (pj.version !== lib.version)
    fail(`${lib.package} is ${pj.version} in node_modules but libraries.json pins ${lib.version}: fix package.json or the catalogue, then \`npm ci\``);
  if (pj.license !== lib.license)
    fail(`${lib.package}'s license is "${pj.license}" but libraries.json says "${lib.license}"`);
}

// ---------------------------------------------------------------------------------------------
// ES modules

/// What the default resolution of `spec` is: its file, whether it is CommonJS, and for an ES
/// module the names it exports, found by bundling `export * from spec` (and, since that leaves
/// out `default`, `export { default } from spec`, which esbuild refuses if there is none).
async function probe(esbuild, spec) {
  let entryPath = null;
  const capture = {
    name: 'capture-entry',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${escapeRegExp(spec)}$`) }, async (args) => {
        if (args.importer !== '<stdin>' || args.pluginData) return;
        const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 1 });
        if (r.errors.length) return { errors: r.errors };
        entryPath = r.path;
      });
    },
  };
  const run = (contents) =>
    esbuild.build({
      ...ESBUILD_COMMON,
      minify: false,
      format: 'esm',
      stdin: { contents, resolveDir: ROOT, loader: 'js' },
      plugins: [capture],
    });
  const all = await run(`export * from ${JSON.stringify(spec)};`);
  const input = all.metafile.inputs[path.relative(ROOT, entryPath).split(path.sep).join('/')];
  if (input?.format !== 'esm') return { spec, entryPath, cjs: true, names: cjsNames(spec, entryPath) };
  const names = Object.values(all.metafile.outputs)[0].exports.slice().sort();
  try {
    await run(`export { default } from ${JSON.stringify(spec)};`);
    names.push('default');
  } catch (e) {
    if (!e.errors?.some((m) => /No matching export/.test(m.text))) throw e;
  }
  return { spec, entryPath, cjs: false, names };
}

/// The keys of a CommonJS module's exports object when required in Node, plus `default`.
function cjsNames(spec, entryPath) {
  const names = Object.keys(require(entryPath))
    .filter((k) => IDENT.test(k) && !RESERVED.has(k) && k !== '__esModule')
    .sort();
  if (names.length === 0) fail(`${spec} is CommonJS with no named exports to re-export`);
  return [...names, 'default'];
}

/// The entry module of `spec`, naming each export: a re-export for an ES module (an explicit
/// list, because esbuild drops the names of an `export *` from an external module that is not
/// in the entry itself, as chart.js/auto's is), and for CommonJS a real named export for each
/// key its exports object has when required in Node.
function entrySource(p) {
  const s = JSON.stringify(p.spec);
  if (!p.cjs) return `export { ${p.names.join(', ')} } from ${s};\n`;
  const named = p.names.filter((n) => n !== 'default');
  return `import * as NS from ${s};\nexport const { ${named.join(', ')} } = NS;\nexport default NS.default;\n`;
}

/// Keeps every catalogued specifier other than the one being built out of the bundle, to be
/// resolved by the import map. An import of it (by name, or by a path that resolves to its
/// entry file, as chart.js/auto does with '../dist/chart.js') stays an import; a CommonJS
/// require() of it becomes a tiny ES module that re-exports it, because esbuild turns a
/// require() of an external into a `__require` that throws in a browser.
function externalsPlugin(current, probes) {
  const bySpec = new Map(probes.map((p) => [p.spec, p]));
  const byPath = new Map();
  for (const p of probes) if (!byPath.has(p.entryPath)) byPath.set(p.entryPath, p);
  // Only imports that can name another module go through JavaScript (a plugin call for each
  // of lucide-react's thousands of imports would take half a minute): bare names of those
  // packages, and relative paths ending in the file name of a module's entry. An import that
  // slips through still cannot make a second instance unnoticed: checkSingleCopies fails.
  const packages = [...new Set(probes.map((p) => packageOf(p.spec)))].map(escapeRegExp);
  const bases = [...new Set(probes.map((p) => path.basename(p.entryPath)))].map(escapeRegExp);
  const filter = new RegExp(`^(?:(?:${packages.join('|')})(?:/.*)?|\\.\\.?/(?:.*/)?(?:${bases.join('|')}))$`);
  const NS = 'kiln-external';
  const external = (p, kind) =>
    kind === 'require-call' ? { path: p.spec, namespace: NS } : { path: p.spec, external: true };
  const isOther = (p) => p && p.entryPath !== current.entryPath;
  return {
    name: 'kiln-externals',
    setup(build) {
      build.onResolve({ filter: /.*/, namespace: NS }, (args) => ({ path: args.path, external: true }));
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData === NS || args.importer === '<stdin>') return;
        if (isOther(bySpec.get(args.path))) return external(bySpec.get(args.path), args.kind);
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: NS,
        });
        if (r.errors.length) return { errors: r.errors };
        if (isOther(byPath.get(r.path))) return external(byPath.get(r.path), args.kind);
        return undefined; // esbuild's own resolution, as if this plugin were not there
      });
      build.onLoad({ filter: /.*/, namespace: NS }, (args) => {
        const p = bySpec.get(args.path);
        const s = JSON.stringify(p.spec);
        return {
          contents: `export * from ${s};\n` + (p.names.includes('default') ? `export { default } from ${s};\n` : ''),
          loader: 'js',
          resolveDir: ROOT,
        };
      });
    },
  };
}

async function buildModule(esbuild, p, probes) {
  const result = await esbuild.build({
    ...ESBUILD_COMMON,
    format: 'esm',
    stdin: { contents: entrySource(p), resolveDir: ROOT, loader: 'js', sourcefile: `kiln-vendor:${p.spec}` },
    plugins: [externalsPlugin(p, probes)],
  });
  const text = result.outputFiles[0].text;
  if (text.includes('Dynamic require of'))
    fail(`${p.file} still has a require() of an external module (esbuild's __require shim)`);
  const exported = Object.values(result.metafile.outputs)[0].exports.slice().sort().join(' ');
  if (exported !== p.names.slice().sort().join(' '))
    fail(`${p.file} does not export exactly the names of ${p.spec}`);
  return { file: p.file, bytes: result.outputFiles[0].contents, inputs: Object.keys(result.metafile.inputs) };
}

// ---------------------------------------------------------------------------------------------
// Classic scripts and styles

function readFrom(pkg, rel) {
  const file = path.join(pkgDir(pkg), rel);
  if (!fs.existsSync(file)) fail(`${pkg} has no ${rel}`);
  return fs.readFileSync(file, 'utf8');
}

// A source map URL would name a file that is not served.
const stripSourceMap = (text) => text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');

async function buildScript(esbuild, lib) {
  const recipe = SCRIPTS[lib.package];
  const file = lib.script.file;
  if (!recipe) fail(`no recipe in build.mjs for ${lib.package}'s script ${file}`);
  if (recipe.copy) return { file, bytes: Buffer.from(stripSourceMap(readFrom(lib.package, recipe.copy))), inputs: [] };
  if (recipe.minify) {
    const source = readFrom(lib.package, recipe.minify);
    const banner = source.match(/^\/\*\*?[\s\S]*?\*\//)?.[0] ?? '';
    const out = await esbuild.transform(stripSourceMap(source), { minify: true, target: 'es2020', legalComments: 'none' });
    return { file, bytes: Buffer.from(`${banner}\n${out.code}`), inputs: [] };
  }
  if (!lib.script.global) fail(`${file} is built as an IIFE but libraries.json gives it no global`);
  const result = await esbuild.build({
    ...ESBUILD_COMMON,
    format: 'iife',
    globalName: lib.script.global,
    stdin: { contents: `module.exports = require(${JSON.stringify(recipe.iife)});`, resolveDir: ROOT, loader: 'js' },
  });
  const text = result.outputFiles[0].text;
  if (text.includes('Dynamic require of')) fail(`${file} requires a module it could not bundle`);
  return { file, bytes: result.outputFiles[0].contents, inputs: Object.keys(result.metafile.inputs) };
}

function buildStyle(lib, file) {
  const source = STYLES[lib.package]?.(file, lib.version);
  if (!source) fail(`no recipe in build.mjs for ${lib.package}'s style sheet ${file}`);
  return { file, bytes: Buffer.from(stripSourceMap(readFrom(lib.package, source))), inputs: [] };
}

// ---------------------------------------------------------------------------------------------
// Licenses

function licenseTexts(dir) {
  const names = fs
    .readdirSync(dir)
    .filter((n) => /^(licen[cs]e|copying|notice)/i.test(n))
    .sort();
  return names.map((n) => fs.readFileSync(path.join(dir, n), 'utf8').trim());
}

function licenseEntry(dir, note, extraFiles = []) {
  const pj = readJson(path.join(dir, 'package.json'));
  const texts = licenseTexts(dir);
  for (const rel of extraFiles) texts.push(fs.readFileSync(path.join(dir, rel), 'utf8').trim());
  const license = typeof pj.license === 'string' ? pj.license : JSON.stringify(pj.license ?? 'UNKNOWN');
  return [
    '='.repeat(78),
    `${pj.name} ${pj.version} — ${license}${note ? ` (${note})` : ''}`,
    '='.repeat(78),
    '',
    texts.length ? texts.join('\n\n' + '-'.repeat(40) + '\n\n') : `(no license file in the package; its package.json says ${license})`,
    '',
  ].join('\n');
}

function licenses(libs, outputs) {
  const libDirs = new Set(libs.map((l) => `node_modules/${l.package}`));
  // Packages bundled by esbuild into a file, beyond the catalogued ones, with the files they are in.
  const bundled = new Map();
  for (const o of outputs)
    for (const input of o.inputs) {
      const dir = packageOfPath(input);
      if (!dir || libDirs.has(dir)) continue;
      if (!bundled.has(dir)) bundled.set(dir, new Set());
      bundled.get(dir).add(o.file);
    }
  const parts = [
    `${LICENSES_HEADER}, made by web/vendor/build.mjs from npm.`,
    'Each library as published, then the packages bundled into the files built here.',
    '',
  ];
  for (const l of libs) {
    parts.push(licenseEntry(pkgDir(l.package), '', SCRIPTS[l.package]?.licenses));
  }
  for (const dir of [...bundled.keys()].sort())
    parts.push(licenseEntry(path.join(ROOT, dir), `bundled into ${[...bundled.get(dir)].sort().join(', ')}`));
  return Buffer.from(parts.join('\n'));
}

// ---------------------------------------------------------------------------------------------

/// Each catalogued package's files may be in one built file only: a second copy would be a
/// second instance (two Reacts, two Chart registries).
function checkSingleCopies(libs, outputs) {
  const libDirs = new Set(libs.map((l) => `node_modules/${l.package}`));
  const seen = new Map();
  for (const o of outputs)
    for (const input of o.inputs) {
      const dir = packageOfPath(input);
      if (!dir || !libDirs.has(dir)) continue;
      if (seen.has(input) && seen.get(input) !== o.file)
        fail(`${input} is bundled into both ${seen.get(input)} and ${o.file}`);
      seen.set(input, o.file);
    }
}

function prepareOutDir(out, files) {
  if (fs.existsSync(out)) {
    const existing = fs.readdirSync(out);
    const ours =
      existing.length === 0 ||
      (existing.includes(LICENSES) &&
        fs.readFileSync(path.join(out, LICENSES), 'utf8').startsWith(LICENSES_HEADER));
    if (!ours) fail(`${out} is not empty and not a vendor folder made by this script; give an empty or new folder`);
    for (const name of existing) if (!files.has(name)) fs.rmSync(path.join(out, name), { recursive: true });
  } else {
    fs.mkdirSync(out, { recursive: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0].startsWith('-')) fail('usage: node web/vendor/build.mjs OUT_DIR');
  const out = path.resolve(args[0]);
  const started = Date.now();

  const libs = readJson(CATALOG).libraries;
  libs.forEach(checkInstalled);
  const esbuild = require('esbuild');

  // Specifiers that share a file (three/addons/… and three/examples/jsm/…) are built once.
  const wanted = [];
  for (const l of libs) for (const [spec, file] of Object.entries(l.modules)) wanted.push({ spec, file, lib: l });
  const probes = (await Promise.all(wanted.map((w) => probe(esbuild, w.spec)))).map((p, i) => ({ ...p, file: wanted[i].file }));
  for (const p of probes) {
    const other = probes.find((q) => q.file === p.file && q.entryPath !== p.entryPath);
    if (other) fail(`${p.spec} and ${other.spec} share ${p.file} but are different modules`);
  }
  const firstPerFile = probes.filter((p, i) => probes.findIndex((q) => q.file === p.file) === i);

  const outputs = await Promise.all([
    ...firstPerFile.map((p) => buildModule(esbuild, p, probes)),
    ...libs.filter((l) => l.script).map((l) => buildScript(esbuild, l)),
    ...libs.flatMap((l) => (l.styles ?? []).map((f) => buildStyle(l, f))),
  ]);
  checkSingleCopies(libs, outputs);

  const files = new Map(outputs.map((o) => [o.file, o.bytes]));
  if (files.size !== outputs.length) fail('libraries.json names the same file for two different things');
  if (files.has(LICENSES)) fail(`libraries.json may not name ${LICENSES}`);
  files.set(LICENSES, licenses(libs, outputs));

  prepareOutDir(out, files);
  for (const [name, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) fs.writeFileSync(path.join(out, name), bytes);
  const total = [...files.values()].reduce((n, b) => n + b.length, 0);
  console.log(`vendor: ${files.size} files, ${(total / 1e6).toFixed(1)} MB in ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main().catch((e) => {
  const msg = e instanceof BuildError ? e.message : (e.errors?.[0] ? `esbuild: ${e.errors[0].text}${e.errors[0].location ? ` (${e.errors[0].location.file}:${e.errors[0].location.line})` : ''}` : e.stack || String(e));
  console.error(`vendor build failed: ${msg.split('\n')[0]}`);
  process.exit(1);
});
