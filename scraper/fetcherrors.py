"""Fetch-error classification: a failed request's Failure to the error kind its fetches row
records (timeout, reset, truncated, too_large, robots, http_404, ...)."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scraper.middlewares import RedirectStopped

if TYPE_CHECKING:
    from twisted.python.failure import Failure

_ERROR_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    # Scrapy's own download errors (2.14+), then the Twisted ones older paths still raise.
    (CannotResolveHostError, "dns"),
    (DownloadTimeoutError, "timeout"),
    (DownloadConnectionRefusedError, "refused"),
    (ResponseDataLossError, "truncated"),
    (DownloadCancelledError, "too_large"),  # Content-Length over DOWNLOAD_MAXSIZE
    (CancelledError, "too_large"),  # body grew past DOWNLOAD_MAXSIZE while streaming
    (DownloadFailedError, "reset"),
    (DNSLookupError, "dns"),
    (TimeoutError, "timeout"),
    (TCPTimedOutError, "timeout"),
    (ConnectionRefusedError, "refused"),
    (ConnectionLost, "reset"),
    (ResponseFailed, "reset"),
    (ResponseNeverReceived, "reset"),
    (ConnectError, "connect"),
    # HttpCompressionMiddleware: a body that does not decompress as its Content-Encoding says.
    (zlib.error, "decode_error"),
    (EOFError, "decode_error"),
    (OSError, "decode_error"),
)


def fetch_error_kind(failure: Failure) -> str:
    """The `error` value of a failed fetch's row (see `pipelines.store.schema.FETCHES`)."""
    error = failure.value
    if isinstance(error, RedirectStopped):
        return error.kind
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, IgnoreRequest):
        message = str(error)
        if "robots.txt" in message:
            return "robots"
        if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: a decompression bomb
            return "too_large"
        return "ignored"
    for error_type, kind in _ERROR_KINDS:
        if isinstance(error, error_type):
            return kind
    return type(error).__name__.lower()
