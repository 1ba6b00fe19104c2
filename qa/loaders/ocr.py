"""Text of scanned pages, with RapidOCR on ONNX Runtime (the ``ocr`` extra:
``pip install -e '.[ocr]'``).  Its PP-OCR detection and recognition models ship inside
the rapidocr-onnxruntime wheel, so nothing is downloaded; without the extra this module
says so (``available()``) and scanned pages are named instead of read."""

from __future__ import annotations

from functools import lru_cache

from . import join_lines

SCALE = 2.0  # pages rendered at 144 dpi: small print is still legible to the model
_MIN_SCORE = 0.5


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def recognise(image) -> str:
    """The text in a page image (PIL), its lines in reading order."""
    import numpy as np

    result, _ = _engine()(np.asarray(image.convert("RGB")))
    boxes = [(box, text) for box, text, score in result or [] if float(score) >= _MIN_SCORE and text.strip()]
    # Top to bottom, then left to right within a line (boxes whose tops are within half a line).
    boxes.sort(key=lambda item: (min(p[1] for p in item[0]), min(p[0] for p in item[0])))
    lines: list[list[tuple[float, str]]] = []
    last_top = None
    for box, text in boxes:
        top = min(p[1] for p in box)
        height = max(p[1] for p in box) - top
        if lines and last_top is not None and top - last_top < height / 2:
            lines[-1].append((min(p[0] for p in box), text))
        else:
            lines.append([(min(p[0] for p in box), text)])
            last_top = top
    return join_lines([" ".join(text for _, text in sorted(line)) for line in lines])
