"""Run the real app with ``streamlit run`` on a free loopback port, for browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(
    env: dict[str, str] | None = None,
    timeout_s: float = 60,
    *,
    root: Path = ROOT,
    python: str = sys.executable,
    port: int | None = None,
) -> Iterator[str]:
    """Yield the app's URL while ``streamlit run app.py`` serves it from ``root``; stop it afterwards. ``port``:
    one chosen beforehand (a sign-in's redirect URI names it), else a free one."""
    with running_app_process(env, timeout_s, root=root, python=python, port=port) as (url, _process):
        yield url


@contextmanager
def running_app_process(
    env: dict[str, str] | None = None,
    timeout_s: float = 60,
    *,
    root: Path = ROOT,
    python: str = sys.executable,
    port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like ``running_app``, also yielding the server process (for memory measurements)."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HUGGINGFACE_", "HF_TOKEN"))}
    environment |= env or {}
    command = [
        python,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / f"streamlit-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log.name}") from None
                time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
