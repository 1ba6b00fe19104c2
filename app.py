"""Start the chat page: ``python app.py [--host HOST] [--port PORT]``, the same as ``qa serve``.

The options are ``qa serve``'s (qa/cli.py), so both take the same flags and report
mistakes the same way.  Settings otherwise come from qa.toml and QA_* environment
variables (see qa/settings.py), e.g. ``QA_LANGUAGE=en python app.py --port 8080``.
"""

import sys


def main() -> None:
    from qa.cli import cli

    cli.main(["serve", *sys.argv[1:]], prog_name="python app.py")


if __name__ == "__main__":
    main()
