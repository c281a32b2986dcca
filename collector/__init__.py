"""Collectors: one module per source, each turning an API's payloads into `Mention` objects."""

from collector.mention import Mention

__all__ = ["Mention"]
