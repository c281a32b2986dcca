"""Reading a response body with a cap on both its size on the wire and once decompressed."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator

from collector.errors import FatalError


class ResponseTooLarge(FatalError):
    """The body (raw or decompressed) is larger than network.max_response_mb allows."""


# Inflate at most this much per step, so a bomb's output is never held twice (pieces and joined).
STEP = 2**20


class _Identity:
    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        yield data

    def flush(self) -> bytes:
        return b""


class _Inflate:
    """gzip or deflate, a piece at a time, stopping once more than `room` bytes came out."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.first = True
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        produced = 0
        while data and produced <= room:
            piece = self._inflate(data, min(room + 1 - produced, STEP))
            produced += len(piece)
            data = self.inflater.unconsumed_tail
            yield piece

    def _inflate(self, data: bytes, most: int) -> bytes:
        try:
            return self.inflater.decompress(data, most)
        except zlib.error:
            if self.encoding != "deflate" or not self.first:
                raise
            # Some servers send raw deflate without the zlib header.
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.inflater.decompress(data, most)
        finally:
            self.first = False

    def flush(self) -> bytes:
        return self.inflater.flush()


def _decoder(encoding: str) -> _Identity | _Inflate:
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return _Identity()
    if name in ("gzip", "x-gzip", "deflate"):
        return _Inflate("gzip" if name == "x-gzip" else name)
    raise FatalError(f"unsupported content encoding {encoding!r}")


def read_capped(
    chunks: Iterable[bytes],
    content_encoding: str,
    limit: int,
    describe: str,
    check_deadline: Callable[[], None] = lambda: None,
) -> bytes:
    """The decoded body, or ResponseTooLarge as soon as either size passes `limit` bytes."""
    decoder = _decoder(content_encoding)
    received = 0
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in chunks:
            received += len(chunk)
            if received > limit:
                raise ResponseTooLarge(f"{describe}: response is larger than {limit} bytes")
            # The decoder stops at limit + 1 bytes, so a bomb never expands past the cap.
            for piece in decoder.feed(chunk, limit - size):
                size += len(piece)
                if size > limit:
                    raise ResponseTooLarge(f"{describe}: response decompresses to more than {limit} bytes")
                parts.append(piece)
            check_deadline()
        tail = decoder.flush()
    except zlib.error as exc:
        raise FatalError(f"{describe}: corrupt compressed response ({exc})") from exc
    if size + len(tail) > limit:
        raise ResponseTooLarge(f"{describe}: response decompresses to more than {limit} bytes")
    parts.append(tail)
    return b"".join(parts)
