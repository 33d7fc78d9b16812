"""Audit options, the audit folder's name, and the audit's error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.store.errors import FarmauditError
from reports.neardup import DedupConfig
from reports.offtopic import OfftopicConfig

if TYPE_CHECKING:
    pass


AUDIT_DIR = "audit"


class AuditError(FarmauditError):
    """A bad audit option or --fail-on expression; the message names it."""


@dataclass(frozen=True, slots=True)
class AuditConfig:
    """Audit options; every threshold has a default and a CLI option."""

    lexicon_paths: tuple[Path, ...] = ()
    dedup: DedupConfig = field(default_factory=DedupConfig)
    offtopic: OfftopicConfig = field(default_factory=OfftopicConfig)
    #: Pages below which the audit gives no verdict: shares of nothing prove nothing.
    min_pages: int = 1
    #: An older dataset of the same site, audited: the report shows what changed since.
    since: Path | None = None
