"""Web pages saved from a browser, with trafilatura (Apache-2.0): the article's text,
title and date without navigation, related links, footers, scripts and comments; its
sub-headings give the sections.  A page trafilatura finds no article in is read
whole, less scripts, styles, navigation, headers and footers."""

from __future__ import annotations

from typing import Iterator

from . import Headings, Loaded, assemble

_BLOCKS = {"p", "div", "li", "dd", "dt", "blockquote", "pre", "figcaption", "caption", "address", "td", "th"}
_NOISE = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg")


def load(data: bytes, name: str) -> Loaded:
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(data, output_format="xml", include_tables=True, include_comments=False,
                              with_metadata=True, include_formatting=False)
    if xml:
        doc = etree.fromstring(xml.encode("utf-8"))
        title, date = doc.get("title") or "", doc.get("date") or ""
        main = doc.find("main")
        items = list(_article_blocks(main)) if main is not None else []
    else:
        title, date, items = "", "", list(page_blocks(_parsed(data)))
    head = [(title, 0)] if title and not (items and items[0] == (title, 1)) else []
    head += [(date, 0)] if date and not any(date in text for text, _ in items[:3]) else []
    return with_sections(head + items, skip=title)


def with_sections(items: list[tuple[str, int]], skip: str = "", page: int | None = None) -> Loaded:
    """Blocks of (text, heading level or 0) as text whose pieces carry the path of the
    headings above them; a heading equal to ``skip`` (the document's title) starts no
    section."""
    headings = Headings()
    blocks = []
    for text, level in items:
        if level and text != skip:
            headings.enter(level, text)
        blocks.append((text, page, headings.path))
    return assemble(blocks)


def page_blocks(root) -> Iterator[tuple[str, int]]:
    """(text, heading level or 0) for each block of an HTML or XHTML element, in order;
    a table row is one block, its cells joined by " | "."""
    for element in list(root.iter(*(f"{{*}}{tag}" for tag in _NOISE), *_NOISE)):
        if element.getparent() is not None:
            element.getparent().remove(element)
    yield from _walk(root)


def _walk(element) -> Iterator[tuple[str, int]]:
    for child in element:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        tag = child.tag.rsplit("}", 1)[-1].lower()
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            yield _text(child), int(tag[1])
        elif tag == "tr":
            cells = [_text(c) for c in child if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1].lower() in ("td", "th")]
            if any(cells):
                yield " | ".join(cells), 0
        elif tag in _BLOCKS and not _has_blocks(child):
            yield _text(child), 0
        else:
            if child.text and child.text.strip() and tag not in ("table", "tbody", "thead", "ul", "ol", "dl"):
                yield " ".join(child.text.split()), 0
            yield from _walk(child)
        if child.tail and child.tail.strip() and child.getparent() is not None and \
                child.getparent().tag.rsplit("}", 1)[-1].lower() in _BLOCKS | {"body", "section", "article", "main"}:
            yield " ".join(child.tail.split()), 0


def _has_blocks(element) -> bool:
    return any(isinstance(e.tag, str) and (e.tag.rsplit("}", 1)[-1].lower() in _BLOCKS | {"table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
               for e in element.iterdescendants())


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _parsed(data: bytes):
    import lxml.html

    root = lxml.html.document_fromstring(data)
    body = root.find("body")
    return body if body is not None else root


def _article_blocks(main) -> Iterator[tuple[str, int]]:
    """trafilatura's XML: head (rend="h2"), p, list/item, table/row/cell, quote, code."""
    for child in main:
        tag = child.tag
        if tag == "head":
            rend = child.get("rend", "h2")
            yield _text(child), int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 2
        elif tag == "list":
            yield from ((_text(item), 0) for item in child if item.tag == "item")
        elif tag == "table":
            for row in child.iter("row"):
                cells = [_text(cell) for cell in row if cell.tag == "cell"]
                if any(cells):
                    yield " | ".join(cells), 0
        else:
            yield _text(child), 0
