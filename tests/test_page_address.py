"""Where the chat page listens: `python app.py` and `qa serve` take the same --host/--port,
gradio's GRADIO_SERVER_* variables are honoured below QA_*, a busy port is one line
with a free port to use instead, and a bind beyond loopback is warned about."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qa.server import AddressUnavailable, beyond_loopback, check_address
from qa.settings import Settings
from tests.ui_server import ROOT, free_port, qa_command, running_app

FAST = {"QA_EMBEDDING_MODEL": "hash"}  # these tests are about the address, not the answers


def serves_page(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return response.status == 200 and b"gradio_config" in response.read()


def logged(app, text: str, within: float = 10) -> bool:
    """Whether the app's log shows text (the address is printed just after the server starts)."""
    deadline = time.monotonic() + within
    while text not in app.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    return text in app.log()


def run_page(tmp_path: Path, args: list[str], env: dict[str, str] | None = None, command=None):
    """Run the page's command to its end (it must fail fast); (exit code, stdout, stderr)."""
    config = tmp_path / "qa.toml"
    config.touch()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "GRADIO_SERVER"))}
    full_env = {**inherited, "QA_CONFIG": str(config), "QA_VECTORSTORE": str(tmp_path / "vectorstore"),
                **FAST, **(env or {})}
    done = subprocess.run([*(command or [sys.executable, str(ROOT / "app.py")]), *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def listening(host: str = "127.0.0.1") -> socket.socket:
    """A socket holding a free port, as another program would."""
    sock = socket.socket()
    sock.bind((host, 0))
    sock.listen()
    return sock


# ---------------------------------------------------------------- the port it is given


def test_python_app_py_with_a_port_flag_serves_on_that_port(tmp_path):
    port = free_port()
    with running_app(tmp_path, FAST, args=["--port", str(port)], port=port) as app:
        assert serves_page(port)
        assert logged(app, f"http://127.0.0.1:{port}/")
        assert "警告" not in app.log()  # loopback: nothing to warn about


def test_qa_serve_with_a_port_flag_serves_on_that_port(tmp_path):
    port = free_port()
    with running_app(tmp_path, FAST, command=[*qa_command(), "serve"], args=["--port", str(port)], port=port) as app:
        assert serves_page(port)
        assert logged(app, f"http://127.0.0.1:{port}/")


def test_gradio_server_port_is_honoured_when_no_qa_port_or_flag_is_given(tmp_path):
    port = free_port()
    with running_app(tmp_path, {**FAST, "GRADIO_SERVER_PORT": str(port)}, port=port):
        assert serves_page(port)


def test_port_precedence_is_flag_then_qa_port_then_gradio_then_config_then_default(tmp_path, monkeypatch):
    config = tmp_path / "qa.toml"
    config.write_text("port = 7001\n", encoding="utf-8")
    monkeypatch.setenv("QA_CONFIG", str(config))
    assert Settings.load().port == 7001
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7002")
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    assert (Settings.load().port, Settings.load().host) == (7002, "0.0.0.0")
    monkeypatch.setenv("QA_PORT", "7003")
    monkeypatch.setenv("QA_HOST", "127.0.0.1")
    assert (Settings.load().port, Settings.load().host) == (7003, "127.0.0.1")
    assert Settings.load(port=7004).port == 7004  # what a --port flag passes
    config.unlink()
    for name in ("QA_CONFIG", "GRADIO_SERVER_PORT", "GRADIO_SERVER_NAME", "QA_PORT", "QA_HOST"):
        monkeypatch.delenv(name)
    assert (Settings.load().port, Settings.load().host) == (7860, "127.0.0.1")


# ---------------------------------------------------------------- a port that is taken


def test_a_busy_port_is_one_line_naming_a_free_port_and_exit_1(tmp_path):
    with listening() as taken:
        port = taken.getsockname()[1]
        started = time.perf_counter()
        code, out, err = run_page(tmp_path, ["--port", str(port)])
        seconds = time.perf_counter() - started
    assert code == 1 and "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(port) in lines[0] and "已被占用" in lines[0], err
    suggested = int(lines[0].rsplit("--port", 1)[1].strip())
    check_address("127.0.0.1", suggested)  # the suggestion is free
    assert not (tmp_path / "vectorstore").exists(), "the index was opened before the port was checked"
    assert seconds < 30


def test_qa_serve_reports_a_busy_port_the_same_way_in_english(tmp_path):
    with listening() as taken:
        port = taken.getsockname()[1]
        code, out, err = run_page(tmp_path, ["serve", "--port", str(port)], {"QA_LANGUAGE": "en"}, command=qa_command())
    assert code == 1 and "Traceback" not in err
    assert err.strip().splitlines() == [err.strip()] and f"port {port} is already in use" in err and "--port" in err


def test_check_address_suggests_the_next_free_port():
    with listening() as taken:
        port = taken.getsockname()[1]
        with pytest.raises(AddressUnavailable, match=f"端口 {port} 已被占用") as caught:
            check_address("127.0.0.1", port)
    suggested = int(str(caught.value).rsplit("--port", 1)[1])
    assert suggested > port


def test_an_address_not_of_this_machine_is_one_line(tmp_path):
    code, out, err = run_page(tmp_path, ["--host", "192.0.2.1", "--port", str(free_port())])  # TEST-NET-1
    assert code == 1 and "Traceback" not in err
    assert "192.0.2.1" in err.strip().splitlines()[-1] and "无法" in err


# ---------------------------------------------------------------- beyond loopback


def test_only_loopback_hosts_are_private():
    assert not any(beyond_loopback(h) for h in ("127.0.0.1", "127.0.1.1", "localhost", "::1"))
    assert all(beyond_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "10.0.0.2", "myhost.example"))


def test_binding_all_interfaces_prints_a_loud_warning(tmp_path):
    # A busy port ends the run right after the warning: nothing is ever served on 0.0.0.0.
    with listening("0.0.0.0") as taken:
        port = taken.getsockname()[1]
        code, out, err = run_page(tmp_path, ["--host", "0.0.0.0", "--port", str(port)])
    assert code == 1 and "Traceback" not in err
    warning, busy = err.strip().splitlines()
    assert warning.startswith("⚠️ 警告") and "0.0.0.0" in warning and "--host 127.0.0.1" in warning
    assert "已被占用" in busy


def test_the_warning_is_in_english_with_qa_language_en(tmp_path):
    with listening("0.0.0.0") as taken:
        port = taken.getsockname()[1]
        code, _, err = run_page(tmp_path, ["--host", "0.0.0.0", "--port", str(port)], {"QA_LANGUAGE": "en"})
    assert code == 1 and err.startswith("⚠️ WARNING: the page is bound to 0.0.0.0")


RACE = """
import sys
import qa.server as server
from qa.cli import cli

checks = []
def taken_after_the_first_check(host, port):
    checks.append(port)
    if len(checks) > 1:
        check_address(host, port)
check_address, server.check_address = server.check_address, taken_after_the_first_check
cli.main(["serve", "--port", sys.argv[1]], prog_name="python app.py")
"""


def test_a_port_taken_while_the_engine_loads_is_reported_the_same_way(tmp_path):
    with listening() as taken:
        port = taken.getsockname()[1]
        code, out, err = run_page(tmp_path, [RACE, str(port)], command=[sys.executable, "-c"])
    assert code == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"错误：端口 {port} 已被占用")
