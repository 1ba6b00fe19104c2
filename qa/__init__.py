"""Question answering over Chinese documents, offline by default.

    from qa import ask
    result = ask("誰在會上作了重要講話？")
    result.answer, result.abstained, result.sources
"""

from .records import Answer, Citation, QAError, QuestionError, Source
from .settings import Settings

__all__ = ["Answer", "Citation", "Engine", "QAError", "QuestionError", "Settings", "Source", "ask", "default_engine", "ingest"]
__version__ = "0.1.0"

_FROM_CHAIN = {"Engine", "ask", "default_engine", "ingest"}


def __getattr__(name: str):
    # The engine pulls in LangChain, Chroma and the models' libraries (~1.5 s); a process
    # that only needs settings or the plain records (the chat page's) should not pay that.
    if name in _FROM_CHAIN:
        from . import chain

        return getattr(chain, name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
