"""Off-topic links: relatedness of a link to its page, the labelled pairs, the block verdict."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench import eval_offtopic, eval_relevance
from reports.offtopic import (
    OfftopicConfig,
    OfftopicConfigError,
    TopicModel,
    block_verdict,
    is_offtopic,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests/fixtures/offtopic"
SEED_000 = "000_4d2785fa8baf1d45"  # 小米商城分期购物:第一联系人重要性与设置指南
SEED_001 = "001_da7911dfc02b196a"  # 如何关闭小米商城分期付款中的套现服务
SEED_004 = "004_cbed280f5da66034"  # 小米商城分期购物流程及备用金使用指南

# Dev-split AUCs measured with the default config (bench/eval_offtopic.py --split dev):
# seed pairs 0.983, all pairs 0.988; the baseline 0.622 and 0.699. Floors sit a little under.
DEV_SEED_FLOOR = 0.96
DEV_ALL_FLOOR = 0.97
BASELINE_MARGIN = 0.05


@pytest.fixture(scope="module")
def pairs() -> list:
    return eval_offtopic.load_pairs()


@pytest.fixture(scope="module")
def sources() -> dict:
    return eval_offtopic.load_sources()


@pytest.fixture(scope="module")
def model(pairs, sources) -> TopicModel:
    return TopicModel.fit(eval_offtopic.corpus(pairs, sources))


def _related(model: TopicModel, sources: dict, seed: str, anchor: str) -> float:
    page = sources[seed]
    return model.relatedness(page.title, page.body, anchor)


# -- realistic rows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "related", "offtopic"),
    [
        # Installment how-to: JD's pay-later sold as "分期付款" is related, e-card cash-out is not.
        (SEED_000, "京东先享后付:分期付款新体验", "京东E卡回收利润揭秘:如何高效变现闲置资源"),
        # Pay-later not worded as installment is on the subject too (LABELS.md: BNPL on an
        # installment page); paying a cash loan back early is not.
        (SEED_000, "支付宝先享后付提前付款指南", "58借款提前还款指南"),
        # Buying a phone on installment is this page's task; recycling unopened phones is not.
        (SEED_001, "分期零首付购荣耀9X:轻松拥有旗舰体验", "全新未开封iPhone官网回收流程及注意事项"),
        # 备用金 is this page's second topic: small borrowing is related, crypto wallets are not.
        # 小额借钱 shares only 额 with the page; the lending family (借钱, 备用金) links them.
        (SEED_004, "小额借钱", "欧意web3钱包是冷钱包吗?"),
    ],
)
def test_related_link_outscores_offtopic_link(model, sources, seed, related, offtopic):
    good = _related(model, sources, seed, related)
    bad = _related(model, sources, seed, offtopic)
    assert 0.0 <= bad < good <= 1.0
    assert is_offtopic(bad)
    assert not is_offtopic(good)


def test_full_width_and_half_width_score_the_same(model, sources):
    half = _related(model, sources, SEED_000, "京东E卡回收利润揭秘:如何高效变现闲置资源")
    full = _related(model, sources, SEED_000, "京东Ｅ卡回收利润揭秘：如何高效变现闲置资源")
    assert full == half
    page = sources[SEED_000]
    assert model.relatedness(
        "小米商城分期购物：第一联系人重要性与设置指南", page.body, "京东先享后付:分期付款新体验"
    ) == model.relatedness(page.title, page.body, "京东先享后付:分期付款新体验")


def test_a_link_made_only_of_aspect_words_scores_zero(model, sources):
    # "如何还款" says what is asked, not about which service: nothing is left to match.
    assert _related(model, sources, SEED_000, "如何还款") == 0.0
    assert _related(model, sources, SEED_000, "") == 0.0


def test_score_links_matches_relatedness_and_is_deterministic(model, sources, pairs):
    page = sources[SEED_001]
    anchors = [p.anchor_text for p in pairs if p.source_seed == SEED_001]
    batch = model.score_links(page.title, page.body, anchors)
    one_by_one = [model.relatedness(page.title, page.body, a) for a in anchors]
    np.testing.assert_allclose(batch, one_by_one)
    refit = TopicModel.fit(eval_offtopic.corpus(pairs, sources))
    np.testing.assert_array_equal(refit.score_links(page.title, page.body, anchors), batch)


def test_score_batch_over_many_pages_equals_page_by_page(model, sources, pairs):
    # The audit scores a whole batch of links across hundreds of pages in one call; each
    # link must score as it does on its own page, crawled target or not.
    seeds = [SEED_000, SEED_001, SEED_004]
    order = [p for p in pairs if p.source_seed in seeds][::-1]  # pages interleaved
    target = ("小米商城分期付款购买手机", "选择分期期数后按月还款,注意分期手续费。")
    targets = [target if i % 3 == 0 else None for i in range(len(order))]
    got = model.score_batch(
        [(sources[s].title, sources[s].body) for s in seeds],
        [seeds.index(p.source_seed) for p in order],
        [p.anchor_text for p in order],
        targets,
    )
    for i, pair in enumerate(order):
        page = sources[pair.source_seed]
        title, body = targets[i] or (None, None)
        alone = model.score_links(page.title, page.body, [pair.anchor_text], [title], [body])
        assert got[i] == pytest.approx(alone[0], abs=1e-12), pair.anchor_text
    with pytest.raises(ValueError, match="2 anchors, 1 link sources"):
        model.score_batch([("标题", "正文")], [0], ["a", "b"], [None, None])


def test_score_pages_over_a_page_table_equals_score_batch(model, sources, pairs):
    # The audit's links stage keeps one table of every page's profile instead of the texts:
    # rows of it must score exactly as the texts do.
    import numpy as np

    seeds = [SEED_000, SEED_001, SEED_004]
    order = [p for p in pairs if p.source_seed in seeds][::-1]
    target = ("小米商城分期付款购买手机", "选择分期期数后按月还款,注意分期手续费。")
    texts = [(sources[s].title, sources[s].body) for s in seeds] + [target]
    table = model.page_table(texts)
    targets = [target if i % 3 == 0 else None for i in range(len(order))]
    expected = model.score_batch(
        texts[:3],
        [seeds.index(p.source_seed) for p in order],
        [p.anchor_text for p in order],
        targets,
    )
    got = model.score_pages(
        table,
        np.array([2, 0, 1]),  # the batch's pages in another order than the table's
        np.array([[2, 0, 1].index(seeds.index(p.source_seed)) for p in order]),
        [p.anchor_text for p in order],
        np.array([3 if t else -1 for t in targets]),
    )
    assert got.tolist() == expected.tolist()
    assert len(set(got.tolist())) > 3


def test_anchor_rows_from_an_older_generation_are_looked_up_again(pairs, sources, monkeypatch):
    # The links stage numbers anchors by their rows in the model's profile cache and passes
    # the rows back; rows read before the cache started over must not pick other profiles.
    from reports.offtopic import model as topic_model

    seeds = [SEED_000, SEED_001, SEED_004]
    order = [p for p in pairs if p.source_seed in seeds]
    anchors = list(dict.fromkeys(p.anchor_text for p in order))
    texts = [(sources[s].title, sources[s].body) for s in seeds]
    monkeypatch.setattr(topic_model, "_ANCHOR_CACHE", len(anchors) + 5)
    small = TopicModel.fit(eval_offtopic.corpus(pairs, sources))
    table = small.page_table(texts)
    link_anchor = np.array([anchors.index(p.anchor_text) for p in order])
    args = (
        table,
        np.arange(3),
        np.array([seeds.index(p.source_seed) for p in order]),
        anchors,
        np.full(len(order), -1),
    )
    rows, generation = small.anchor_rows(anchors)
    assert sorted(rows.tolist()) == list(range(len(anchors)))
    expected = small.score_pages(*args, link_anchor=link_anchor, anchor_rows=(rows, generation))
    # Other texts fill the cache, which starts over: the anchors' rows now belong to them.
    _, newer = small.anchor_rows([f"其他锚文本{i}号" for i in range(len(anchors))])
    assert newer != generation
    again = small.score_pages(*args, link_anchor=link_anchor, anchor_rows=(rows, generation))
    assert again.tolist() == expected.tolist()
    assert len(set(expected.tolist())) > 3


def test_source_terms_by_dense_table_and_by_binary_search_score_alike(
    model, sources, pairs, monkeypatch
):
    # A batch of few source pages looks their n-grams up in a dense table, a batch of many
    # by binary search: the scores must be the same to the last bit.
    from reports.offtopic import model as topic_model

    seeds = [SEED_000, SEED_001, SEED_004]
    order = [p for p in pairs if p.source_seed in seeds]
    target = ("小米商城分期付款购买手机", "选择分期期数后按月还款,注意分期手续费。")
    texts = [(sources[s].title, sources[s].body) for s in seeds] + [target]
    table = model.page_table(texts)

    def scores() -> list[float]:
        return model.score_pages(
            table,
            np.array([2, 0, 1]),
            np.array([[2, 0, 1].index(seeds.index(p.source_seed)) for p in order]),
            [p.anchor_text for p in order],
            np.array([3 if i % 2 else -1 for i in range(len(order))]),
        ).tolist()

    dense = scores()
    monkeypatch.setattr(topic_model, "_DENSE_CELLS", 0)
    assert scores() == dense
    assert len(dense) > 50 and len(set(dense)) > 10


def test_scores_are_the_same_when_the_profile_caches_overflow(pairs, sources, model, monkeypatch):
    # A 1M-page audit fills the page and link-text caches, which then start over: a batch
    # whose texts were partly cached before must still score every link (it raised KeyError
    # for the texts that went with the cache), and score as with room to spare.
    from reports.offtopic import model as topic_model

    seeds = [SEED_000, SEED_001, SEED_004]
    order = [p for p in pairs if p.source_seed in seeds]
    target = ("小米商城分期付款购买手机", "选择分期期数后按月还款,注意分期手续费。")
    pages = [(sources[s].title, sources[s].body) for s in seeds]
    # Overlapping batches: each repeats half of the one before, pages and anchors alike.
    batches = [order[i : i + 40] for i in range(0, len(order), 20)]

    def scores(scorer: TopicModel) -> list[list[float]]:
        out = []
        for j, batch in enumerate(batches):
            # Two of the three pages per batch, in turn: one cached, one not.
            on = [seeds[j % 3], seeds[(j + 1) % 3]]
            links = [p for p in batch if p.source_seed in on]
            out.append(
                scorer.score_batch(
                    [pages[seeds.index(s)] for s in on],
                    [on.index(p.source_seed) for p in links],
                    [p.anchor_text for p in links],
                    [target if i % 2 else None for i in range(len(links))],
                ).tolist()
            )
        return out

    roomy = scores(model)
    monkeypatch.setattr(topic_model, "_PAGE_CACHE", 3)
    monkeypatch.setattr(topic_model, "_ANCHOR_CACHE", 45)
    small = TopicModel.fit(eval_offtopic.corpus(pairs, sources))
    assert len(batches) > 3 and len({p.anchor_text for p in order}) > 45
    assert sum(map(len, roomy)) > 100
    assert scores(small) == roomy


def test_a_crawled_target_is_mixed_in_with_target_weight(pairs, sources, model):
    page = sources[SEED_001]
    anchor = "零首付24期分期购机:灵活消费新选择"
    on_topic = "在小米商城分期付款购买手机,选择分期期数后按月还款,注意分期手续费。"
    off_topic = "比特币合约交易所下载,永续合约杠杆爆仓,数字货币钱包被盗怎么办。"
    alone = model.score_links(page.title, page.body, [anchor])[0]
    scores = model.score_links(
        page.title, page.body, [anchor, anchor], [None, None], [on_topic, off_topic]
    )
    assert scores[0] > scores[1]
    only_target = TopicModel.fit(
        eval_offtopic.corpus(pairs, sources), OfftopicConfig(target_weight=1.0)
    ).score_links(page.title, page.body, [anchor], [None], [on_topic])[0]
    weight = model.config.target_weight
    assert scores[0] == pytest.approx((1 - weight) * alone + weight * only_target)


def test_a_brand_takes_its_family_from_the_titles_it_appears_in(tmp_path):
    # 贷款 names lending in the lexicon; 鑫旺 is a made-up brand that only the corpus knows.
    lexicon = tmp_path / "families.toml"
    lexicon.write_text('[families.jiedai]\n"贷款" = 1.0\n', encoding="utf-8")
    titles = [
        "鑫旺借条贷款申请",
        "鑫旺贷款逾期怎么办",
        "鑫旺客服电话",
        "金桔子种植方法",
        "金桔子糖水做法",
    ]
    config = OfftopicConfig(family_lexicon=lexicon)
    model = TopicModel.fit([f"{t}\n" for t in titles * 3], config)
    source = "小额贷款产品介绍"
    brand = model.relatedness(source, "", "鑫旺客服电话")
    other = model.relatedness(source, "", "金桔子种植方法")
    assert brand > other
    without = TopicModel.fit([f"{t}\n" for t in titles * 3], replace(config, family_expand=0.0))
    assert without.relatedness(source, "", "鑫旺客服电话") < brand


def test_a_broken_family_lexicon_is_refused_with_its_path(tmp_path):
    lexicon = tmp_path / "families.toml"
    lexicon.write_text('[families.jiedai]\n"贷款" = 2.0\n', encoding="utf-8")
    with pytest.raises(OfftopicConfigError, match=r"jiedai\.贷款 = 2\.0"):
        TopicModel.fit(["标题\n"], OfftopicConfig(family_lexicon=lexicon))


def test_score_links_refuses_mismatched_target_lists(model):
    with pytest.raises(ValueError, match="2 anchors but 1 target titles"):
        model.score_links("标题", "正文", ["a", "b"], ["t"], [None, None])


def test_empty_source_scores_zero(model):
    assert model.score_links("", "", ["分期购买手机"]).tolist() == [0.0]
    assert model.score_links("标题", "正文", []).tolist() == []


# -- the labelled pairs ----------------------------------------------------------------------


def test_dev_split_auc_beats_the_bigram_baseline():
    results, _, _ = eval_offtopic.evaluate("dev")
    by_name = {r.name: r for r in results}
    seed, everything = by_name["dev/seed"], by_name["dev/all"]
    assert seed.auc >= DEV_SEED_FLOOR
    assert everything.auc >= DEV_ALL_FLOOR
    assert seed.auc >= seed.baseline_auc + BASELINE_MARGIN
    assert everything.auc >= everything.baseline_auc + BASELINE_MARGIN


def test_independent_seed_labels_meet_the_goal_and_beat_the_bigram_baseline():
    # Issue 12's goal on the blind reviewers' labels (bench/realworld/seeds/): ROC AUC >= 0.95.
    # Measured 0.992 on both selections (bench/eval_relevance.py), after the one lexicon
    # change that these labels exposed, so a regression guard, not a held-out score.
    labelled = eval_relevance.load_labelled()
    labels, agreed, clear = eval_relevance.selections(labelled)
    assert (len(labelled), int(agreed.sum()), int(clear.sum())) == (500, 498, 448)
    assert (int(labels[agreed].sum()), int(labels[clear].sum())) == (72, 47)  # relevant
    scores = eval_relevance.score_all(labelled, OfftopicConfig(), embeddings=False)
    ours = eval_relevance.aucs(labelled, scores["farmaudit"])
    baseline = eval_relevance.aucs(labelled, scores["tfidf-bigram"])
    for auc, base in zip(ours, baseline, strict=True):
        assert auc >= 0.95
        assert auc >= base + BASELINE_MARGIN


def _csv(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_pairs_cover_every_seed_link_once_and_both_classes_in_each_split():
    rows = _csv("pairs.csv")
    seed_rows = [r for r in rows if r["source"] == "seed"]
    assert len(seed_rows) == 500
    assert len({(r["source_seed"], r["anchor_text"]) for r in rows}) == len(rows)
    for split in ("dev", "test"):
        labels = [r["label"] for r in rows if r["split"] == split]
        assert labels.count("1") >= 40, split
        assert labels.count("0") >= 400, split


def test_pair_split_is_the_anchor_hash_and_labels_follow_the_families():
    families = {r["title"]: r["family"] for r in _csv("families.csv")}
    sources = {r["source_seed"]: r["family"] for r in _csv("sources.csv")}
    for row in _csv("pairs.csv"):
        first = hashlib.sha256(row["anchor_text"].encode("utf-8")).digest()[0]
        assert row["split"] == ("dev" if first % 2 == 0 else "test"), row
        # Pay-later is on the subject of buying on installment (../shared/LABELS.md).
        one = {"xianxiang": "fenqi"}
        anchor = {one.get(f, f) for f in families[row["anchor_text"]].split("|")}
        source = {one.get(f, f) for f in sources[row["source_seed"]].split("|")}
        assert row["label"] == str(int(bool(anchor & source))), row


# -- page level -----------------------------------------------------------------------------


def test_block_that_is_90_percent_offtopic_is_a_page_finding():
    scores = [0.0] * 9 + [0.5]
    risky = [True] * 9 + [False]
    assert block_verdict(scores, risky) == (True, True, 0.9, 0.9)


def test_the_crypto_block_of_seed_004_is_mostly_offtopic(model, sources, pairs):
    page = sources[SEED_004]
    anchors = [p.anchor_text for p in pairs if p.source_seed == SEED_004]
    scores = model.score_links(page.title, page.body, anchors)
    mostly_offtopic, mostly_risky, offtopic_share, risky_share = block_verdict(
        scores.tolist(), [False] * len(anchors)
    )
    assert mostly_offtopic
    assert offtopic_share >= 0.9
    assert (mostly_risky, risky_share) == (False, 0.0)


def test_block_verdict_edges():
    assert block_verdict([], []) == (False, False, 0.0, 0.0)
    # The share is compared with >=: exactly half is "mostly".
    assert block_verdict([0.0, 0.9], [False, True])[:2] == (True, True)
    with pytest.raises(ValueError, match="2 scores but 1 risky flags"):
        block_verdict([0.1, 0.2], [True])


def test_is_offtopic_uses_the_threshold():
    config = OfftopicConfig(threshold=0.3)
    assert is_offtopic(0.29, config)
    assert not is_offtopic(0.3, config)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold": 1.5}, "threshold=1.5: expected 0..1"),
        ({"page_share": -0.1}, "page_share=-0.1: expected 0..1"),
        ({"ngram_max": 0}, "ngram_max=0: expected 1..4"),
        ({"title_weight": 0.0}, "title_weight=0.0: expected > 0"),
        ({"buckets": 1000}, "buckets=1000: expected a power of 2"),
    ],
)
def test_config_refuses_values_out_of_range(options, message):
    with pytest.raises(OfftopicConfigError, match=message):
        OfftopicConfig(**options)
