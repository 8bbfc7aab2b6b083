#!/usr/bin/env python3
"""Rename photos by the date they were taken.

Reads the EXIF ``DateTimeOriginal`` tag straight out of JPEG files (no Pillow
needed — just the standard library) and renames them to a sortable pattern
such as ``2024-07-14_18-32-05.jpg``. Files without EXIF data fall back to the
file's modification time, unless ``--skip-missing`` is given.

Examples:
    python rename_photos.py ~/Pictures/trip            # dry run, shows plan
    python rename_photos.py ~/Pictures/trip --apply    # actually rename
    python rename_photos.py . -r --format "%Y/%m/%Y%m%d_%H%M%S" --apply
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

JPEG_EXTS = {".jpg", ".jpeg", ".jpe"}
OTHER_EXTS = {".png", ".heic", ".heif", ".tif", ".tiff", ".webp", ".mov", ".mp4"}

# EXIF tag IDs we care about
TAG_EXIF_IFD = 0x8769
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004

EXIF_DATE_FORMAT = "%Y:%m:%d %H:%M:%S"


@dataclass
class Plan:
    source: Path
    target: Path
    taken: datetime
    origin: str  # "exif" or "mtime"


def _read_ifd(data: bytes, offset: int, endian: str) -> dict[int, tuple[int, int, bytes]]:
    """Return {tag: (type, count, raw_value_or_offset)} for one IFD."""
    entries: dict[int, tuple[int, int, bytes]] = {}
    if offset + 2 > len(data):
        return entries
    (count,) = struct.unpack_from(endian + "H", data, offset)
    for i in range(count):
        pos = offset + 2 + i * 12
        if pos + 12 > len(data):
            break
        tag, typ, n = struct.unpack_from(endian + "HHI", data, pos)
        entries[tag] = (typ, n, data[pos + 8 : pos + 12])
    return entries


def _ascii_value(data: bytes, entry: tuple[int, int, bytes], endian: str) -> str | None:
    typ, count, raw = entry
    if typ != 2:  # ASCII
        return None
    if count <= 4:
        value = raw[:count]
    else:
        (off,) = struct.unpack(endian + "I", raw)
        value = data[off : off + count]
    return value.rstrip(b"\x00").decode("ascii", errors="ignore").strip() or None


def _parse_tiff(tiff: bytes) -> datetime | None:
    if len(tiff) < 8:
        return None
    endian = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if endian is None:
        return None
    (ifd0_offset,) = struct.unpack_from(endian + "I", tiff, 4)
    ifd0 = _read_ifd(tiff, ifd0_offset, endian)

    candidates: list[str | None] = []
    if TAG_EXIF_IFD in ifd0:
        (exif_offset,) = struct.unpack(endian + "I", ifd0[TAG_EXIF_IFD][2])
        exif = _read_ifd(tiff, exif_offset, endian)
        for tag in (TAG_DATETIME_ORIGINAL, TAG_DATETIME_DIGITIZED):
            if tag in exif:
                candidates.append(_ascii_value(tiff, exif[tag], endian))
    if TAG_DATETIME in ifd0:
        candidates.append(_ascii_value(tiff, ifd0[TAG_DATETIME], endian))

    for text in candidates:
        if not text or text.startswith("0000"):
            continue
        try:
            return datetime.strptime(text[:19], EXIF_DATE_FORMAT)
        except ValueError:
            continue
    return None


def exif_datetime(path: Path) -> datetime | None:
    """Extract the capture date from a JPEG's APP1/Exif segment."""
    try:
        with path.open("rb") as fh:
            if fh.read(2) != b"\xff\xd8":
                return None
            while True:
                marker = fh.read(2)
                if len(marker) < 2 or marker[0] != 0xFF:
                    return None
                if marker[1] in (0xD9, 0xDA):  # end of image / start of scan
                    return None
                length_bytes = fh.read(2)
                if len(length_bytes) < 2:
                    return None
                (length,) = struct.unpack(">H", length_bytes)
                segment = fh.read(length - 2)
                if marker[1] == 0xE1 and segment.startswith(b"Exif\x00\x00"):
                    return _parse_tiff(segment[6:])
    except (OSError, struct.error):
        return None


def taken_at(path: Path, use_mtime: bool) -> tuple[datetime, str] | None:
    if path.suffix.lower() in JPEG_EXTS:
        dt = exif_datetime(path)
        if dt:
            return dt, "exif"
    if use_mtime:
        return datetime.fromtimestamp(path.stat().st_mtime), "mtime"
    return None


def unique_target(target: Path, reserved: set[Path]) -> Path:
    """Append _1, _2, ... if the name is taken on disk or by another planned rename."""
    candidate, n = target, 1
    while candidate in reserved or candidate.exists():
        candidate = target.with_name(f"{target.stem}_{n}{target.suffix}")
        n += 1
    return candidate


def build_plan(root: Path, recursive: bool, fmt: str, use_mtime: bool, prefix: str) -> tuple[list[Plan], list[Path]]:
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in root.glob(pattern) if p.is_file() and p.suffix.lower() in JPEG_EXTS | OTHER_EXTS)

    plans: list[Plan] = []
    skipped: list[Path] = []
    reserved: set[Path] = set()

    for path in files:
        info = taken_at(path, use_mtime)
        if info is None:
            skipped.append(path)
            continue
        dt, origin = info
        new_stem = prefix + dt.strftime(fmt)
        ext = path.suffix.lower().replace(".jpeg", ".jpg").replace(".jpe", ".jpg")
        target = path.parent / f"{new_stem}{ext}"

        if target == path:
            continue  # already named correctly
        target = unique_target(target, reserved)
        reserved.add(target)
        plans.append(Plan(path, target, dt, origin))
    return plans, skipped


def apply_plan(plans: list[Plan]) -> int:
    done = 0
    for plan in plans:
        plan.target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(plan.source, plan.target)
            done += 1
        except OSError as exc:
            print(f"  ! could not rename {plan.source.name}: {exc}", file=sys.stderr)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rename photos using their EXIF capture date.")
    parser.add_argument("folder", type=Path, help="folder containing photos")
    parser.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    parser.add_argument("--format", default="%Y-%m-%d_%H-%M-%S",
                        help="strftime pattern for the new name (may contain / for subfolders)")
    parser.add_argument("--prefix", default="", help="text to put before the date, e.g. 'IMG_'")
    parser.add_argument("--skip-missing", action="store_true",
                        help="skip files without EXIF dates instead of using modification time")
    parser.add_argument("--apply", action="store_true", help="perform the renames (default is a dry run)")
    args = parser.parse_args(argv)

    root = args.folder.expanduser().resolve()
    if not root.is_dir():
        parser.error(f"{root} is not a directory")

    plans, skipped = build_plan(root, args.recursive, args.format, not args.skip_missing, args.prefix)

    if not plans:
        print("Nothing to rename.")
    for plan in plans:
        rel_src = plan.source.relative_to(root)
        rel_dst = plan.target.relative_to(root)
        flag = "" if plan.origin == "exif" else "  (from file mtime)"
        print(f"{rel_src}  →  {rel_dst}{flag}")

    if skipped:
        print(f"\nSkipped {len(skipped)} file(s) with no capture date:")
        for path in skipped[:10]:
            print(f"  - {path.relative_to(root)}")
        if len(skipped) > 10:
            print(f"  … and {len(skipped) - 10} more")

    if not args.apply:
        if plans:
            print(f"\nDry run: {len(plans)} file(s) would be renamed. Re-run with --apply to do it.")
        return 0

    done = apply_plan(plans)
    print(f"\nRenamed {done} of {len(plans)} file(s).")
    return 0 if done == len(plans) else 1


if __name__ == "__main__":
    sys.exit(main())
