"""Question answering over Chinese documents, offline by default.

    from qa import ask
    result = ask("誰在會上作了重要講話？")
    result.answer, result.abstained, result.sources
"""

from .chain import Answer, Engine, QuestionError, Source, ask, default_engine, ingest
from .settings import Settings

__all__ = ["Answer", "Engine", "QuestionError", "Settings", "Source", "ask", "default_engine", "ingest"]
__version__ = "0.1.0"
