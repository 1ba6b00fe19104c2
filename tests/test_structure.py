"""The package's shape: modules that import each other at load time form no cycle,
and the answer backends live in one table that settings, the CLI and the page read."""

from __future__ import annotations

import ast
from pathlib import Path

QA = Path(__file__).resolve().parent.parent / "qa"


def _imports(path: Path) -> set[str]:
    """qa modules imported by path, at any depth (lazy imports inside functions count;
    those only for type checkers do not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return {m for m in found if (QA / f"{m}.py").exists()}


def test_no_two_modules_of_the_package_import_each_other_even_lazily():
    graph = {p.stem: _imports(p) for p in QA.glob("*.py")}
    cycles = []

    def visit(node, path):
        for nxt in graph.get(node, ()):
            if nxt == path[0]:
                cycles.append(path + [nxt])
            elif nxt not in path and len(path) < 8:
                visit(nxt, path + [nxt])

    for module in graph:
        visit(module, [module])
    assert not cycles, min(cycles, key=len)


def test_settings_cli_and_page_offer_the_backends_of_the_registry():
    from click.testing import CliRunner

    from qa import backends
    from qa.cli import cli
    from qa.settings import Settings, SettingsError

    for name in backends.names():
        assert Settings(backend=name).backend == name
    try:
        Settings(backend="gpt-99")
    except SettingsError as exc:
        assert all(name in str(exc) for name in backends.names())
    else:
        raise AssertionError("an unknown backend was accepted")
    help_text = CliRunner().invoke(cli, ["ask", "--help"]).output
    assert all(name in help_text for name in backends.names())
