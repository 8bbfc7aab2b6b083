#!/usr/bin/env python3
"""
expense_report.py — summarise a bank-export CSV into a monthly spending report.

Usage:
    python expense_report.py transactions.csv
    python expense_report.py transactions.csv --month 2024-05 --top 10
    python expense_report.py transactions.csv --rules rules.json --out report.md

The CSV is expected to have at least these columns (case-insensitive):
    date, description, amount
Negative amounts are treated as spending, positive as income. Dates may be
YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY (use --us-dates for the latter).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

DEFAULT_RULES = {
    "Groceries": ["tesco", "sainsbury", "aldi", "lidl", "whole foods", "trader joe"],
    "Eating out": ["restaurant", "cafe", "coffee", "pizza", "deliveroo", "uber eats", "doordash"],
    "Transport": ["uber", "lyft", "tfl", "rail", "shell", "bp ", "parking"],
    "Bills": ["electric", "water", "gas", "broadband", "vodafone", "insurance"],
    "Subscriptions": ["netflix", "spotify", "apple.com", "google storage", "patreon"],
    "Shopping": ["amazon", "ikea", "etsy", "zara"],
    "Rent": ["rent", "letting"],
}


@dataclass
class Txn:
    day: date
    description: str
    amount: Decimal
    category: str = "Other"


def parse_date(raw: str, us: bool) -> date:
    raw = raw.strip()
    formats = ["%Y-%m-%d", "%m/%d/%Y" if us else "%d/%m/%Y", "%d %b %Y", "%Y/%m/%d"]
    for fmt in formats:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date: {raw!r}")


def parse_amount(raw: str) -> Decimal:
    cleaned = re.sub(r"[^\d.,\-()]", "", raw.strip())
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"unrecognised amount: {raw!r}") from exc
    return -value if negative else value


def load_rules(path: Path | None) -> dict[str, list[str]]:
    if path is None:
        return DEFAULT_RULES
    with path.open(encoding="utf-8") as fh:
        rules = json.load(fh)
    return {cat: [k.lower() for k in keywords] for cat, keywords in rules.items()}


def categorise(description: str, rules: dict[str, list[str]]) -> str:
    text = description.lower()
    for category, keywords in rules.items():
        if any(k in text for k in keywords):
            return category
    return "Other"


def read_transactions(path: Path, rules: dict[str, list[str]], us_dates: bool) -> list[Txn]:
    txns: list[Txn] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None:
            sys.exit("error: CSV has no header row")
        fields = {name.lower().strip(): name for name in reader.fieldnames}
        missing = {"date", "description", "amount"} - fields.keys()
        if missing:
            sys.exit(f"error: CSV is missing column(s): {', '.join(sorted(missing))}")

        for lineno, row in enumerate(reader, start=2):
            try:
                day = parse_date(row[fields["date"]], us_dates)
                amount = parse_amount(row[fields["amount"]])
            except ValueError as err:
                print(f"warning: line {lineno}: {err}; skipped", file=sys.stderr)
                continue
            desc = row[fields["description"]].strip()
            txns.append(Txn(day, desc, amount, categorise(desc, rules)))
    return txns


def money(value: Decimal) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


def bar(fraction: float, width: int = 20) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def build_report(txns: list[Txn], month: str | None, top: int) -> str:
    if month:
        txns = [t for t in txns if t.day.strftime("%Y-%m") == month]
    if not txns:
        return "No transactions found for the selected period.\n"

    spending = [t for t in txns if t.amount < 0]
    income = sum((t.amount for t in txns if t.amount > 0), Decimal(0))
    spent = -sum((t.amount for t in spending), Decimal(0))

    by_cat: dict[str, Decimal] = defaultdict(Decimal)
    for t in spending:
        by_cat[t.category] += -t.amount

    by_month: dict[str, Decimal] = defaultdict(Decimal)
    for t in spending:
        by_month[t.day.strftime("%Y-%m")] += -t.amount

    first, last = min(t.day for t in txns), max(t.day for t in txns)
    lines = [
        f"# Spending report: {month or f'{first:%d %b %Y} – {last:%d %b %Y}'}",
        "",
        f"- **Income:** {money(income)}",
        f"- **Spending:** {money(spent)}",
        f"- **Net:** {money(income - spent)}",
        f"- **Transactions:** {len(txns)}",
        "",
        "## By category",
        "",
        "| Category | Amount | Share | |",
        "|---|---:|---:|---|",
    ]
    for cat, amount in sorted(by_cat.items(), key=lambda kv: kv[1], reverse=True):
        share = float(amount / spent) if spent else 0.0
        lines.append(f"| {cat} | {money(amount)} | {share:.0%} | `{bar(share)}` |")

    if len(by_month) > 1:
        lines += ["", "## By month", "", "| Month | Spent |", "|---|---:|"]
        for m in sorted(by_month):
            lines.append(f"| {m} | {money(by_month[m])} |")

    lines += ["", f"## Top {top} purchases", "", "| Date | Description | Category | Amount |", "|---|---|---|---:|"]
    for t in sorted(spending, key=lambda t: t.amount)[:top]:
        lines.append(f"| {t.day:%Y-%m-%d} | {t.description} | {t.category} | {money(-t.amount)} |")

    uncategorised = [t for t in spending if t.category == "Other"]
    if uncategorised:
        lines += ["", f"_{len(uncategorised)} transactions were uncategorised — consider adding rules for them._"]

    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarise a bank CSV export into a spending report.")
    parser.add_argument("csv", type=Path, help="path to the exported CSV file")
    parser.add_argument("--month", help="only include this month (YYYY-MM)")
    parser.add_argument("--top", type=int, default=5, help="how many large purchases to list (default 5)")
    parser.add_argument("--rules", type=Path, help="JSON file mapping category -> list of keywords")
    parser.add_argument("--us-dates", action="store_true", help="interpret dates as MM/DD/YYYY")
    parser.add_argument("--out", type=Path, help="write the Markdown report here instead of stdout")
    args = parser.parse_args(argv)

    if args.month and not re.fullmatch(r"\d{4}-\d{2}", args.month):
        parser.error("--month must look like 2024-05")
    if not args.csv.exists():
        parser.error(f"{args.csv} does not exist")

    rules = load_rules(args.rules)
    txns = read_transactions(args.csv, rules, args.us_dates)
    report = build_report(txns, args.month, args.top)

    if args.out:
        args.out.write_text(report, encoding="utf-8")
        print(f"Wrote {args.out} ({len(txns)} transactions)")
    else:
        sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
