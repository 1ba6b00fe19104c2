"""EPUB, read as what it is (a zip of XHTML files listed in an OPF package) with the
standard library's zipfile and lxml (BSD): chapters in spine order, each under its
title (its first heading, else its <title>), with the chapter's own sub-headings
below it.  ebooklib would do the same under the AGPL, which this project avoids."""

from __future__ import annotations

import posixpath
import zipfile
from io import BytesIO

from ..text import DocumentError
from . import Loaded
from .html import page_blocks, with_sections

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_XHTML = ("application/xhtml+xml", "text/html")


def load(data: bytes, name: str) -> Loaded:
    import lxml.html
    from lxml import etree

    with zipfile.ZipFile(BytesIO(data)) as book:
        container = etree.fromstring(book.read("META-INF/container.xml"))
        rootfile = container.find(f".//{_CONTAINER}rootfile")
        if rootfile is None:
            raise DocumentError.of("corrupt", name=name, kind="EPUB")
        opf_path = rootfile.get("full-path", "")
        package = etree.fromstring(book.read(opf_path))
        base = posixpath.dirname(opf_path)
        manifest = {item.get("id"): item for item in package.iter(f"{_OPF}item")}
        items: list[tuple[str, int]] = []
        for ref in package.iter(f"{_OPF}itemref"):
            item = manifest.get(ref.get("idref"))
            if item is None or item.get("media-type") not in _XHTML or "nav" in (item.get("properties") or "").split():
                continue
            href = posixpath.normpath(posixpath.join(base, item.get("href", "").split("#")[0]))
            items += _chapter(lxml.html.fromstring(book.read(href)))
    return with_sections(items)


def _chapter(root) -> list[tuple[str, int]]:
    """A chapter's blocks, its title made the top heading (level 1) and the headings
    under it one level lower each, whatever levels the book used."""
    body = root.find(".//{*}body")
    if body is None:
        body = root.find(".//body")
    blocks = [b for b in page_blocks(body if body is not None else root) if b[0]]
    levels = sorted({level for _, level in blocks if level})
    if not levels:
        title = root.findtext(".//{*}title") or root.findtext(".//title") or ""
        return ([(title.strip(), 1)] if title.strip() else []) + blocks
    depth = {level: n + 1 for n, level in enumerate(levels)}
    return [(text, depth[level] if level else 0) for text, level in blocks]
