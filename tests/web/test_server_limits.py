"""`casebook serve`, a real uvicorn process, against clients that never finish or crowd it."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.served import get_json, serving
from tests.web.support import TOKEN_OF, fill_data_dir, web_settings

HEADER_TIMEOUT = 1.0
CONNECTION_LIMIT = 4
# Generous: the server should close a half-sent request after HEADER_TIMEOUT.
WAIT_FOR_CLOSE = 20.0


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("limited-views")
    fill_data_dir(web_settings(directory))
    return directory


@pytest.fixture
def server(data_dir: Path) -> Iterator[str]:
    limits = {
        "CASEBOOK_API_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "CASEBOOK_API_CONNECTION_LIMIT": str(CONNECTION_LIMIT),
    }
    with serving(data_dir, **limits) as (base, _log):
        yield base


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=WAIT_FOR_CLOSE)


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server closes the connection (read gives EOF or a reset)."""
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_request_whose_headers_never_finish_is_closed(server):
    slow = [connect(server) for _ in range(3)]
    for n, sock in enumerate(slow):
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: casebook\r\n" + b"X-Slow: 1\r\n" * n)
    silent = connect(server)  # connects and sends nothing at all
    started = time.monotonic()
    assert all(closed_by_server(sock) for sock in [*slow, silent])
    assert time.monotonic() - started < WAIT_FOR_CLOSE
    for sock in [*slow, silent]:
        sock.close()
    assert get_json(f"{server}/health") == {"status": "ok"}  # and the server still serves


def health_answer(sock: socket.socket) -> bytes:
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: casebook\r\n\r\n")
    answer = b""
    while not answer.endswith(b'{"status":"ok"}'):
        chunk = sock.recv(4096)
        assert chunk, f"closed after {answer!r}"
        answer += chunk
    return answer


def test_a_finished_request_is_answered_and_the_connection_kept_for_the_next(server):
    sock = connect(server)
    assert health_answer(sock).startswith(b"HTTP/1.1 200")
    time.sleep(HEADER_TIMEOUT / 2)
    assert health_answer(sock).startswith(b"HTTP/1.1 200")
    sock.close()


def test_past_the_connection_limit_a_request_is_answered_503(server):
    held = [connect(server) for _ in range(CONNECTION_LIMIT)]
    for sock in held:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: casebook\r\n")  # never finished
    time.sleep(0.3)
    request = urllib.request.Request(
        f"{server}/api/whoami", headers={"Authorization": f"Bearer {TOKEN_OF['admin']}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 503
    for sock in held:
        assert closed_by_server(sock)
        sock.close()
    assert get_json(f"{server}/api/whoami", TOKEN_OF["admin"]) == {"role": "admin"}
