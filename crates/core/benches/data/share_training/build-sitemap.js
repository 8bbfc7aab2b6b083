#!/usr/bin/env node
/**
 * build-sitemap.js — generate sitemap.xml (and optionally robots.txt) for a static site.
 *
 * Walks a build directory, finds HTML pages, reads per-page hints from <meta> tags,
 * and writes a standards-compliant sitemap. Splits into a sitemap index past 50,000 URLs.
 * No dependencies — Node 18+.
 *
 * Usage:
 *   node build-sitemap.js --dir dist --base https://example.com
 *   node build-sitemap.js --dir public --base https://example.com --exclude "drafts/**" --robots
 *
 * Page hints (optional, inside <head>):
 *   <meta name="robots" content="noindex">          → page is skipped
 *   <link rel="canonical" href="https://…/page/">   → canonical URL is used instead
 *   <meta name="sitemap:priority" content="0.8">
 *   <meta name="sitemap:changefreq" content="weekly">
 *   <meta property="article:modified_time" content="2024-05-01T10:00:00Z">
 */

const fs = require("node:fs/promises");
const path = require("node:path");
const { execFile } = require("node:child_process");
const { promisify } = require("node:util");

const execFileAsync = promisify(execFile);
const MAX_URLS_PER_FILE = 50000;
const CHANGEFREQS = new Set(["always", "hourly", "daily", "weekly", "monthly", "yearly", "never"]);

function parseArgs(argv) {
  const opts = {
    dir: "dist",
    base: process.env.SITE_URL || "",
    out: null,
    exclude: [],
    trailingSlash: true,
    robots: false,
    gitDates: true,
    dryRun: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`Missing value for ${arg}`);
      return argv[++i];
    };
    switch (arg) {
      case "--dir": case "-d": opts.dir = next(); break;
      case "--base": case "-b": opts.base = next(); break;
      case "--out": case "-o": opts.out = next(); break;
      case "--exclude": case "-x": opts.exclude.push(next()); break;
      case "--no-trailing-slash": opts.trailingSlash = false; break;
      case "--robots": opts.robots = true; break;
      case "--no-git": opts.gitDates = false; break;
      case "--dry-run": opts.dryRun = true; break;
      case "--help": case "-h":
        console.log(helpText());
        process.exit(0);
      default:
        throw new Error(`Unknown option: ${arg}`);
    }
  }
  if (!opts.base) throw new Error("--base (or SITE_URL) is required, e.g. --base https://example.com");
  opts.base = opts.base.replace(/\/+$/, "");
  try {
    new URL(opts.base);
  } catch {
    throw new Error(`--base is not a valid URL: ${opts.base}`);
  }
  opts.out = opts.out || opts.dir;
  return opts;
}

function helpText() {
  return `Usage: node build-sitemap.js --dir <build dir> --base <site url> [options]

Options:
  -d, --dir <path>          directory to scan (default: dist)
  -b, --base <url>          public site origin, e.g. https://example.com
  -o, --out <path>          where to write sitemap files (default: same as --dir)
  -x, --exclude <glob>      skip matching paths; repeatable (supports * and **)
      --no-trailing-slash   emit /about instead of /about/
      --robots              also write robots.txt pointing at the sitemap
      --no-git              don't use git commit dates for <lastmod>
      --dry-run             print URLs instead of writing files`;
}

// Minimal glob → RegExp: ** matches across directories, * within one segment
function globToRegExp(glob) {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        re += ".*";
        i++;
        if (glob[i + 1] === "/") i++;
      } else re += "[^/]*";
    } else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

async function* walk(dir, root = dir) {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full, root);
    else if (entry.isFile() && entry.name.endsWith(".html")) yield path.relative(root, full).split(path.sep).join("/");
  }
}

function metaContent(html, name) {
  const re = new RegExp(
    `<meta\\s+[^>]*(?:name|property)=["']${name.replace(/[:.]/g, "\\$&")}["'][^>]*>`,
    "i"
  );
  const tag = html.match(re)?.[0];
  return tag?.match(/content=["']([^"']*)["']/i)?.[1] ?? null;
}

function canonicalHref(html) {
  const tag = html.match(/<link\s+[^>]*rel=["']canonical["'][^>]*>/i)?.[0];
  return tag?.match(/href=["']([^"']+)["']/i)?.[1] ?? null;
}

function fileToUrlPath(rel, trailingSlash) {
  if (rel === "index.html") return "/";
  if (rel.endsWith("/index.html")) {
    const p = "/" + rel.slice(0, -"index.html".length);
    return trailingSlash ? p : p.replace(/\/$/, "");
  }
  const p = "/" + rel.replace(/\.html$/, "");
  return trailingSlash ? p + "/" : p;
}

function defaultPriority(urlPath) {
  if (urlPath === "/") return 1.0;
  const depth = urlPath.split("/").filter(Boolean).length;
  return Math.max(0.3, 1 - depth * 0.2);
}

async function gitLastModified(file) {
  try {
    const { stdout } = await execFileAsync("git", ["log", "-1", "--format=%cI", "--", file], { timeout: 5000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

function toW3CDate(value) {
  const d = new Date(value);
  return isNaN(d) ? null : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const xmlEscape = (s) =>
  s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" }[c]));

async function collectPages(opts) {
  const excludes = [
    ...opts.exclude.map(globToRegExp),
    /^404\.html$/,
    /^500\.html$/,
  ];
  const pages = [];
  const skipped = { excluded: 0, noindex: 0, duplicate: 0 };
  const seen = new Set();

  for await (const rel of walk(opts.dir)) {
    if (excludes.some((re) => re.test(rel))) {
      skipped.excluded++;
      continue;
    }
    const full = path.join(opts.dir, rel);
    const html = await fs.readFile(full, "utf8");

    const robots = (metaContent(html, "robots") || "").toLowerCase();
    if (robots.includes("noindex")) {
      skipped.noindex++;
      continue;
    }

    let loc = opts.base + encodeURI(fileToUrlPath(rel, opts.trailingSlash));
    const canonical = canonicalHref(html);
    if (canonical) {
      try {
        const url = new URL(canonical, opts.base);
        if (url.origin === new URL(opts.base).origin) loc = url.href;
      } catch {
        /* ignore malformed canonical */
      }
    }
    if (seen.has(loc)) {
      skipped.duplicate++;
      continue;
    }
    seen.add(loc);

    const stat = await fs.stat(full);
    const lastmod =
      toW3CDate(metaContent(html, "article:modified_time") || "") ||
      (opts.gitDates && toW3CDate((await gitLastModified(full)) || "")) ||
      toW3CDate(stat.mtime);

    const changefreq = metaContent(html, "sitemap:changefreq");
    const priorityRaw = parseFloat(metaContent(html, "sitemap:priority"));
    const urlPath = new URL(loc).pathname;

    pages.push({
      loc,
      lastmod,
      changefreq: CHANGEFREQS.has(changefreq) ? changefreq : null,
      priority: Number.isFinite(priorityRaw) ? Math.min(1, Math.max(0, priorityRaw)) : defaultPriority(urlPath),
    });
  }

  pages.sort((a, b) => b.priority - a.priority || a.loc.localeCompare(b.loc));
  return { pages, skipped };
}

function renderUrlset(pages) {
  const body = pages
    .map((p) =>
      [
        "  <url>",
        `    <loc>${xmlEscape(p.loc)}</loc>`,
        p.lastmod && `    <lastmod>${p.lastmod}</lastmod>`,
        p.changefreq && `    <changefreq>${p.changefreq}</changefreq>`,
        `    <priority>${p.priority.toFixed(1)}</priority>`,
        "  </url>",
      ]
        .filter(Boolean)
        .join("\n")
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</urlset>\n`;
}

function renderIndex(files, base) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const body = files
    .map((f) => `  <sitemap>\n    <loc>${xmlEscape(`${base}/${f}`)}</loc>\n    <lastmod>${now}</lastmod>\n  </sitemap>`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</sitemapindex>\n`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();

  try {
    await fs.access(opts.dir);
  } catch {
    throw new Error(`Directory not found: ${opts.dir}`);
  }

  const { pages, skipped } = await collectPages(opts);
  if (pages.length === 0) {
    console.warn("⚠️  No indexable HTML pages found.");
    return;
  }

  if (opts.dryRun) {
    for (const p of pages) console.log(`${p.priority.toFixed(1)}  ${p.lastmod ?? "—".padEnd(20)}  ${p.loc}`);
  } else {
    await fs.mkdir(opts.out, { recursive: true });
    const written = [];
    if (pages.length <= MAX_URLS_PER_FILE) {
      await fs.writeFile(path.join(opts.out, "sitemap.xml"), renderUrlset(pages));
      written.push("sitemap.xml");
    } else {
      const chunks = [];
      for (let i = 0; i < pages.length; i += MAX_URLS_PER_FILE) chunks.push(pages.slice(i, i + MAX_URLS_PER_FILE));
      const names = chunks.map((_, i) => `sitemap-${i + 1}.xml`);
      await Promise.all(chunks.map((c, i) => fs.writeFile(path.join(opts.out, names[i]), renderUrlset(c))));
      await fs.writeFile(path.join(opts.out, "sitemap.xml"), renderIndex(names, opts.base));
      written.push("sitemap.xml (index)", ...names);
    }

    if (opts.robots) {
      const robotsPath = path.join(opts.out, "robots.txt");
      let robots = "";
      try {
        robots = await fs.readFile(robotsPath, "utf8");
      } catch {
        robots = "User-agent: *\nAllow: /\n";
      }
      robots = robots.replace(/^Sitemap:.*\n?/gim, "").trimEnd() + `\n\nSitemap: ${opts.base}/sitemap.xml\n`;
      await fs.writeFile(robotsPath, robots);
      written.push("robots.txt");
    }

    console.log(`✅ ${pages.length} URLs → ${written.map((f) => path.join(opts.out, f)).join(", ")}`);
  }

  const notes = Object.entries(skipped).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`);
  if (notes.length) console.log(`   skipped: ${notes.join(", ")}`);
  console.log(`   done in ${Date.now() - started} ms`);
}

main().catch((err) => {
  console.error(`✖ ${err.message}`);
  process.exit(1);
});
