"""The residents' status lookups' own small pool of async PostgreSQL connections.

A lookup is one prepared statement on an autocommit connection, awaited on the web's
event loop: no thread, no ORM, one round trip. (Through SQLAlchemy's async layer the
same lookup cost about ten times the CPU: benchmarks/hub_residents.py.) Each connection
keeps one cursor for its lookups: a new cursor per lookup cost a sixth of psycopg's time.
A connection that fails is dropped and a new one made on the next lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import psycopg


class StatusReader:
    def __init__(self, url: str, size: int = 8) -> None:
        self._url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._size = size
        self._made = 0
        # Made on first use, on the loop that serves the web (connections belong to it).
        self._free: asyncio.Queue[psycopg.AsyncCursor[Any]] | None = None

    async def _take(self) -> psycopg.AsyncCursor[Any]:
        if self._free is None:
            self._free = asyncio.Queue()
        if self._free.empty() and self._made < self._size:
            self._made += 1
            try:
                conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
                return conn.cursor()
            except BaseException:
                self._made -= 1
                raise
        return await self._free.get()

    async def one(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        cursor = await self._take()
        try:
            await cursor.execute(sql, params, prepare=True)
            row = await cursor.fetchone()
        except BaseException:
            self._made -= 1
            with contextlib.suppress(Exception):
                await cursor.connection.close()
            raise
        assert self._free is not None
        self._free.put_nowait(cursor)
        return row

    async def close(self) -> None:
        while self._free is not None and not self._free.empty():
            cursor = self._free.get_nowait()
            self._made -= 1
            with contextlib.suppress(Exception):
                await cursor.connection.close()
