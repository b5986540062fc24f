"""A small threaded HTTP/1.1 server for WSGI apps, with keep-alive and connection counting.

``wsgiref``'s handler serves one request per connection; this one loops over requests on each
TCP connection (``BaseHTTPRequestHandler`` with ``protocol_version = "HTTP/1.1"``), always sends
``Content-Length`` (or nothing for 204/304) and counts accepted connections for the emulator's
statistics.
"""

from __future__ import annotations

import io
import logging
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

log = logging.getLogger("zoho_emulator.server")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ZohoEmulator/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    wbufsize = 64 * 1024  # buffer headers + body, flushed once per response (no Nagle stalls)

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.owner._connection_opened(self)
        self.conn_info = {"api": False}

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.owner._connection_closed(self)

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        log.debug("%s - %s", self.address_string(), format % args)

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = ""
                self.request_version = ""
                self.command = ""
                self.send_error(414)
                self.wfile.flush()
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                self.wfile.flush()
                return
            self._run_wsgi()
            self.wfile.flush()
        except (TimeoutError, ConnectionError, OSError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _run_wsgi(self):
        app = self.server.owner.app
        body = self._read_body()
        path, _, query = self.path.partition("?")
        if path.startswith("http://") or path.startswith("https://"):
            path = "/" + path.split("/", 3)[-1] if path.count("/") >= 3 else "/"
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, encoding="latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "zoho_emulator.connection": self.conn_info,
        }
        for key, value in self.headers.items():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                continue
            name = "HTTP_" + name
            environ[name] = f"{environ[name]},{value}" if name in environ else value

        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = headers
            return lambda data: None

        result = app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status = captured.get("status", "500 Internal Server Error")
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        headers = captured.get("headers", [])
        self.send_response(code, reason)
        has_length = False
        for key, value in headers:
            if key.lower() == "content-length":
                has_length = True
            if key.lower() == "connection" and value.lower() == "close":
                self.close_connection = True
            self.send_header(key, value)
        if code not in (204, 304) and not has_length:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and code not in (204, 304):
            self.wfile.write(payload)


class _ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, owner, address):
        self.owner = owner
        super().__init__(address, _Handler)


class EmulatorServer:
    """Serve a WSGI ``emulator`` on ``host:port`` (0 = free port) in a daemon thread."""

    def __init__(self, emulator, host: str = "127.0.0.1", port: int = 0):
        self.app = emulator
        self.emulator = emulator
        self.host = host
        self.port = port
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self._open: set = set()
        self._open_lock = threading.Lock()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        host = self.host if self.host not in ("0.0.0.0", "", "::") else "127.0.0.1"
        return f"http://{host}:{self._server.server_address[1]}"

    def start(self) -> EmulatorServer:
        self._server = _ThreadingServer(self, (self.host, self.port))
        self.port = self._server.server_address[1]
        if getattr(self.emulator, "public_url", "set") is None:
            self.emulator.public_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"zoho-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self):
        """Blocking variant for the command line."""
        if self._server is None:
            self._server = _ThreadingServer(self, (self.host, self.port))
            self.port = self._server.server_address[1]
            if getattr(self.emulator, "public_url", "set") is None:
                self.emulator.public_url = self.url
        self._server.serve_forever(poll_interval=0.5)

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._open_lock:
            handlers = list(self._open)
        for handler in handlers:
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # called from handler threads
    def _connection_opened(self, handler):
        with self._open_lock:
            self._open.add(handler)
        state = getattr(self.emulator, "state", None)
        if state is not None:
            with state.lock:
                state.connections_accepted += 1

    def _connection_closed(self, handler):
        with self._open_lock:
            self._open.discard(handler)
