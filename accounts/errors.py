"""The refusal every accounts service raises: a message safe to show to the person."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused change; `message` is safe to show to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
