#!/usr/bin/env python3
"""Analyze web server access logs (Combined Log Format) and application logs.

Reports request volume, status codes, top paths and clients, latency percentiles,
error bursts and the busiest minutes. Standard library only.

Usage:
    python log_analyzer.py access.log
    python log_analyzer.py /var/log/nginx/access.log.* --top 15 --since 2024-05-01
    zcat access.log.gz | python log_analyzer.py - --json > report.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator, TextIO

# 127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "ref" "ua" 0.123
ACCESS_RE = re.compile(
    r'(?P<ip>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] '
    r'"(?P<method>[A-Z]+) (?P<path>\S+) (?P<proto>[^"]+)" '
    r'(?P<status>\d{3}) (?P<size>\d+|-)'
    r'(?: "(?P<referrer>[^"]*)" "(?P<agent>[^"]*)")?'
    r'(?: (?P<duration>\d+(?:\.\d+)?))?'
)

# 2024-05-02 14:03:11,482 ERROR [worker-3] payment.client: Timeout talking to provider
APP_RE = re.compile(
    r'(?P<time>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:[.,]\d+)?\s+'
    r'(?P<level>DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\s+'
    r'(?:\[(?P<thread>[^\]]+)\]\s+)?(?:(?P<logger>[\w.\-]+):\s+)?(?P<message>.*)'
)

BOT_HINTS = ("bot", "crawler", "spider", "curl", "wget", "python-requests", "headless")


@dataclass
class Stats:
    lines: int = 0
    unparsed: int = 0
    requests: int = 0
    bytes_sent: int = 0
    first: datetime | None = None
    last: datetime | None = None
    statuses: Counter = field(default_factory=Counter)
    methods: Counter = field(default_factory=Counter)
    paths: Counter = field(default_factory=Counter)
    error_paths: Counter = field(default_factory=Counter)
    ips: Counter = field(default_factory=Counter)
    agents: Counter = field(default_factory=Counter)
    per_minute: Counter = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)
    path_durations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    bots: int = 0
    levels: Counter = field(default_factory=Counter)
    app_errors: Counter = field(default_factory=Counter)

    def see_time(self, ts: datetime) -> None:
        if self.first is None or ts < self.first:
            self.first = ts
        if self.last is None or ts > self.last:
            self.last = ts


def open_input(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    p = Path(path)
    if p.suffix == ".gz":
        return gzip.open(p, "rt", encoding="utf-8", errors="replace")
    return p.open("r", encoding="utf-8", errors="replace")


def read_lines(paths: Iterable[str]) -> Iterator[str]:
    for path in paths:
        try:
            with open_input(path) as fh:
                yield from fh
        except OSError as exc:
            print(f"warning: cannot read {path}: {exc}", file=sys.stderr)


def normalize_path(path: str) -> str:
    """Strip query strings and collapse ids so /users/123 and /users/456 group together."""
    path = path.split("?", 1)[0]
    path = re.sub(r"/\d+(?=/|$)", "/:id", path)
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=/|$)", "/:uuid", path, flags=re.I)
    path = re.sub(r"/[0-9a-f]{24,}(?=/|$)", "/:hash", path, flags=re.I)
    return path or "/"


def parse_access_time(raw: str) -> datetime:
    return datetime.strptime(raw, "%d/%b/%Y:%H:%M:%S %z").replace(tzinfo=None)


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def analyze(lines: Iterable[str], since: datetime | None, until: datetime | None,
            normalize: bool) -> Stats:
    s = Stats()
    for line in lines:
        s.lines += 1
        line = line.rstrip("\n")
        if not line.strip():
            continue

        m = ACCESS_RE.match(line)
        if m:
            try:
                ts = parse_access_time(m["time"])
            except ValueError:
                s.unparsed += 1
                continue
            if (since and ts < since) or (until and ts >= until):
                continue
            s.see_time(ts)
            s.requests += 1
            status = int(m["status"])
            path = normalize_path(m["path"]) if normalize else m["path"]
            s.statuses[status] += 1
            s.methods[m["method"]] += 1
            s.paths[path] += 1
            s.ips[m["ip"]] += 1
            s.per_minute[ts.replace(second=0)] += 1
            if m["size"] != "-":
                s.bytes_sent += int(m["size"])
            if status >= 500:
                s.error_paths[path] += 1
            agent = m["agent"] or ""
            if agent:
                s.agents[agent] += 1
                if any(h in agent.lower() for h in BOT_HINTS):
                    s.bots += 1
            if m["duration"]:
                d = float(m["duration"])
                # nginx $request_time is seconds; some setups log ms as an integer
                if "." not in m["duration"] and d > 50:
                    d /= 1000
                s.durations.append(d)
                s.path_durations[path].append(d)
            continue

        m = APP_RE.match(line)
        if m:
            ts = datetime.fromisoformat(m["time"].replace(" ", "T"))
            if (since and ts < since) or (until and ts >= until):
                continue
            s.see_time(ts)
            level = "WARN" if m["level"] == "WARNING" else m["level"]
            s.levels[level] += 1
            if level in ("ERROR", "CRITICAL", "FATAL"):
                # group similar messages by masking numbers and quoted values
                msg = re.sub(r"\d+", "N", m["message"])
                msg = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", msg)
                s.app_errors[f"{m['logger'] or '-'}: {msg[:120]}"] += 1
            continue

        s.unparsed += 1
    return s


def traffic_spikes(stats: Stats, factor: float = 3.0, limit: int = 5) -> list[tuple[datetime, int, float]]:
    """Minutes whose request count is at least `factor` times the mean per-minute rate."""
    if len(stats.per_minute) < 5:
        return []
    mean = sum(stats.per_minute.values()) / len(stats.per_minute)
    spikes = [(m, c, c / mean) for m, c in stats.per_minute.items() if c >= mean * factor]
    return sorted(spikes, key=lambda x: -x[1])[:limit]


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024:
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PB"


def bar(value: int, max_value: int, width: int = 30) -> str:
    if max_value == 0:
        return ""
    filled = round(value / max_value * width)
    return "█" * filled + "·" * (width - filled)


def build_report(s: Stats, top: int) -> dict:
    durations = sorted(s.durations)
    status_classes = Counter(f"{code // 100}xx" for code in s.statuses.elements())
    span = (s.last - s.first) if s.first and s.last else timedelta(0)
    slow_paths = sorted(
        ((p, percentile(sorted(v), 95), len(v)) for p, v in s.path_durations.items() if len(v) >= 5),
        key=lambda x: -x[1],
    )[:top]
    return {
        "summary": {
            "lines": s.lines,
            "unparsed": s.unparsed,
            "requests": s.requests,
            "app_log_entries": sum(s.levels.values()),
            "first_seen": s.first.isoformat() if s.first else None,
            "last_seen": s.last.isoformat() if s.last else None,
            "span_seconds": int(span.total_seconds()),
            "bytes_sent": s.bytes_sent,
            "unique_clients": len(s.ips),
            "bot_requests": s.bots,
            "error_rate_5xx": round(status_classes["5xx"] / s.requests, 4) if s.requests else 0,
        },
        "status_classes": dict(sorted(status_classes.items())),
        "statuses": dict(s.statuses.most_common()),
        "methods": dict(s.methods.most_common()),
        "top_paths": s.paths.most_common(top),
        "top_5xx_paths": s.error_paths.most_common(top),
        "top_clients": s.ips.most_common(top),
        "top_agents": s.agents.most_common(min(top, 5)),
        "latency_seconds": {
            "count": len(durations),
            "p50": round(percentile(durations, 50), 4),
            "p90": round(percentile(durations, 90), 4),
            "p95": round(percentile(durations, 95), 4),
            "p99": round(percentile(durations, 99), 4),
            "max": round(durations[-1], 4) if durations else 0,
        },
        "slowest_paths_p95": [(p, round(v, 4), n) for p, v, n in slow_paths],
        "busiest_minutes": [(m.isoformat(timespec="minutes"), c) for m, c in s.per_minute.most_common(5)],
        "traffic_spikes": [(m.isoformat(timespec="minutes"), c, round(r, 1)) for m, c, r in traffic_spikes(s)],
        "app_levels": dict(s.levels.most_common()),
        "top_app_errors": s.app_errors.most_common(top),
    }


def is_number(text: str) -> bool:
    try:
        float(text.rstrip("%x").replace(",", ""))
        return True
    except ValueError:
        return False


def print_report(r: dict, color: bool) -> None:
    def c(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    def heading(text: str) -> None:
        print()
        print(c("1;36", text))
        print(c("2", "─" * len(text)))

    def table(rows, headers, max_width=60) -> None:
        if not rows:
            print(c("2", "  (none)"))
            return
        rows = [[str(x) if len(str(x)) <= max_width else str(x)[: max_width - 1] + "…" for x in row] for row in rows]
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
        print("  " + "  ".join(c("2", h.ljust(w)) for h, w in zip(headers, widths)))
        for row in rows:
            cells = [cell.rjust(w) if is_number(cell) else cell.ljust(w) for cell, w in zip(row, widths)]
            print("  " + "  ".join(cells))

    sm = r["summary"]
    print(c("1", "Log analysis report"))
    print(f"  Lines read:       {sm['lines']:,} ({sm['unparsed']:,} unparsed)")
    if sm["first_seen"]:
        print(f"  Time range:       {sm['first_seen']} → {sm['last_seen']} ({timedelta(seconds=sm['span_seconds'])})")

    if sm["requests"]:
        print(f"  HTTP requests:    {sm['requests']:,}  ·  {human_bytes(sm['bytes_sent'])} sent")
        print(f"  Unique clients:   {sm['unique_clients']:,}  ·  bots: {sm['bot_requests']:,}")
        rate = sm["error_rate_5xx"] * 100
        rate_text = f"{rate:.2f}%"
        print(f"  5xx error rate:   {c('31' if rate > 1 else '32', rate_text)}")

        heading("Status codes")
        max_count = max(r["statuses"].values())
        for code, count in sorted(r["statuses"].items()):
            col = "32" if code < 300 else "33" if code < 400 else "35" if code < 500 else "31"
            print(f"  {c(col, str(code))}  {count:>8,}  {c(col, bar(count, max_count))}")

        heading("Top paths")
        table(r["top_paths"], ["path", "requests"])
        heading("Top 5xx paths")
        table(r["top_5xx_paths"], ["path", "errors"])
        heading("Top clients")
        table(r["top_clients"], ["ip", "requests"])

        lat = r["latency_seconds"]
        if lat["count"]:
            heading("Latency")
            print("  " + "   ".join(f"{k}={v * 1000:.0f}ms" for k, v in lat.items() if k != "count"))
            heading("Slowest paths (p95, ≥5 requests)")
            table([(p, f"{v * 1000:.0f}", n) for p, v, n in r["slowest_paths_p95"]], ["path", "p95 ms", "count"])

        heading("Busiest minutes")
        table(r["busiest_minutes"], ["minute", "requests"])
        if r["traffic_spikes"]:
            heading("Traffic spikes (vs mean)")
            table([(m, n, f"{x}x") for m, n, x in r["traffic_spikes"]], ["minute", "requests", "ratio"])

    if r["app_levels"]:
        heading("Application log levels")
        for level, count in r["app_levels"].items():
            col = {"ERROR": "31", "CRITICAL": "1;31", "FATAL": "1;31", "WARN": "33"}.get(level, "0")
            print(f"  {c(col, level.ljust(8))} {count:>8,}")
        heading("Most frequent application errors")
        table(r["top_app_errors"], ["message", "count"], max_width=90)
    print()


def parse_date(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date/time: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="log files (plain or .gz); use - for stdin")
    ap.add_argument("--top", type=int, default=10, help="rows in top-N tables (default 10)")
    ap.add_argument("--since", type=parse_date, help="only include entries at or after this time")
    ap.add_argument("--until", type=parse_date, help="only include entries before this time")
    ap.add_argument("--raw-paths", action="store_true", help="don't collapse ids/query strings in paths")
    ap.add_argument("--json", action="store_true", help="emit the report as JSON")
    ap.add_argument("--no-color", action="store_true", help="disable ANSI colors")
    args = ap.parse_args(argv)

    stats = analyze(read_lines(args.files), args.since, args.until, normalize=not args.raw_paths)
    if stats.requests == 0 and not stats.levels:
        print("No recognizable log entries found.", file=sys.stderr)
        return 1

    report = build_report(stats, args.top)
    if args.json:
        json.dump(report, sys.stdout, indent=2, default=str)
        print()
    else:
        print_report(report, color=sys.stdout.isatty() and not args.no_color)
    return 0


if __name__ == "__main__":
    sys.exit(main())
