"""An ASGI app served over real HTTP on 127.0.0.1, in a thread, while in `with`.

The mock Jobbergate API and the mock slurmrestd are both served this way, for `make run` and
for tests that need a real socket (a subprocess agent, a network namespace). Port 0 takes a
free port; `port` holds the real one once started.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Literal


class LoopbackServer:
    def __init__(
        self, app: Any, *, name: str, port: int = 0, lifespan: Literal["on", "off"] = "off"
    ) -> None:
        self.app = app
        self.name = name
        self.port = port
        self.lifespan = lifespan
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan=self.lifespan
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} did not start on port {self.port}")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self, timeout: float = 15) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout)
