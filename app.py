"""Start the chat page: ``python app.py``.

Settings come from qa.toml and QA_* environment variables (see qa/settings.py),
e.g. ``QA_PORT=8080 python app.py``.
"""

import sys


def main() -> None:
    from qa.records import EmbeddingModelError, IndexMismatchError, StoreError
    from qa.server import serve
    from qa.settings import Settings, SettingsError

    try:
        serve(Settings.load())
    except (SettingsError, IndexMismatchError, EmbeddingModelError, StoreError) as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
