"""A small local webhook for the delivery benchmark: counts every JSON message POSTed to it
(apprise ``json://``); ``GET /count`` answers how many arrived and how many distinct texts,
``GET /cpu`` the CPU seconds the receiver has used (what a benchmark leaves out of its own).

    python benchmarks/load/receiver.py PORT

One asyncio process with keep-alive, so that the receiver is not what bounds the deliverer."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

seen: Counter[str] = Counter()


def _answer(body: bytes, status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            method, path, _ = line.decode("latin-1").split(" ", 2)
            length, close = 0, False
            while True:
                header = await reader.readline()
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
                elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                    close = True
            body = await reader.readexactly(length) if length else b""
            if method == "POST":
                message = json.loads(body)
                seen[f"{message.get('title', '')}\n{message.get('message', '')}"] += 1
                writer.write(_answer(b"{}"))
            elif path.startswith("/count"):
                counts = {"received": sum(seen.values()), "distinct": len(seen)}
                writer.write(_answer(json.dumps(counts).encode()))
            elif path.startswith("/cpu"):
                writer.write(_answer(json.dumps({"cpu_s": time.process_time()}).encode()))
            else:
                writer.write(_answer(b"{}", "404 Not Found"))
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        return
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
