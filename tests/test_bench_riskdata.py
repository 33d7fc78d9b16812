"""The real-world corpus reader and its one dev/test split by site (bench/riskdata.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

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


def test_split_is_by_site_and_holds_out_the_test_batches() -> None:
    rows = riskdata.load_rows()
    assert len(rows) >= 500
    sides: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        sides[row.site].add(row.split)
        assert row.category in riskdata.LABELS
        assert (row.split == "test") == (row.origin in riskdata.TEST_ORIGINS)
    # Every site on one side only: a farm's templates never sit on both.
    assert all(len(s) == 1 for s in sides.values())
    assert riskdata.hash_split_of("www.maijiaw.com") == riskdata.hash_split_of("m.maijiaw.com")
    assert {r.id for r in riskdata.load_rows("dev")} | {
        r.id for r in riskdata.load_rows("test")
    } == {r.id for r in rows}
    # A second blind reviewer labelled every held-out row, with the same seven labels.
    second = riskdata.second_labels()
    assert {r.id for r in rows if r.split == "test"} == set(second)
    assert set(second.values()) <= set(riskdata.LABELS)


def _corpus(root: Path, hosts: dict[str, list[str]]) -> Path:
    """A corpus folder with one batch per origin, every row labelled none."""
    (root / "batches").mkdir(parents=True)
    (root / "titles.csv").write_text("id,text,host\n", encoding="utf-8")
    (root / "labels_a.csv").write_text("id,category,ambiguous\n", encoding="utf-8")
    for origin, batch_hosts in hosts.items():
        lines = ["text,kind,host,source_url,query"]
        labels = ["id,category,ambiguous"]
        for n, host in enumerate(batch_hosts, 1):
            lines.append(f"t{origin}{n},page_title,{host},http://{host}/,q")
            labels.append(f"{origin}-{n},none,0")
        (root / "batches" / f"{origin}.csv").write_text("\n".join(lines) + "\n", "utf-8")
        (root / f"labels_{origin}.csv").write_text("\n".join(labels) + "\n", "utf-8")
    return root


def test_a_site_on_both_sides_is_refused(tmp_path: Path) -> None:
    test_origin = sorted(riskdata.TEST_ORIGINS)[0]
    ok = _corpus(tmp_path / "ok", {"c1": ["a.example.com"], test_origin: ["b.example.org"]})
    assert [r.split for r in riskdata.load_rows(root=ok)] == ["dev", "test"]
    bad = _corpus(tmp_path / "bad", {"c1": ["www.farm.cn"], test_origin: ["m.farm.cn"]})
    with pytest.raises(ValueError, match=r"site farm\.cn has rows in both dev and test"):
        riskdata.load_rows(root=bad)


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
