"""Spam classification: the lexicon engine (normalisation, exclusions, ties, link fields, lexicon
files), then the learned model on top of it (tests/test_riskmodel.py covers the model file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import eval_spam
from reports.spam import (
    NONE,
    Category,
    Lexicon,
    LexiconError,
    SpamVerdict,
    bundled_lexicon_paths,
    classify,
    classify_link,
    classify_texts,
    load_lexicons,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "scraper/demo/seeds"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    """The bundled lexicons deciding alone: the engine the model's lexicon features come from."""
    return load_lexicons(model=None)


@pytest.fixture(scope="module")
def combined() -> Lexicon:
    """What the audit and `farmaudit classify` use: the lexicons and the bundled model."""
    return load_lexicons()


@pytest.mark.parametrize(
    ("text", "category", "evidence"),
    [
        # Full-width letter (NFKC) and upper case (casefold) still match "e卡回收".
        ("京东Ｅ卡回收", "cashout", "e卡回收(+3.0)"),
        # Traditional characters fold to simplified before matching.
        ("京東E卡回收價格", "cashout", "e卡回收(+3.0)"),
        ("貸款", "lending", "贷款(+2.0)"),
        ("網貸逾期被催收怎麼辦", "lending", "网贷(+3.0)"),
        ("徵信修復", "lending", "征信修复(+3.0)"),
        ("網上賭場娛樂城推薦", "gambling", "赌场(+3.0)"),
        # Brand names mixing scripts, no spaces needed.
        ("58借钱逾期的后果", "lending", "58借钱(+3.0)"),
        ("欧意Web3钱包是冷钱包吗", "crypto", "web3(+3.0)"),
        ("如何将Shiba Inu(SHIB)放入钱包?", "crypto", "shib(+3.0)"),
        # A specific phrase hides the generic word inside it: 租机借款 is cashout, not 借款.
        ("俏租机借款指南", "cashout", "租机借款(+3.0)"),
        # Two hints add up: 预付卡 + 回收 not adjacent.
        ("回收华润预付卡为何折价较大?", "cashout", "预付卡(+1.5)"),
        # 先享后付 alone is a payment feature, not lending (labelling rules).
        ("如何关闭京东先享后付功能", NONE, "cashout:先享后付(+0.5)"),
        # ...nor are its arrears (LABELS.md: repaying a mainstream BNPL is none; the seeds'
        # blind reviewers: none): 逾期 needs a loan word beside it.
        ("支付宝先享后付逾期不还的严重后果", NONE, "lending:逾期(+1.0)"),
        ("网贷逾期不还的严重后果", "lending", "网贷(+3.0)"),
        # An e-card bought with it is a purchase (the seeds' blind reviewers: none), so the
        # exclusion cancels both terms; the credit-report word alone is a hint.
        ("先享后付京东e卡是否影响征信探究", NONE, "lending:征信(+1.0)"),
        # Credit-report explainers are none (LABELS.md), a loan over a bad report is lending.
        ("人行征信多久更新", NONE, "lending:征信(+1.0)"),
        ("征信不好怎么贷款", "lending", "贷款(+2.0)"),
        ("先享后付京东e卡全解析", NONE, "cashout:exclude:先享后付京东e卡"),
        # Exclusions: recycling goods is not cashing out stored value.
        ("回收全新电器:环保行动与资源再利用", NONE, "cashout:exclude:回收全新电器"),
        ("显卡回收价格行情", NONE, "cashout:exclude:显卡回收"),
        ("京东回收服务全面升级,送E卡回馈消费者", NONE, "cashout:exclude:送e卡"),
        # 币 in ordinary money words is not a coin; a coin name is.
        ("人民币汇率今日查询", NONE, "crypto:exclude:人民币"),
        ("LHB币白皮书", "crypto", "币(+2.0)"),
        ("上海证券交易所开市时间", NONE, "crypto:exclude:证券交易所"),
        # Tie (cashout 2.0, lending 2.0): cashout has the lower priority and wins.
        ("礼品卡与贷款的区别", "cashout", "礼品卡(+1.5)"),
        # Lending outscores legal when a lawsuit is threatened over a loan.
        ("58借款逾期是否会被起诉", "lending", "58借款(+3.0)"),
        ("人民法院被执行人查询官网", "legal", "被执行人(+3.0)"),
        # English, matched at word edges only.
        ("Payday loans no credit check", "lending", "payday(+3.0)"),
        ("Best online CASINO bonus", "gambling", "casino(+3.0)"),
        ("How to cash out gift cards", "cashout", "cash out(+2.0)"),
        ("Free adult xxx videos", "adult", "xxx(+3.0)"),
        ("Alphabet stock price", NONE, None),
        # Regex metacharacters in a term are literal: "gate.io" does not match "gateXio".
        ("gateXio", NONE, None),
        ("gate.io交易所", "crypto", "gate.io(+3.0)"),
        ("", NONE, None),
    ],
)
def test_classify(lexicon: Lexicon, text: str, category: str, evidence: str | None) -> None:
    verdict = classify(text, lexicon)
    assert verdict.category == category
    if evidence is None:
        assert verdict.evidence == ()
    else:
        assert evidence in verdict.evidence
    assert verdict.flagged is (category != NONE)


def test_verdict_reports_score_and_evidence_in_text_order(lexicon: Lexicon) -> None:
    verdict = classify("58借钱逾期后的借贷可能性", lexicon)
    assert verdict == SpamVerdict("lending", 6.0, ("58借钱(+3.0)", "逾期(+1.0)", "借贷(+2.0)"))


def test_repeated_term_counts_once(lexicon: Lexicon) -> None:
    assert classify("套现 套现 套现", lexicon).score == 3.0


def test_none_verdict_lists_near_misses_by_category(lexicon: Lexicon) -> None:
    verdict = classify("爱租机的手机真伪探究", lexicon)
    assert verdict == SpamVerdict(NONE, 0.0, ("cashout:租机(+0.5)",))


@pytest.mark.parametrize(
    ("anchor", "title", "body", "category", "evidence"),
    [
        # A neutral anchor: the crawled target's title decides.
        ("点击查看", "京东e卡回收平台全解析", None, "cashout", ("title:e卡回收(+3.0)",)),
        # A body term counts at half weight: one strong term (3.0 → 1.5) is not enough...
        ("详情", None, "本文介绍信用卡套现的风险。", NONE, ("cashout:body:套现(+1.5)",)),
        # ...two are.
        (
            "详情",
            None,
            "信用卡套现的风险,以及京东e卡回收平台。",
            "cashout",
            ("body:套现(+1.5)", "body:e卡回收(+1.5)"),
        ),
        # A term in the anchor and the body counts once, at its anchor weight.
        ("京东e卡回收", "", "京东e卡回收到账快", "cashout", ("e卡回收(+3.0)",)),
        # Evidence pools across fields: 购物卡 in the anchor, 回收 and 贷款 in the title.
        (
            "购物卡",
            "回收与贷款的区别",
            None,
            "cashout",
            ("购物卡(+1.5)", "title:回收(+0.5)", "title:贷款(+0.5)"),
        ),
    ],
)
def test_classify_link(
    lexicon: Lexicon,
    anchor: str,
    title: str | None,
    body: str | None,
    category: str,
    evidence: tuple[str, ...],
) -> None:
    verdict = classify_link(anchor, title, body, lexicon)
    assert verdict.category == category
    assert verdict.evidence == evidence


def test_bundled_lexicons_have_one_file_per_category(lexicon: Lexicon) -> None:
    assert [p.stem for p in bundled_lexicon_paths()] == sorted(lexicon.category_names)
    assert lexicon.category_names == ("cashout", "crypto", "gambling", "adult", "lending", "legal")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_replaces_a_bundled_category_and_adds_one(tmp_path: Path) -> None:
    override = _write(
        tmp_path / "my_cashout.toml",
        'category = "cashout"\nthreshold = 2.0\npriority = 10\n[terms]\n"黄金回收" = 3.0\n',
    )
    added = _write(
        tmp_path / "pyramid.toml",
        'threshold = 2.5\nexclusions = ["反传销"]\n[terms]\n"传销" = 3.0\n"拉人头" = 2.0\n',
    )
    lexicon = load_lexicons([override, added], model=None)
    assert "pyramid" in lexicon.category_names
    assert lexicon.category("pyramid").source == added
    assert classify("黄金回收价格", lexicon).category == "cashout"
    # The bundled cashout terms are gone: the user file replaced the whole category.
    assert classify("京东e卡回收", lexicon).category == NONE
    assert classify("传销拉人头", lexicon) == SpamVerdict(
        "pyramid", 5.0, ("传销(+3.0)", "拉人头(+2.0)")
    )
    assert classify("反传销宣传", lexicon).category == NONE
    # Bundled categories the user did not touch are still there.
    assert classify("58借钱", lexicon).category == "lending"


def test_user_files_alone(tmp_path: Path) -> None:
    only = _write(tmp_path / "pyramid.toml", 'threshold = 2.0\n[terms]\n"传销" = 3.0\n')
    lexicon = load_lexicons([only], bundled=False, model=None)
    assert lexicon.category_names == ("pyramid",)
    assert classify("58借钱", lexicon).category == NONE


def test_lexicon_built_from_categories() -> None:
    lexicon = Lexicon(
        (
            Category("b", threshold=1.0, terms={"x": 1.0}, priority=2),
            Category("a", threshold=1.0, terms={"x": 1.0}, priority=1),
        )
    )
    # Same score: the lower priority wins.
    assert classify("x", lexicon).category == "a"


def test_category_built_in_code_is_normalised() -> None:
    lexicon = Lexicon((Category("cards", threshold=1.0, terms={"京東E卡": 2.0}),))
    assert classify("京东e卡", lexicon) == SpamVerdict("cards", 2.0, ("京東E卡(+2.0)",))
    with pytest.raises(LexiconError, match="both normalise to 'e卡'"):
        Lexicon((Category("cards", threshold=1.0, terms={"E卡": 2.0, "ｅ卡": 1.0}),))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # Broken TOML: the parser's position is kept.
        ('threshold = 2.0\n[terms\n"套现" = 3.0\n', "malformed TOML"),
        ('threshold = 2.0\n[terms]\n"套现" = "high"\n', "terms.'套现': 'high' is not a number"),
        ('threshold = 2.0\n[terms]\n"套现" = -1\n', "terms.'套现': -1 must be a positive"),
        ('threshold = 2.0\n[terms]\n"套现" = true\n', "terms.'套现': True is not a number"),
        ('threshold = 2.0\n[terms]\n"套现" = nan\n', "terms.'套现': nan must be a positive"),
        ('threshold = 0\n[terms]\n"套现" = 3.0\n', "threshold: 0 must be a positive"),
        ('[terms]\n"套现" = 3.0\n', "missing key 'threshold'"),
        ("threshold = 2.0\n", "missing table [terms]"),
        ('treshold = 2.0\n[terms]\n"套现" = 3.0\n', "unexpected key 'treshold'"),
        ('threshold = 2.0\npriority = "high"\n[terms]\n"套现" = 3.0\n', "priority: 'high'"),
        ('threshold = 2.0\nexclusions = "环保"\n[terms]\n"套现" = 3.0\n', "exclusions:"),
        ('threshold = 2.0\nexclusions = [""]\n[terms]\n"套现" = 3.0\n', "exclusions[0]"),
        ('category = "none"\nthreshold = 2.0\n[terms]\n"a" = 1.0\n', "category: 'none'"),
        ('threshold = 2.0\n[terms]\n"  " = 1.0\n', "terms.'  ': a term must contain text"),
        # Two spellings of one term after normalisation (traditional / simplified).
        ('threshold = 2.0\n[terms]\n"贷款" = 2.0\n"貸款" = 3.0\n', "terms.'貸款': normalises"),
    ],
)
def test_bad_lexicon_file_names_file_and_key(tmp_path: Path, content: str, message: str) -> None:
    path = _write(tmp_path / "broken.toml", content)
    with pytest.raises(LexiconError) as info:
        load_lexicons([path])
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_missing_lexicon_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(LexiconError, match=r"absent\.toml: cannot read lexicon file"):
        load_lexicons([path])


def test_same_category_in_two_user_files(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.toml", 'category = "x"\nthreshold = 1.0\n[terms]\n"a" = 1.0\n')
    second = _write(tmp_path / "b.toml", 'category = "x"\nthreshold = 1.0\n[terms]\n"b" = 1.0\n')
    with pytest.raises(
        LexiconError, match=r"b\.toml: category 'x' is already defined by .*a\.toml"
    ):
        load_lexicons([first, second])


def _seed_related_titles() -> set[str]:
    titles: set[str] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        start = lines.index("相关内容:") + 1
        titles.update(t.strip() for t in lines[start:] if t.strip() and t.strip() != "To Top")
    return titles


def test_labels_cover_every_seed_title_with_valid_rows(lexicon: Lexicon) -> None:
    rows = eval_spam.load_labels()  # also checks columns and the hash split of every row
    assert len(rows) >= 300
    assert len({row.title for row in rows}) == len(rows)
    assert {row.title for row in rows if row.source == "seed"} == _seed_related_titles()
    assert {row.source for row in rows} == {"seed", "written"}
    assert {row.category for row in rows} == {*lexicon.category_names, NONE}
    dev = sum(row.split == "dev" for row in rows)
    assert 0.4 < dev / len(rows) < 0.6


# The rules' own examples (../shared/LABELS.md's table), and plain filler. The model is
# retrained as the labelled corpus grows, so the test asks for 90 % of them, naming the misses.
LABELS_EXAMPLES = [
    ("花呗套现秒到账", "cashout"),
    ("京东白条提现方法", "cashout"),
    ("分付怎么提现出来", "cashout"),
    ("美团月付套现教程", "cashout"),
    ("京东e卡回收平台", "cashout"),
    ("预付款回收靠谱吗", "cashout"),
    ("全新未拆封手机回收", "cashout"),
    ("油卡回收", "cashout"),
    ("分期买手机哪个平台好", NONE),
    ("旧手机以旧换新怎么换", NONE),
    ("今日下款口子推荐", "lending"),
    ("黑户不看征信的贷款", "lending"),
    ("58好借是否正规", "lending"),
    ("借呗额度怎么提升", "lending"),
    ("人行征信多久更新一次", NONE),
    ("花呗怎么还款", NONE),
    ("信用卡怎么还款", NONE),
    ("USDT怎么买", "crypto"),
    ("比特币今日价格", "crypto"),
    ("币圈交易所排名", "crypto"),
    ("抖币怎么充值", NONE),
    ("澳门币兑人民币汇率", NONE),
    ("四肖八码期期准", "gambling"),
    ("六合彩开奖记录", "gambling"),
    ("娱乐城注册送彩金", "gambling"),
    ("麻将馆合法吗", "gambling"),
    ("双色球开奖结果", NONE),
    ("无码一区二区", "adult"),
    ("同城上门服务微信", "adult"),
    ("恋爱约会技巧", NONE),
    ("被法院强制执行怎么办", "legal"),
    ("被执行人名单查询", "legal"),
    ("网贷逾期被起诉怎么办", "legal"),
    ("暴力催收怎么投诉", "legal"),
    ("网贷逾期被催收怎么办", "lending"),
    ("红烧肉的做法", NONE),
    ("北京旅游攻略", NONE),
]


def test_labels_md_examples(combined: Lexicon) -> None:
    misses = [
        (text, gold, verdict.category)
        for text, gold in LABELS_EXAMPLES
        if (verdict := classify(text, combined)).category != gold
    ]
    assert len(misses) <= len(LABELS_EXAMPLES) // 10, misses


def test_model_verdict_gives_terms_ngrams_and_probability(combined: Lexicon) -> None:
    verdict = classify("京东e卡回收平台", combined)
    assert verdict.category == "cashout"
    assert 0.5 < verdict.score <= 1.0
    assert "e卡回收(+3.0)" in verdict.evidence
    grams = [e for e in verdict.evidence if e.startswith("model:")]
    assert 1 <= len(grams) <= 3
    # Each shown n-gram is in the (normalised) text and pushes towards the category.
    for item in grams:
        gram, weight = item.removeprefix("model:").rstrip(")").split("(+")
        assert gram in "京东e卡回收平台"
        assert float(weight) > 0


def test_model_none_verdict_shows_what_the_lexicons_saw(combined: Lexicon) -> None:
    verdict = classify("人行征信多久更新一次", combined)
    assert verdict.category == NONE
    assert verdict.score == 0.0
    assert verdict.evidence[0].startswith("model:none(")
    assert "lending:征信(+1.0)" in verdict.evidence


def test_user_category_unknown_to_the_model_still_decides(tmp_path: Path) -> None:
    added = _write(tmp_path / "pyramid.toml", 'threshold = 2.5\n[terms]\n"传销" = 3.0\n')
    lexicon = load_lexicons([added])
    assert lexicon.model is not None
    assert classify("传销组织内幕", lexicon).category == "pyramid"
    assert classify("京东e卡回收平台", lexicon).category == "cashout"


def test_model_link_title_decides_and_body_only_adds_evidence(combined: Lexicon) -> None:
    verdict = classify_link("点击查看", "京东e卡回收平台全解析", None, combined)
    assert verdict.category == "cashout"
    assert "title:e卡回收(+3.0)" in verdict.evidence
    # A body full of cash-out words does not make a neutral link risky...
    assert classify_link("详情", None, "信用卡套现,京东e卡回收", combined).category == NONE
    # ...but adds its terms of the chosen category, at half weight, to a risky one.
    with_body = classify_link("京东e卡回收", None, "信用卡套现的风险", combined)
    assert with_body.category == "cashout"
    assert "body:套现(+1.5)" in with_body.evidence
    assert with_body.score == classify("京东e卡回收", combined).score


def test_classify_texts_matches_classify(combined: Lexicon) -> None:
    texts = ["京东e卡回收", "红烧肉的做法", "京东e卡回收", "USDT怎么买"]
    assert classify_texts(texts, combined) == [classify(t, combined) for t in texts]
