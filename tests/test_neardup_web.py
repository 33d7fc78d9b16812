"""bench/neardup_web.py: the web titles' near-duplicate groups and the verifier's ceiling."""

from __future__ import annotations

import re

import pytest

from bench import neardup_web


def test_verifier_ceiling_counts_the_readmes_pairs_and_falls_with_the_threshold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    neardup_web.verifier_ceiling("test")
    out = capsys.readouterr().out
    # bench/realworld/neardup_web/README.md: both reviewers grouped 67 test pairs.
    assert out.startswith("split=test: 67 pairs both reviewers grouped")
    lines = re.findall(
        r"verifier >= ([\d.]+): recall ([\d.]+), pairs neither grouped passed (\d+)", out
    )
    thresholds = [float(t) for t, _, _ in lines]
    recalls = [float(r) for _, r, _ in lines]
    passed = [int(n) for _, _, n in lines]
    assert thresholds == sorted(thresholds) and len(thresholds) >= 4
    # A higher threshold passes fewer pairs of either kind, and some pairs at the lowest.
    assert recalls == sorted(recalls, reverse=True) and 0 < recalls[0] <= 1
    assert passed == sorted(passed, reverse=True) and passed[0] > 0
