"""A TCP proxy between the agent and a real slurmrestd that can misbehave on job submissions.

It forwards 127.0.0.1:<port> to 127.0.0.1:<target>. On a connection that carried a
`POST .../job/submit`, the answer is delayed by `delay_submit_answer` seconds, or never
delivered at all with `drop_submit_answer` (slurmrestd still creates the job: the answer is
what is lost, as with a timeout or a reset).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

SUBMIT = b"/job/submit"


class SlurmProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.drop_submit_answer = False
        self.delay_submit_answer = 0.0
        self.submits = 0  # POST .../job/submit requests seen
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        submitting = asyncio.Event()

        async def to_server() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await reader.read(65536):
                    if data.startswith(b"POST ") and SUBMIT in data.split(b"\r\n", 1)[0]:
                        self.submits += 1
                        submitting.set()
                    up_writer.write(data)
                    await up_writer.drain()
            up_writer.close()

        async def to_client() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await up_reader.read(65536):
                    if submitting.is_set():
                        if self.drop_submit_answer:
                            continue  # slurmrestd answered; the agent never hears it
                        await asyncio.sleep(self.delay_submit_answer)
                    writer.write(data)
                    await writer.drain()
            writer.close()

        await asyncio.gather(to_server(), to_client(), return_exceptions=True)

    def __enter__(self) -> SlurmProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop
        )
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc_info: object) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
