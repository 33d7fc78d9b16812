"""The off-topic rules: one link (`is_offtopic`) and a related block (`block_verdict`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.offtopic.config import OfftopicConfig

if TYPE_CHECKING:
    from collections.abc import Sequence


def is_offtopic(score: float, config: OfftopicConfig | None = None) -> bool:
    """True when a relatedness score is below the configured threshold."""
    return score < (config or OfftopicConfig()).threshold


def block_verdict(
    link_scores: Sequence[float],
    risky_flags: Sequence[bool],
    config: OfftopicConfig | None = None,
) -> tuple[bool, bool, float, float]:
    """A related block's (mostly_offtopic, mostly_risky, offtopic_share, risky_share)."""
    config = config or OfftopicConfig()
    if len(link_scores) != len(risky_flags):
        raise ValueError(
            f"block_verdict: {len(link_scores)} scores but {len(risky_flags)} risky flags; "
            "expected one of each per link"
        )
    offtopic = sum(is_offtopic(s, config) for s in link_scores)
    return block_counts_verdict(len(link_scores), offtopic, sum(map(bool, risky_flags)), config)


def block_counts_verdict(
    links: int, offtopic: int, risky: int, config: OfftopicConfig | None = None
) -> tuple[bool, bool, float, float]:
    """`block_verdict` from counts: the block's links, how many off-topic, how many risky."""
    config = config or OfftopicConfig()
    n = links
    if n == 0:
        return False, False, 0.0, 0.0
    offtopic_share = offtopic / n
    risky_share = risky / n
    return (
        offtopic_share >= config.page_share,
        risky_share >= config.page_share,
        offtopic_share,
        risky_share,
    )
