"""A post's content made fit for an email: links absolute, nothing that runs or submits,
images no wider than the digest's column."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

# Elements a mail client would run, embed or submit, or that would restyle the whole
# message: dropped with what they hold.
_DROPPED = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "select", "textarea", "link", "meta", "base", "svg", "math", "template",
    "noscript", "title",
}  # fmt: skip
_URL_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "poster", "background")
_SAFE_SCHEMES = ("http", "https", "mailto")
# HTML5's empty elements that lxml's parser (libxml2's, which knows HTML 4) does not know
# as empty: it would put what follows one inside it (the <img> of a <picture> inside its
# <source>). Each is closed where it starts before parsing, and the end tags, which HTML5
# has none of, are left out after writing.
_HTML5_EMPTY_TAG = re.compile(r"<(source|track|wbr)\b[^>]*>", re.IGNORECASE)
_HTML5_EMPTY_END = re.compile(r"</(?:source|track|wbr)>", re.IGNORECASE)


def close_empty_elements(html: str) -> str:
    """``html`` with each of HTML5's empty elements that lxml does not know closed where it
    starts, for lxml (or premailer, which parses with it) to read."""
    return _HTML5_EMPTY_TAG.sub(lambda tag: f"{tag.group(0)}</{tag.group(1)}>", html)


def drop_empty_end_tags(html: str) -> str:
    """What lxml wrote of ``close_empty_elements``'s HTML, without the end tags it added."""
    return _HTML5_EMPTY_END.sub("", html)


def _parse(html: str) -> lxml.html.HtmlElement:
    """An HTML fragment as a <div> of its elements, HTML5's empty ones kept empty."""
    return lxml.html.fragment_fromstring(close_empty_elements(html), create_parent="div")


# The width and height of the image at a URL, when they can be known (see posts.images).
ImageSizes = Callable[[str], "tuple[int, int] | None"]


def email_html(
    html: str,
    base_url: str,
    column_width: int,
    link_class: str = "",
    sizes: ImageSizes | None = None,
) -> str:
    """``html`` (a post's rendered content) as an email shows it: every link absolute
    against ``base_url``; scripts, frames, forms, event handlers and links that are not
    http(s) or mailto left out; each image at most ``column_width`` pixels wide, its
    height scaled with it, and shrinking on narrow screens. Links without a class of
    their own get ``link_class``, so that a template can colour them and leave the
    post's own buttons alone. An image without a width and height of its own takes them
    from ``sizes``, when it knows them."""
    if not html.strip():
        return ""
    root = _parse(html)
    root.make_links_absolute(base_url, resolve_base_href=False, handle_failures="ignore")
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # a comment or processing instruction
            if element is not root and element.getparent() is not None:
                element.drop_tree()
        elif element.tag in _DROPPED:
            element.drop_tree()
        else:
            _clean_attributes(element)
            if element.tag == "img":
                _size_image(element, column_width, sizes)
            elif element.tag == "a" and link_class and not element.get("class"):
                element.set("class", link_class)
    inner = [root.text] if root.text else []
    inner.extend(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return drop_empty_end_tags("".join(inner))


def _clean_attributes(element: lxml.html.HtmlElement) -> None:
    for name in list(element.attrib):
        value = element.attrib[name]
        if name.lower().startswith("on") or name.lower() == "srcset":
            del element.attrib[name]  # a srcset's other sizes would undo the email's width
        elif name.lower() in _URL_ATTRIBUTES and urlsplit(value.strip()).scheme not in (
            _SAFE_SCHEMES
        ):
            del element.attrib[name]


def _size_image(image: lxml.html.HtmlElement, column_width: int, sizes: ImageSizes | None) -> None:
    """At most the column's width (Outlook reads the attribute), the height scaled with it
    when both are known (from the file's size where the HTML gives none); in every client
    the CSS lets it shrink with the screen."""
    width = _pixels(image.get("width"))
    height = _pixels(image.get("height"))
    if (width is None or height is None) and sizes is not None:
        width, height = _with_natural_size(width, height, sizes(image.get("src") or ""))
    if width is not None and width > column_width:
        if height is not None:
            height = round(height * column_width / width)
        width = column_width
    if width is not None:
        image.set("width", str(width))
        if height is not None:
            image.set("height", str(height))
    elif "height" in image.attrib:
        del image.attrib["height"]  # a height alone would stretch the image
    image.set("style", "display: block; max-width: 100%; height: auto; border: 0;")
    if image.get("alt") is None:
        image.set("alt", "")  # without one, a screen reader reads the file name


def _with_natural_size(
    width: int | None, height: int | None, natural: tuple[int, int] | None
) -> tuple[int | None, int | None]:
    """The width and height the HTML gives, the missing one (or both) from the image's
    ``natural`` size, in its proportions."""
    if natural is None:
        return width, height
    natural_width, natural_height = natural
    if width is None and height is None:
        return natural
    if width is None:
        assert height is not None
        return round(natural_width * height / natural_height), height
    return width, round(natural_height * width / natural_width)


def _pixels(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    number = int(value.strip())
    return number if number > 0 else None


def html_paragraphs(html: str) -> list[str]:
    """The visible text of an HTML fragment, one string per block (paragraph, heading,
    list item…), whitespace collapsed: the content as the text part shows it."""
    if not html.strip():
        return []
    root = _parse(html)
    blocks: list[str] = []
    if root.text and root.text.strip():
        blocks.append(" ".join(root.text.split()))
    for child in root:
        if not isinstance(child.tag, str):
            continue
        items = child.findall(".//li") if child.tag in ("ul", "ol") else [child]
        for item in items:
            text = " ".join(item.text_content().split())
            if text:
                blocks.append(f"* {text}" if item.tag == "li" else text)
    return blocks
