// Pure helpers of the in-browser code runner (web/code-runner), kept free of DOM and worker
// APIs so that node can test them: the memory cap written into a runtime's module, and the
// byte budget shared by a run's stdout and stderr.
//
// The memory cap lives in the module itself rather than in a limiter (a browser has none):
// with a maximum on its memory, `memory.grow` past the cap fails inside the program, which
// then reports it the way it would on any machine (CPython raises MemoryError, QuickJS throws),
// and the worker's memory can never pass the cap whatever the program does.

/** Bytes in a WebAssembly page. */
export const PAGE = 65536;
/** The most pages a 32-bit memory can have. */
export const MAX_PAGES = 65536;

/** An Error whose `code` says which kind of failure it was: 'malformed' or 'min'. */
function fail(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// An unsigned LEB128 of at most 32 bits at `at`: its value and the offset after it.
function readU32(bytes, at, end, what) {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (at >= end) throw fail('malformed', `malformed module: ${what} is cut short`);
    const b = bytes[at++];
    if (i === 4 && b > 0x0f) throw fail('malformed', `malformed module: ${what} does not fit in 32 bits`);
    // Multiplying keeps the value unsigned where `<<` would turn bit 31 into a sign.
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, at];
  }
  throw fail('malformed', `malformed module: ${what} is longer than 5 bytes`);
}

function writeU32(value) {
  const out = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

/**
 * A copy of the WebAssembly module `bytes` in which every memory it defines has a maximum of
 * at most `maxPages` pages: a memory without a maximum gets one, a larger maximum is lowered,
 * a smaller one is kept. The input is not modified.
 *
 * Throws an Error with `code` 'malformed' when the bytes are not a module this can read (bad
 * magic or version, a section running past the end, a memory section that does not parse, a
 * memory this cannot cap: shared or 64-bit) or define no memory, and with `code` 'min' when
 * a memory's initial size is already above the cap (it could not even be instantiated).
 *
 * @param {Uint8Array} bytes
 * @param {number} maxPages
 * @returns {Uint8Array}
 */
export function capMemory(bytes, maxPages) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('capMemory: bytes must be a Uint8Array');
  if (!Number.isInteger(maxPages) || maxPages < 0 || maxPages > MAX_PAGES) {
    throw new RangeError(`capMemory: maxPages must be an integer from 0 to ${MAX_PAGES}`);
  }
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) {
    throw fail('malformed', 'malformed module: not a WebAssembly 1.0 binary (bad magic or version)');
  }
  let at = 8;
  let found = null;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    let size;
    [size, at] = readU32(bytes, at, bytes.length, `the length of section ${id}`);
    if (size > bytes.length - at) {
      throw fail('malformed', `malformed module: section ${id} at byte ${start} runs past the end`);
    }
    if (id === 5) {
      if (found) throw fail('malformed', 'malformed module: two memory sections');
      found = { start, payload: at, end: at + size };
    }
    at += size;
  }
  if (!found) throw fail('malformed', 'the module defines no memory to cap (does it import one?)');

  const { start, payload, end } = found;
  const body = [];
  let p = payload;
  let count;
  [count, p] = readU32(bytes, p, end, 'the memory count');
  if (count === 0) throw fail('malformed', 'the module defines no memory to cap (does it import one?)');
  body.push(...writeU32(count));
  for (let i = 0; i < count; i++) {
    if (p >= end) throw fail('malformed', 'malformed module: the memory section is cut short');
    const flags = bytes[p++];
    if (flags & 0x02) throw fail('malformed', 'cannot cap a shared memory');
    if (flags & 0x04) throw fail('malformed', 'cannot cap a 64-bit memory');
    if (flags & ~0x01) throw fail('malformed', `malformed module: unknown memory flags 0x${flags.toString(16)}`);
    let min;
    const minAt = p;
    [min, p] = readU32(bytes, p, end, 'a memory minimum');
    const minBytes = Array.from(bytes.subarray(minAt, p));
    let max = maxPages;
    if (flags & 0x01) {
      let old;
      [old, p] = readU32(bytes, p, end, 'a memory maximum');
      max = Math.min(old, maxPages);
    }
    if (min > max) {
      throw fail('min', `the runtime starts with ${min} pages of memory (${min * PAGE} bytes), ` +
        `more than the cap of ${max} pages (${max * PAGE} bytes)`);
    }
    body.push(0x01, ...minBytes, ...writeU32(max));
  }
  if (p !== end) throw fail('malformed', 'malformed module: bytes left over in the memory section');

  const length = writeU32(body.length);
  const out = new Uint8Array(start + 1 + length.length + body.length + (bytes.length - end));
  out.set(bytes.subarray(0, start), 0);
  let o = start;
  out[o++] = 5;
  out.set(length, o);
  o += length.length;
  out.set(body, o);
  o += body.length;
  out.set(bytes.subarray(end), o);
  return out;
}

/**
 * The maximum of every memory a module defines, in pages (null where there is none), or
 * throws like capMemory on a module it cannot read. For tests and diagnostics.
 */
export function memoryLimits(bytes) {
  let at = 8;
  const limits = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = readU32(bytes, at, bytes.length, `the length of section ${id}`);
    if (id === 5) {
      let p = at;
      let count;
      [count, p] = readU32(bytes, p, at + size, 'the memory count');
      for (let i = 0; i < count; i++) {
        const flags = bytes[p++];
        let min;
        let max = null;
        [min, p] = readU32(bytes, p, at + size, 'a memory minimum');
        if (flags & 1) [max, p] = readU32(bytes, p, at + size, 'a memory maximum');
        limits.push({ min, max });
      }
    }
    at += size;
  }
  return limits;
}

/**
 * The output budget of a run, shared by stdout and stderr as one count of bytes. `take`
 * returns how many bytes of a write of `n` still fit (all of it, a part, or 0) and whether
 * the write went past the budget, which ends the run.
 */
export function outputBudget(limit) {
  let used = 0;
  return {
    take(n) {
      const fits = Math.max(0, Math.min(n, limit - used));
      used += fits;
      return { fits, over: fits < n };
    },
    get used() { return used; },
  };
}
