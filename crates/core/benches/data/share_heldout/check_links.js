#!/usr/bin/env node
/**
 * check-links.js — find broken links in Markdown files.
 *
 *   node check-links.js docs/            # scan a folder recursively
 *   node check-links.js README.md --external --concurrency 8
 *
 * Checks:
 *   - relative links point to files that exist
 *   - #anchors match a heading in the target file
 *   - (with --external) http(s) links respond with a non-error status
 *
 * Exits with code 1 if any broken links are found, so it can run in CI.
 * Requires Node 18+ (for global fetch). No dependencies.
 */

"use strict";

const fs = require("node:fs/promises");
const path = require("node:path");

const args = process.argv.slice(2);
const flags = {
  external: args.includes("--external"),
  concurrency: Number(valueOf("--concurrency") ?? 6),
  timeout: Number(valueOf("--timeout") ?? 10000),
  quiet: args.includes("--quiet"),
};
const targets = args.filter((a, i) => !a.startsWith("--") && !["--concurrency", "--timeout"].includes(args[i - 1]));

function valueOf(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const color = {
  red: s => (process.stdout.isTTY ? `\x1b[31m${s}\x1b[0m` : s),
  green: s => (process.stdout.isTTY ? `\x1b[32m${s}\x1b[0m` : s),
  dim: s => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s),
};

async function collectMarkdown(p) {
  const stat = await fs.stat(p);
  if (stat.isFile()) return /\.mdx?$/i.test(p) ? [p] : [];
  const out = [];
  for (const entry of await fs.readdir(p, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    out.push(...(await collectMarkdown(path.join(p, entry.name))));
  }
  return out;
}

// GitHub-style heading slugs
function slugify(text) {
  return text
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

const anchorCache = new Map();
async function anchorsFor(file) {
  if (anchorCache.has(file)) return anchorCache.get(file);
  const text = await fs.readFile(file, "utf8");
  const seen = new Map();
  const anchors = new Set();
  let inFence = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = line.match(/^#{1,6}\s+(.+?)\s*#*\s*$/);
    if (!m) continue;
    let slug = slugify(m[1].replace(/\[([^\]]+)\]\([^)]*\)/g, "$1").replace(/`/g, ""));
    const n = seen.get(slug) || 0;
    seen.set(slug, n + 1);
    if (n) slug = `${slug}-${n}`;
    anchors.add(slug);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  anchorCache.set(file, anchors);
  return anchors;
}

function extractLinks(text) {
  const links = [];
  const lines = text.split("\n");
  let inFence = false;
  lines.forEach((line, idx) => {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) return;
    const stripped = line.replace(/`[^`]*`/g, "");
    for (const m of stripped.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ url: m[1], line: idx + 1 });
    }
    const ref = stripped.match(/^\s*\[[^\]]+\]:\s*(\S+)/);
    if (ref) links.push({ url: ref[1], line: idx + 1 });
  });
  return links;
}

async function exists(p) {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

const externalCache = new Map();
function checkExternal(url) {
  if (!externalCache.has(url)) {
    externalCache.set(url, (async () => {
      const attempt = async method => {
        const ctrl = new AbortController();
        const timer = setTimeout(() => ctrl.abort(), flags.timeout);
        try {
          const res = await fetch(url, { method, redirect: "follow", signal: ctrl.signal, headers: { "user-agent": "check-links/1.0" } });
          return res.status;
        } finally {
          clearTimeout(timer);
        }
      };
      try {
        let status = await attempt("HEAD");
        if (status === 405 || status === 403) status = await attempt("GET");
        return status < 400 ? null : `HTTP ${status}`;
      } catch (err) {
        return err.name === "AbortError" ? "timeout" : err.cause?.code || err.message;
      }
    })());
  }
  return externalCache.get(url);
}

async function checkLink(file, { url }) {
  if (/^(mailto|tel|data):/i.test(url)) return null;
  if (/^https?:\/\//i.test(url)) return flags.external ? checkExternal(url) : null;

  const [rawPath, anchor] = url.split("#");
  const decoded = decodeURIComponent(rawPath);
  const target = decoded ? path.resolve(path.dirname(file), decoded) : file;
  if (!(await exists(target))) return "file not found";
  if (anchor && /\.mdx?$/i.test(target)) {
    const anchors = await anchorsFor(target);
    if (!anchors.has(anchor.toLowerCase())) return `missing anchor #${anchor}`;
  }
  return null;
}

async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}

async function main() {
  if (!targets.length) {
    console.error("usage: node check-links.js <file-or-dir>... [--external] [--concurrency N] [--timeout MS] [--quiet]");
    process.exit(2);
  }
  const files = (await Promise.all(targets.map(collectMarkdown))).flat();
  const jobs = [];
  for (const file of files) {
    const text = await fs.readFile(file, "utf8");
    for (const link of extractLinks(text)) jobs.push({ file, link });
  }

  const started = Date.now();
  const results = await pool(jobs, flags.concurrency, async job => ({ ...job, error: await checkLink(job.file, job.link) }));
  const broken = results.filter(r => r.error);

  for (const r of broken) {
    console.log(`${color.red("✗")} ${path.relative(process.cwd(), r.file)}:${r.link.line}  ${r.link.url}  ${color.dim("(" + r.error + ")")}`);
  }
  if (!flags.quiet || broken.length) {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const summary = `${files.length} files, ${jobs.length} links checked in ${secs}s — ${broken.length} broken`;
    console.log(broken.length ? color.red(summary) : color.green(`✓ ${summary}`));
  }
  process.exit(broken.length ? 1 : 0);
}

main().catch(err => {
  console.error(err);
  process.exit(2);
});
