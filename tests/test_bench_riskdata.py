"""The real-world corpus reader and its one dev/test split by site (bench/riskdata.py)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bench import riskdata


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("www.maijiaw.com", "maijiaw.com"),
        ("m.maijiaw.com", "maijiaw.com"),
        ("MAIJIAW.COM.", "maijiaw.com"),
        ("a.b.example.com.cn", "example.com.cn"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("tcelue.tv", "tcelue.tv"),
        ("localhost", "localhost"),
    ],
)
def test_site_of(host: str, site: str) -> None:
    assert riskdata.site_of(host) == site


def test_split_is_by_site_and_about_70_30() -> None:
    rows = riskdata.load_rows()
    assert len(rows) >= 500
    sides: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        sides[row.site].add(row.split)
        assert row.category in riskdata.LABELS
    # Every site on one side only: a farm's templates never sit on both.
    assert all(len(s) == 1 for s in sides.values())
    dev_sites = sum(s == {"dev"} for s in sides.values())
    assert 0.6 < dev_sites / len(sides) < 0.8
    assert riskdata.split_of("www.maijiaw.com") == riskdata.split_of("m.maijiaw.com")
    assert {r.id for r in riskdata.load_rows("dev")} | {
        r.id for r in riskdata.load_rows("test")
    } == {r.id for r in rows}


def test_class_weights_are_balanced_with_none_scaled() -> None:
    from bench.train_risk import TrainConfig, class_weights

    labels = ["none"] * 6 + ["lending"] * 3 + ["adult"]
    # n / (classes x count), as scikit-learn's class_weight="balanced".
    assert class_weights(labels, TrainConfig()) == pytest.approx(
        {"none": 10 / 18, "lending": 10 / 9, "adult": 10 / 3}
    )
    assert class_weights(labels, TrainConfig(none_weight=2.0)) == pytest.approx(
        {"none": 20 / 18, "lending": 10 / 9, "adult": 10 / 3}
    )
    assert class_weights(labels, TrainConfig(balanced=False)) is None
