"""The size of a post's image when the site holds its file: an email sets every image's
width and height (Outlook shows an image without them at its own size, and a client that
loads images late would move the text about)."""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from feedwright.posts.model import Image, Post
from feedwright.site.model import Site

# Enough of an image file for its size: PNG, GIF and WebP give it in their first 30 bytes;
# a JPEG after its metadata (Exif, a colour profile), which can take tens of kilobytes.
_HEAD_BYTES = 262_144


def with_file_size(image: Image, post: Post, site: Site) -> Image:
    """``image`` with the width and height of its file, when its post gives no size and
    the site holds the file (the image's URL is the site's); as it is otherwise."""
    if image.width and image.height:
        return image
    size = local_image_size(image.url, post, site)
    return replace(image, width=size[0], height=size[1]) if size else image


def local_image_size(url: str, post: Post, site: Site) -> tuple[int, int] | None:
    """The width and height of the image file at ``url`` (an image of ``post``), when the
    site holds it; None otherwise."""
    return next(
        (size for path in _local_files(url, post, site) if (size := _file_size(path))), None
    )


def _local_files(url: str, post: Post, site: Site) -> list[Path]:
    """Where the site may hold the file of ``url``: under its folder at the URL's path (a
    Jekyll site, which copies its files as they are), under Hugo's ``static/``, or beside
    the post (a Hugo page bundle's resources)."""
    base = urlsplit(site.base_url + "/")
    address = urlsplit(url)
    if (address.scheme, address.netloc) != (base.scheme, base.netloc):
        return []
    if not address.path.startswith(base.path):
        return []
    relative = unquote(address.path[len(base.path) :])
    if not relative or ".." in relative.split("/"):
        return []
    name = relative.rsplit("/", 1)[-1]
    return [site.root / relative, site.root / "static" / relative, post.source.parent / name]


def _file_size(path: Path) -> tuple[int, int] | None:
    try:
        with path.open("rb") as handle:
            return image_size(handle.read(_HEAD_BYTES))
    except OSError:
        return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """The width and height in pixels of a PNG, GIF, JPEG or WebP image from its first
    bytes; None for another kind, or one that says no size."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        size = struct.unpack(">II", data[16:24])
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        size = struct.unpack("<HH", data[6:10])
    elif data.startswith(b"\xff\xd8"):
        found = _jpeg_size(data)
        if found is None:
            return None
        size = found
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        found = _webp_size(data)
        if found is None:
            return None
        size = found
    else:
        return None
    width, height = size
    return (width, height) if width > 0 and height > 0 else None


# The JPEG markers of a frame's start, which carry the size (SOF0 to SOF15 but for DHT,
# JPG and DAC, which share the range).
_FRAME_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """A JPEG's size from its frame header, found by stepping from segment to segment."""
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # padding before a marker
            position += 1
            continue
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker in _FRAME_MARKERS:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """A WebP's size from its first chunk: lossy (VP8), lossless (VP8L) or extended (VP8X)."""
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None
