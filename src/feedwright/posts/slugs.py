"""Slugs for URLs (Jekyll's rules) and for file names (safe on every file system)."""

from __future__ import annotations

import hashlib
import unicodedata

import regex

# Jekyll's Utils.slugify: "default" keeps letters, marks and digits; "pretty" also keeps
# the URL-safe punctuation ._~!$&'()+,;=@ .
_DEFAULT = regex.compile(r"[^\p{M}\p{L}\p{Nd}]+")
_PRETTY = regex.compile(r"[^\p{M}\p{L}\p{Nd}._~!$&'()+,;=@]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{d}{n}" for d in ("com", "lpt") for n in range(10)
}
# A file name may have 255 bytes (ext4, XFS, Btrfs, APFS; NTFS counts 255 UTF-16 units,
# never more units than UTF-8 has bytes). A feed's file name is its slug, perhaps a
# uniqueness suffix, and an extension; while it is written, the writer's temporary file
# (see writer.write_atomic) has a dot before that name and 13 characters after it.
_NAME_BYTES = 255
_SUFFIX_BYTES = len("-") + 8  # and 8 hex digits of a hash
_EXTENSION_BYTES = 16  # ".atom", ".json", or the longer extension of a configured name
_TEMPORARY_BYTES = len(".") + len(".12345678.tmp")
MAX_FILE_SLUG_BYTES = _NAME_BYTES - _SUFFIX_BYTES - _EXTENSION_BYTES - _TEMPORARY_BYTES


def jekyll_slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Slugify like Jekyll: runs of other characters become one hyphen, ends trimmed."""
    pattern = _PRETTY if mode == "pretty" else _DEFAULT
    slug: str = pattern.sub("-", text).strip("-")
    return slug if cased else slug.lower()


def file_slug(name: str) -> str:
    """A file name stem for ``name`` that cannot leave its folder or clash with a device.

    Letters of any script are kept; path separators, dots and punctuation are not. A name
    with nothing usable left gets a stable name made from its hash. A long one is cut to
    MAX_FILE_SLUG_BYTES of UTF-8, between two characters.
    """
    text = unicodedata.normalize("NFKC", name).lower()
    slug: str = _DEFAULT.sub("-", text).strip("-")
    # Cut as bytes, the unit of file systems' limit; "ignore" drops a character cut in two.
    slug = slug.encode()[:MAX_FILE_SLUG_BYTES].decode("utf-8", "ignore").strip("-")
    if not slug:
        return "x-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    if slug in _WINDOWS_RESERVED:
        return slug + "-"
    return slug


def unique_file_slugs(names: list[str]) -> dict[str, str]:
    """Map each name to a file slug, giving later names in sorted order a hash suffix when
    two names would share one (``C++`` and ``C#`` both slugify to ``c``; two long names that
    start alike are cut to one slug)."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(names)):
        slug = file_slug(name)
        if slug in taken:
            slug = f"{slug}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"
        taken.add(slug)
        result[name] = slug
    return result
