#!/usr/bin/env python3
"""Where the studio page's wasm goes: code bytes per crate (and per module of our crates), the
data section, and the largest functions, read from the name section of the unstripped build
that `cargo xtask bundle` leaves in target/ before wasm-bindgen and wasm-opt.

    python3 tests/bench/wasm-profile.py [target/wasm32-unknown-unknown/web/kiln_web.wasm] [--top N]

Sizes are of that build, before wasm-opt (which shrinks the shipped file by about a fifth);
shares are what to compare. A twiggy-like profile with no tool to install.
"""
import re
import subprocess
import sys
from collections import Counter


def leb(buf, i):
    result = shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def sections(buf):
    assert buf[:4] == b"\0asm", "not a wasm module"
    i = 8
    while i < len(buf):
        sid = buf[i]
        size, j = leb(buf, i + 1)
        yield sid, buf[j:j + size]
        i = j + size


def imported_functions(body):
    count, i = leb(body, 0)
    funcs = 0
    for _ in range(count):
        for _ in range(2):  # module and field names
            n, i = leb(body, i)
            i += n
        kind = body[i]
        i += 1
        if kind == 0:
            _, i = leb(body, i)
            funcs += 1
        elif kind == 1:
            i += 1
            flags, i = leb(body, i)
            _, i = leb(body, i)
            if flags & 1:
                _, i = leb(body, i)
        elif kind == 2:
            flags, i = leb(body, i)
            _, i = leb(body, i)
            if flags & 1:
                _, i = leb(body, i)
        elif kind == 3:
            i += 2
        else:
            raise ValueError(f"import kind {kind}")
    return funcs


def function_names(body):
    n, i = leb(body, 0)
    assert body[i:i + n] == b"name"
    i += n
    names = {}
    while i < len(body):
        sub = body[i]
        size, i = leb(body, i + 1)
        end = i + size
        if sub == 1:
            count, j = leb(body, i)
            for _ in range(count):
                idx, j = leb(body, j)
                ln, j = leb(body, j)
                names[idx] = body[j:j + ln].decode("utf-8", "replace")
                j += ln
        i = end
    return names


def demangle_legacy(name):
    # _ZN4core3fmt5write17h…E → core::fmt::write
    if not name.startswith("_ZN"):
        return name
    parts, i = [], 3
    while i < len(name) and name[i].isdigit():
        j = i
        while name[j].isdigit():
            j += 1
        n = int(name[i:j])
        parts.append(name[j:j + n])
        i = j + n
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    text = "::".join(parts)
    for code, char in (("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"),
                       ("$LP$", "("), ("$RP$", ")"), ("$C$", ","), ("$u7b$", "{"),
                       ("$u7d$", "}"), ("$BP$", "*"), ("$u27$", "'"), ("..", "::")):
        text = text.replace(code, char)
    return text


def demangle(names):
    """Readable names. The bundle's build has v0 names (it sets RUSTC_BOOTSTRAP, and the
    compiler then mangles as on nightly); binutils' c++filt, which rustc's linker brings
    along, reads those. Legacy names are read here."""
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True,
                             text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        out = names
    if len(out) != len(names):
        out = names
    # Drop the crate hashes c++filt keeps: kiln_web[507fe5210275ec9c]::turns → kiln_web::turns.
    return [re.sub(r"\[[0-9a-f]{16}\]", "", demangle_legacy(n)) for n in out]


def v0_path(name):
    # _RNvNtCs…_4core3fmt5write: the first crate root, `C`, an optional `s<hash>_`, `<len><name>`;
    # the identifier after it is the module right below the crate (`fmt`), as paths nest inward.
    m = re.search(r"C(?:s[0-9A-Za-z]*_)?(\d+)", name[2:])
    if not m:
        return None, None
    n, at = int(m.group(1)), 2 + m.end()
    crate = name[at:at + n]
    m = re.match(r"(?:s[0-9A-Za-z]*_)?(\d+)", name[at + n:])
    if not m:
        return crate, None
    k, at = int(m.group(1)), at + n + m.end()
    return crate, name[at:at + k]


def owner(name, depth):
    """The crate (and for ours, the module) a function belongs to, from its path."""
    if name.startswith("_R"):
        crate, module = v0_path(name)
        if crate and crate.startswith("kiln_") and module and depth > 1:
            return f"{crate}::{module}"
        return crate or "?"
    if "wbindgen_describe" in name or name.startswith("__wbg_"):
        return "(wasm-bindgen glue descriptors: removed by wasm-bindgen)"
    name = demangle_legacy(name).lstrip("_")
    # `<T as Trait>::f` belongs to T's crate (`<&mut T as …>` too); to the trait's when T is a
    # generic parameter or a tuple, which names no crate.
    path = name
    m = re.match(r"<(?:&(?:mut )?)?(?:dyn )?(.*?) as (?:&(?:mut )?)?([\w:]+)", name)
    if m:
        own, trait = m.group(1), m.group(2)
        path = own if re.match(r"[a-z_]\w*::", own) else trait
    elif name.startswith("<"):
        path = name.lstrip("<&*(").removeprefix("mut ").removeprefix("dyn ")
    segs = [s for s in path.split("::") if s]
    if not segs:
        return "?"
    if segs[0].startswith("kiln_") and len(segs) > 1 and depth > 1:
        return "::".join(segs[:2])
    return segs[0] if re.fullmatch(r"[A-Za-z_]\w*", segs[0]) else "(unnamed)"


def main():
    argv = sys.argv[1:]
    top = 25
    if "--top" in argv:
        k = argv.index("--top")
        top = int(argv[k + 1])
        del argv[k:k + 2]
    args = argv
    path = args[0] if args else "target/wasm32-unknown-unknown/web/kiln_web.wasm"
    buf = open(path, "rb").read()
    imports, code, data, names = 0, None, 0, {}
    other = Counter()
    for sid, body in sections(buf):
        if sid == 2:
            imports = imported_functions(body)
        elif sid == 10:
            code = body
        elif sid == 11:
            data = len(body)
        elif sid == 0:
            n, i = leb(body, 0)
            if body[i:i + n] == b"name":
                names = function_names(body)
            else:
                other["custom " + body[i:i + n].decode("utf-8", "replace")] += len(body)
        else:
            other[f"section {sid}"] += len(body)
    count, i = leb(code, 0)
    sizes = []
    for k in range(count):
        size, j = leb(code, i)
        sizes.append((size, names.get(imports + k, f"func[{imports + k}]")))
        i = j + size
    glue = "(wasm-bindgen glue descriptors: removed by wasm-bindgen)"
    dropped = sum(s for s, n in sizes if owner(n, 1) == glue)
    sizes = [(s, n) for s, n in sizes if owner(n, 1) != glue]
    total_code = sum(s for s, _ in sizes)
    print(f"{path}: {len(buf):,} bytes; code {total_code:,} in {len(sizes):,} functions that "
          f"ship (and {dropped:,} of descriptors wasm-bindgen removes); data {data:,}")
    for what, depth in (("crate", 1), ("crate, and module for Kiln's own", 2)):
        by = Counter()
        for size, name in sizes:
            by[owner(name, depth)] += size
        print(f"\ncode by {what}:")
        for name, size in by.most_common(top):
            print(f"  {size:>9,}  {100 * size / total_code:5.1f}%  {name}")
    print(f"\nlargest functions:")
    largest = sorted(sizes, reverse=True)[:top]
    for (size, _), name in zip(largest, demangle([n for _, n in largest])):
        print(f"  {size:>9,}  {name[:110]}")


if __name__ == "__main__":
    main()
