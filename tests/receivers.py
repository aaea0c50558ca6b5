"""A loopback HTTP receiver for callbacks, whose behaviour a test sets: answer a status, hang,
reset the connection, or answer garbage."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.status = 200
        self.mode = "answer"  # answer | hang | block | reset | garbage
        self.hang_seconds = 5.0
        self.release = threading.Event()  # ends a "block"
        self.bodies: list[dict[str, Any]] = []
        self.xml: list[str] = []
        self.content_types: list[str] = []
        self.paths: list[str] = []  # path and query of each push
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)  # notified at each push
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.content_types.append(self.headers.get("Content-Type", ""))
                    receiver.paths.append(self.path)
                    if self.headers.get("Content-Type") == "application/xml":
                        receiver.xml.append(body.decode())
                    else:
                        receiver.bodies.append(json.loads(body))
                    receiver.arrived.notify_all()
                if receiver.mode == "hang":
                    time.sleep(receiver.hang_seconds)
                    return
                if receiver.mode == "block":
                    receiver.release.wait(30)
                    return
                if receiver.mode == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.connection.close()
                    return
                if receiver.mode == "garbage":
                    self.wfile.write(b"not http at all\r\n\r\n")
                    return
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dlr"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def results(self) -> list[dict[str, Any]]:
        with self.lock:
            return [result for body in self.bodies for result in body["results"]]

    def wait_for(self, pushes: int, timeout: float) -> bool:
        """Whether ``pushes`` pushes arrived within ``timeout`` seconds (waited for, not polled)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.bodies) + len(self.xml) >= pushes, timeout)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
