"""Text in, text out: decoding files, cleaning scraped text, folding for matching.

Three forms of a document exist:
- raw: the decoded file, exactly as stored; chunk offsets point into it;
- clean: raw minus noise (pinyin ruby annotations, stray whitespace), in the
  document's own script; this is what users are shown;
- folded: clean text in Simplified script with half-width letters, digits and
  punctuation; used only for matching (BM25, overlap), never shown.
Folding keeps the length, so a position in folded text is the same position in
clean text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .messages import t
from .records import QAError


class DocumentError(QAError, ValueError):
    """A file that cannot be read as text; the message is for users, in the interface's
    language (qa/messages.py, key ``document.<code>``), the code (empty, binary,
    undecodable, too_large, no_text, unreadable) for programs."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code

    @classmethod
    def of(cls, code: str, **values) -> "DocumentError":
        """The error ``code`` with its message from the table."""
        return cls(t(f"document.{code}", **values), code)


# ---------------------------------------------------------------- decoding

# The most frequent Chinese characters in both scripts.  A wrong decoding of
# GBK as Big5 (or back) yields rare characters, so the share of these decides.
_COMMON_HANZI = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相"
    "全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果"
    "料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则"
    "任取据处府研市省县会议标准局委书记领导服务城试"
    "為個國時來們會對發動過說產種後學經進著電裡實點從業應還當與關線內數變條沒結題黨總設區強決戰則據處員頭資邊級圖統較將組見計別論運"
    "農幾質氣議標準書記領導務試縣現開問"
)
_PRINTABLE_CONTROL = set("\n\r\t\f")


def decode_bytes(data: bytes, name: str = "file") -> str:
    """Decode a text file of unknown encoding, or raise DocumentError.

    Handles UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK and Big5.
    """
    if not data.strip():
        raise DocumentError.of("empty", name=name)
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _checked_text(data.decode(encoding, errors="strict"), name)
    if b"\x00" in data:
        text = _try_utf16_without_bom(data)
        if text is None:
            raise DocumentError.of("binary", name=name)
        return _checked_text(text, name)
    try:
        return _checked_text(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5hkscs"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), text))
    if not candidates:
        raise DocumentError.of("undecodable", name=name)
    return _checked_text(max(candidates, key=lambda c: c[0])[1], name)


def _try_utf16_without_bom(data: bytes) -> str | None:
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        ascii_share = sum(ch.isascii() and (ch.isprintable() or ch in _PRINTABLE_CONTROL) for ch in text) / len(text)
        if _plausibility(text) > 0.3 or ascii_share > 0.95:
            return text
    return None


def _plausibility(text: str) -> float:
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not hanzi:
        return 0.0
    return sum(ch in _COMMON_HANZI for ch in hanzi) / len(hanzi)


def _checked_text(text: str, name: str) -> str:
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in _PRINTABLE_CONTROL)
    if bad > max(3, len(text) // 100):
        raise DocumentError.of("binary", name=name)
    if not text.strip():
        raise DocumentError.of("empty", name=name)
    return text


# ---------------------------------------------------------------- cleaning

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A parenthesised pinyin reading glued after a Chinese character: 質(zhì)量.
# Requiring a tone mark in every syllable keeps real parentheticals such as
# (2011-2020年) or (AI) untouched.
_SYLLABLE = rf"[a-zü]*[{_TONE_VOWELS}][a-zü]*"
_RUBY = re.compile(rf"(?<=[\u3400-\u9fff])[(（]\s*{_SYLLABLE}(?:\s+{_SYLLABLE})*\s*[)）]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


@dataclass(frozen=True)
class CleanText:
    text: str
    # positions[i] is the index in the raw text of text[i].
    positions: tuple[int, ...]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the clean text to the raw text."""
        if start >= end:
            raise ValueError("empty span")
        return self.positions[start], self.positions[end - 1] + 1


def clean(raw: str) -> CleanText:
    """Remove pinyin ruby annotations and tidy whitespace, remembering positions."""
    keep = [True] * len(raw)
    for match in _RUBY.finditer(raw):
        for i in range(match.start(), match.end()):
            keep[i] = False
    out: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(raw):
        if not keep[i] or ord(ch) in _INVISIBLE or ch == "\r":
            continue
        if ch in "\t\u00a0\u3000 " or (ch.isspace() and ch != "\n"):
            ch = " "
        out.append(ch)
        positions.append(i)
    return _tidy_whitespace("".join(out), positions)


def _tidy_whitespace(text: str, positions: list[int]) -> CleanText:
    """Drop spaces at line ends and between Chinese characters, and blank-line runs."""
    keep_chars: list[str] = []
    keep_pos: list[int] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == " ":
            prev = keep_chars[-1] if keep_chars else "\n"
            nxt = text[i + 1] if i + 1 < n else "\n"
            if prev in " \n" or nxt in " \n" or (_is_cjk(prev) and _is_cjk(nxt)):
                continue
        if ch == "\n" and len(keep_chars) >= 2 and keep_chars[-1] == "\n" and keep_chars[-2] == "\n":
            continue
        keep_chars.append(ch)
        keep_pos.append(positions[i])
    while keep_chars and keep_chars[-1] in " \n":
        keep_chars.pop()
        keep_pos.pop()
    start = 0
    while start < len(keep_chars) and keep_chars[start] in " \n":
        start += 1
    return CleanText("".join(keep_chars[start:]), tuple(keep_pos[start:]))


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


# ---------------------------------------------------------------- folding


@lru_cache(maxsize=4)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


_FULL_TO_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_TO_HALF[0x3000] = 0x20


def to_simplified(text: str) -> str:
    converted = _converter("t2s").convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length; convert per character so positions hold.
    return "".join(_converter("t2s").convert(ch) or ch for ch in text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def fold(text: str) -> str:
    """Simplified script, half-width ASCII, lower case; same length as the input."""
    return to_simplified(text).translate(_FULL_TO_HALF).lower()


def script_of(text: str) -> str:
    """'hant', 'hans' or 'en': the script a question is written in."""
    hanzi = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if latin > 3 * hanzi:  # English, perhaps naming a Chinese term: "Who is 袁隆平?"
        return "en"
    if hanzi == 0:
        return "hans"
    simplified = to_simplified(text)
    changed = sum(1 for a, b in zip(text, simplified) if a != b)
    if changed:
        return "hant"
    return "hans"


def in_script(text: str, script: str) -> str:
    """Render document text in the script of the question (English keeps the source)."""
    if script == "hans":
        return to_simplified(text)
    if script == "hant":
        return to_traditional(text)
    return text
