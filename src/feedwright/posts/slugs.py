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
_MAX_FILE_SLUG = 80


def jekyll_slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Slugify like Jekyll: runs of other characters become one hyphen, ends trimmed."""
    pattern = _PRETTY if mode == "pretty" else _DEFAULT
    slug: str = pattern.sub("-", text).strip("-")
    return slug if cased else slug.lower()


def file_slug(name: str) -> str:
    """A file name stem for ``name`` that cannot leave its folder or clash with a device.

    Letters of any script are kept; path separators, dots and punctuation are not. A name
    with nothing usable left gets a stable name made from its hash.
    """
    text = unicodedata.normalize("NFKC", name).lower()
    slug: str = _DEFAULT.sub("-", text).strip("-")[:_MAX_FILE_SLUG].strip("-")
    if not slug:
        return "x-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    if slug in _WINDOWS_RESERVED:
        return slug + "-"
    return slug


def unique_file_slugs(names: list[str]) -> dict[str, str]:
    """Map each name to a file slug, giving later names in sorted order a hash suffix when
    two names would share one (``C++`` and ``C#`` both slugify to ``c``)."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(names)):
        slug = file_slug(name)
        if slug in taken:
            slug = f"{slug}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"
        taken.add(slug)
        result[name] = slug
    return result
