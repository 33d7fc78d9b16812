"""reports.neardup.template_families: template siblings reported as one spam family."""

from __future__ import annotations

from bench import dedup
from reports.neardup import TemplateFamily, cluster_titles, template_families, title_findings
from reports.neardup.families import _slot_keys
from reports.textnorm import normalize_text

ESCORT = [
    "北京上门服务联系方式",
    "上海上门服务联系方式",
    "广州上门服务联系方式",
    "乌鲁木齐上门服务联系方式",
]


def test_a_city_template_is_one_family_with_its_slot_values() -> None:
    titles = [*ESCORT, "北京上门服务联系方式", "京东白条还款流程详解"]
    assert template_families(titles) == [
        TemplateFamily(
            template="{}上门服务联系方式",
            members=(0, 1, 2, 3),
            slots=("北京", "上海", "广州", "乌鲁木齐"),
        )
    ]


def test_lender_template_keeps_its_suffix_and_width_variants_are_one_member() -> None:
    titles = [
        "恒小花平台的安全性分析",
        "58好借平台的安全性分析",
        "５８好借平台的安全性分析",
        "京东白条平台的安全性分析",
    ]
    [family] = template_families(titles)
    assert family.template == "{}平台的安全性分析"
    assert family.members == (0, 1, 3)
    assert family.slots == ("恒小花", "58好借", "京东白条")


def test_reworded_questions_about_one_subject_are_respins_not_a_family() -> None:
    titles = ["小花钱包还款流程详解", "小花钱包还款步骤详解", "小花钱包还款过程详解"]
    assert template_families(titles) == []


def test_two_siblings_are_not_yet_a_family() -> None:
    assert template_families(ESCORT[:2]) == []
    assert len(template_families(ESCORT[:2], min_members=2)) == 1


def test_every_member_is_its_template_filled_with_its_slot() -> None:
    titles, _ = dedup.generate_titles(3000, 0)
    families = template_families(titles)
    assert len(families) >= 20
    seen: set[int] = set()
    for family in families:
        assert len(set(family.slots)) == len(family.slots) >= 3
        assert not seen & set(family.members)
        seen |= set(family.members)
        for index, slot in zip(family.members, family.slots, strict=True):
            assert normalize_text(titles[index]) == family.template.replace("{}", slot, 1)


def test_names_one_character_apart_are_siblings_kept_apart_from_duplicates() -> None:
    titles = [
        "小花钱包平台的安全性分析",
        "小米钱包平台的安全性分析",
        "58好借平台的安全性分析",
        "小花钱包平台的安全性分析",
    ]
    # The verifier alone pairs the first two (one character apart in a long template).
    assert [c.members for c in cluster_titles(titles)] == [(0, 1, 3)]
    [family] = template_families(titles)
    assert family.slots == ("小花钱包", "小米钱包", "58好借")
    apart = [0 if i in family.members else -1 for i in range(len(titles))]
    # As a family, the siblings are no duplicates; the exact copy still is.
    assert [c.members for c in cluster_titles(titles, apart=apart)] == [(0, 3)]


def test_family_members_asking_one_question_in_other_words_stay_duplicates() -> None:
    # Web titles: the blind reviewers grouped 是什么 / 有哪些 (one question), not 数量.
    titles = ["php计算可用的优惠券数量", "php计算可用的优惠券是什么", "php计算可用的优惠券有哪些"]
    clusters, families = title_findings(titles)
    assert [f.members for f in families] == [(0, 1, 2)]
    assert [c.members for c in clusters] == [(1, 2)]


def test_cuts_in_many_passes_and_chunks_are_those_of_one_pass() -> None:
    titles, _ = dedup.generate_titles(3000, 0)
    titles += [*ESCORT, "", "短"]
    distinct = sorted(set(titles))
    whole = _slot_keys(distinct, 6, 5, 3, pass_cuts=1 << 40, chunk_chars=1 << 40)
    # 16 passes, chunks of about 100 titles: the same cuts in the same order (ties depend on it).
    split = _slot_keys(
        distinct, 6, 5, 3, pass_cuts=len("".join(distinct)) * 6 >> 4, chunk_chars=2000
    )
    assert whole[0].size > 1000
    for a, b in zip(whole, split, strict=True):
        assert a.dtype == b.dtype
        assert (a == b).all()
    families = template_families(titles)
    assert template_families(titles, pass_cuts=20_000, chunk_chars=500) == families
    assert title_findings(titles)[1] == families
