/**
 * Small, dependency-free date helpers.
 *
 * All functions treat `Date` values as immutable and return new instances.
 * "Day" arithmetic is done in local time so that adding a day across a DST
 * change still lands on the same wall-clock time.
 */

export type DateInput = Date | string | number;

export type Unit = "millisecond" | "second" | "minute" | "hour" | "day" | "week" | "month" | "year";

const MS: Record<Exclude<Unit, "month" | "year">, number> = {
  millisecond: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Normalise any supported input into a fresh `Date`. Throws on invalid input. */
export function toDate(input: DateInput): Date {
  const d = input instanceof Date ? new Date(input.getTime()) : new Date(input);
  if (Number.isNaN(d.getTime())) {
    throw new RangeError(`Invalid date: ${String(input)}`);
  }
  return d;
}

export function isValid(input: unknown): boolean {
  if (!(input instanceof Date) && typeof input !== "string" && typeof input !== "number") return false;
  return !Number.isNaN(new Date(input as DateInput).getTime());
}

/** Add (or subtract, with a negative amount) a number of units. */
export function add(input: DateInput, amount: number, unit: Unit): Date {
  const d = toDate(input);
  switch (unit) {
    case "year":
      return addMonths(d, amount * 12);
    case "month":
      return addMonths(d, amount);
    case "week":
    case "day":
      d.setDate(d.getDate() + amount * (unit === "week" ? 7 : 1));
      return d;
    default:
      return new Date(d.getTime() + amount * MS[unit]);
  }
}

/** Adds months, clamping to the last day when the target month is shorter (Jan 31 + 1 month → Feb 28/29). */
function addMonths(d: Date, months: number): Date {
  const day = d.getDate();
  const result = new Date(d.getTime());
  result.setDate(1);
  result.setMonth(result.getMonth() + months);
  result.setDate(Math.min(day, daysInMonth(result)));
  return result;
}

export const subtract = (input: DateInput, amount: number, unit: Unit): Date => add(input, -amount, unit);

export function daysInMonth(input: DateInput): number {
  const d = toDate(input);
  return new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate();
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function startOf(input: DateInput, unit: Unit, weekStartsOn: 0 | 1 = 1): Date {
  const d = toDate(input);
  switch (unit) {
    case "year":
      d.setMonth(0, 1);
      d.setHours(0, 0, 0, 0);
      break;
    case "month":
      d.setDate(1);
      d.setHours(0, 0, 0, 0);
      break;
    case "week": {
      const diff = (d.getDay() - weekStartsOn + 7) % 7;
      d.setDate(d.getDate() - diff);
      d.setHours(0, 0, 0, 0);
      break;
    }
    case "day":
      d.setHours(0, 0, 0, 0);
      break;
    case "hour":
      d.setMinutes(0, 0, 0);
      break;
    case "minute":
      d.setSeconds(0, 0);
      break;
    case "second":
      d.setMilliseconds(0);
      break;
  }
  return d;
}

export function endOf(input: DateInput, unit: Unit, weekStartsOn: 0 | 1 = 1): Date {
  if (unit === "millisecond") return toDate(input);
  const start = startOf(input, unit, weekStartsOn);
  return new Date(add(start, 1, unit).getTime() - 1);
}

/**
 * Whole units between two dates (`b - a`), truncated toward zero.
 * Month/year differences are calendar-aware.
 */
export function diff(a: DateInput, b: DateInput, unit: Unit): number {
  const da = toDate(a);
  const db = toDate(b);
  if (unit === "month" || unit === "year") {
    let months = (db.getFullYear() - da.getFullYear()) * 12 + (db.getMonth() - da.getMonth());
    // back off one if we haven't reached the same day-of-month yet
    const anchor = addMonths(da, months);
    if (months > 0 && anchor > db) months--;
    if (months < 0 && anchor < db) months++;
    return unit === "year" ? Math.trunc(months / 12) : months;
  }
  if (unit === "day" || unit === "week") {
    // compare calendar days so DST shifts don't produce 0.958 days
    const utcA = Date.UTC(da.getFullYear(), da.getMonth(), da.getDate());
    const utcB = Date.UTC(db.getFullYear(), db.getMonth(), db.getDate());
    const days = Math.round((utcB - utcA) / MS.day);
    return unit === "week" ? Math.trunc(days / 7) : days;
  }
  return Math.trunc((db.getTime() - da.getTime()) / MS[unit]);
}

export function isSameDay(a: DateInput, b: DateInput): boolean {
  const da = toDate(a);
  const db = toDate(b);
  return da.getFullYear() === db.getFullYear() && da.getMonth() === db.getMonth() && da.getDate() === db.getDate();
}

export function isWeekend(input: DateInput): boolean {
  const day = toDate(input).getDay();
  return day === 0 || day === 6;
}

export function isBetween(input: DateInput, start: DateInput, end: DateInput, inclusive = true): boolean {
  const t = toDate(input).getTime();
  const s = toDate(start).getTime();
  const e = toDate(end).getTime();
  return inclusive ? t >= s && t <= e : t > s && t < e;
}

/** Add business days, skipping Saturdays, Sundays and any dates in `holidays`. */
export function addBusinessDays(input: DateInput, amount: number, holidays: DateInput[] = []): Date {
  const skip = new Set(holidays.map((h) => formatDate(h, "YYYY-MM-DD")));
  const d = toDate(input);
  const step = amount < 0 ? -1 : 1;
  let remaining = Math.abs(amount);
  while (remaining > 0) {
    d.setDate(d.getDate() + step);
    if (!isWeekend(d) && !skip.has(formatDate(d, "YYYY-MM-DD"))) remaining--;
  }
  return d;
}

const pad = (n: number, len = 2) => String(Math.abs(n)).padStart(len, "0");

/**
 * Format with a small token set:
 * `YYYY YY MMMM MMM MM M DD D dddd ddd HH H hh h mm ss SSS A a Z`.
 * Wrap literal text in square brackets: `"[Today is] dddd"`.
 */
export function formatDate(input: DateInput, pattern = "YYYY-MM-DD", locale = "en-US"): string {
  const d = toDate(input);
  const h = d.getHours();
  const offset = -d.getTimezoneOffset();
  const tokens: Record<string, () => string> = {
    YYYY: () => String(d.getFullYear()),
    YY: () => pad(d.getFullYear() % 100),
    MMMM: () => d.toLocaleString(locale, { month: "long" }),
    MMM: () => d.toLocaleString(locale, { month: "short" }),
    MM: () => pad(d.getMonth() + 1),
    M: () => String(d.getMonth() + 1),
    DD: () => pad(d.getDate()),
    D: () => String(d.getDate()),
    dddd: () => d.toLocaleString(locale, { weekday: "long" }),
    ddd: () => d.toLocaleString(locale, { weekday: "short" }),
    HH: () => pad(h),
    H: () => String(h),
    hh: () => pad(h % 12 || 12),
    h: () => String(h % 12 || 12),
    mm: () => pad(d.getMinutes()),
    ss: () => pad(d.getSeconds()),
    SSS: () => pad(d.getMilliseconds(), 3),
    A: () => (h < 12 ? "AM" : "PM"),
    a: () => (h < 12 ? "am" : "pm"),
    Z: () => `${offset >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`,
  };
  return pattern.replace(/\[([^\]]*)]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|ss|SSS|A|a|Z/g, (match, literal) =>
    literal !== undefined ? literal : tokens[match]()
  );
}

const RELATIVE_STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 31_536_000_000],
  ["month", 2_592_000_000],
  ["week", MS.week],
  ["day", MS.day],
  ["hour", MS.hour],
  ["minute", MS.minute],
  ["second", MS.second],
];

/** "3 days ago", "in 2 hours", "yesterday"… using `Intl.RelativeTimeFormat`. */
export function timeAgo(input: DateInput, now: DateInput = Date.now(), locale = "en-US"): string {
  const delta = toDate(input).getTime() - toDate(now).getTime();
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, ms] of RELATIVE_STEPS) {
    if (Math.abs(delta) >= ms || unit === "second") {
      return rtf.format(Math.round(delta / ms), unit);
    }
  }
  return rtf.format(0, "second");
}

/** Parse `YYYY-MM-DD` as a local date (the built-in parser treats it as UTC midnight). */
export function parseLocalDate(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) throw new RangeError(`Expected YYYY-MM-DD, got "${value}"`);
  const [, y, mo, d] = m.map(Number);
  const date = new Date(y, mo - 1, d);
  if (date.getMonth() !== mo - 1 || date.getDate() !== d) {
    throw new RangeError(`Invalid calendar date: ${value}`);
  }
  return date;
}

/** Every day from `start` to `end` inclusive. */
export function eachDay(start: DateInput, end: DateInput): Date[] {
  const out: Date[] = [];
  let cur = startOf(start, "day");
  const last = startOf(end, "day");
  while (cur <= last) {
    out.push(cur);
    cur = add(cur, 1, "day");
  }
  return out;
}

/** A 6×7 grid of dates for rendering a month calendar, including leading/trailing days. */
export function calendarMonth(year: number, month: number, weekStartsOn: 0 | 1 = 1): Date[][] {
  const first = startOf(new Date(year, month, 1), "week", weekStartsOn);
  return Array.from({ length: 6 }, (_, w) =>
    Array.from({ length: 7 }, (_, i) => add(first, w * 7 + i, "day"))
  );
}

/** ISO-8601 week number (weeks start Monday; week 1 contains the first Thursday). */
export function isoWeek(input: DateInput): number {
  const d = startOf(input, "day");
  d.setDate(d.getDate() + 3 - ((d.getDay() + 6) % 7));
  const week1 = new Date(d.getFullYear(), 0, 4);
  return 1 + Math.round((diff(week1, d, "day") - 3 + ((week1.getDay() + 6) % 7)) / 7);
}

/** Human-friendly duration: 93_784_000 → "1d 2h 3m 4s". */
export function formatDuration(ms: number, { largest = 4 }: { largest?: number } = {}): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [label, size] of [["d", MS.day], ["h", MS.hour], ["m", MS.minute], ["s", MS.second]] as const) {
    const n = Math.floor(rest / size);
    if (n) parts.push(`${n}${label}`);
    rest -= n * size;
  }
  if (!parts.length) parts.push(`${rest}ms`);
  return sign + parts.slice(0, largest).join(" ");
}
