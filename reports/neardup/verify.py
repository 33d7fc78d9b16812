"""The title pair verifier (step 4 of `reports.neardup`): weighted Jaccard of the unit sets,
with the conflict rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.tokens import CODE_BITS, Units, ranges

if TYPE_CHECKING:
    from numpy.typing import NDArray


def verify(
    units: Units,
    pairs: NDArray[np.int64],
    chunk: int = 1 << 14,
    *,
    same_question: bool = False,
    contained: bool = False,
    numbers: bool = True,
) -> NDArray[np.float64]:
    """Weighted Jaccard of each pair's unit sets; 0 where their main titles conflict.

    With `same_question`, also 0 unless the two titles ask the same aspects (`Units.question`),
    at least one. With `same_question` or `contained`, also 0 unless the main-title content of
    one title is all in the other title and each title's subject (head) occurs in the other.
    With `numbers` (default), also 0 when one main title names a number and the other none;
    typo pairs are checked without it, since a typo can break a number (一天 → 一).
    """
    sims = np.zeros(len(pairs), dtype=np.float64)
    shift = np.uint64(CODE_BITS)
    sizes = np.diff(units.offsets)
    # Nothing past the subject: no tail, no filler, no question, no subtitle.
    bare = (units.tail_count == 0) & (sizes == units.main_count)
    for lo in range(0, len(pairs), chunk):
        a, b = pairs[lo : lo + chunk, 0], pairs[lo : lo + chunk, 1]
        local = np.arange(a.size, dtype=np.int64)
        row_a = np.repeat(local, sizes[a])
        ia = ranges(units.offsets[a], sizes[a])
        ib = ranges(units.offsets[b], sizes[b])
        # Rows are sorted by code, so the keys (pair << 40 | code) of each side are sorted.
        ka = (row_a.astype(np.uint64) << shift) | units.codes[ia]
        kb = (np.repeat(local, sizes[b]).astype(np.uint64) << shift) | units.codes[ib]
        if kb.size:
            found = np.minimum(np.searchsorted(kb, ka), kb.size - 1)
            hit = kb[found] == ka
            at = ib[found]  # the matching unit of b, where hit
        else:
            at, hit = ia, np.zeros(ia.size, dtype=bool)
        inter = np.bincount(
            row_a,
            weights=np.where(hit, np.minimum(units.weights[ia], units.weights[at]), 0.0),
            minlength=a.size,
        ).astype(np.float64, copy=False)  # bincount of nothing is int
        union = units.total[a] + units.total[b] - inter
        sim = np.divide(inter, union, out=np.ones_like(inter), where=union > 0)
        conflict = (
            (units.token_count[a] > 0)
            & (units.token_count[b] > 0)
            & (units.token_sig[a] != units.token_sig[b])
        )
        # Both name their question, but not a common one: another question about the subject.
        # Two subtitles alone do not count: a spun subtitle is free to say anything.
        asked = np.flatnonzero(units.question[ia])
        shared = np.bincount(
            row_a[asked], weights=hit[asked] & units.question[at[asked]], minlength=a.size
        )
        conflict |= (
            (units.question_count[a] > 0)
            & (units.question_count[b] > 0)
            & (units.asks[a] | units.asks[b])
            & (shared == 0)
        )
        # Past their subjects the main titles share nothing and no aspect is common: the same
        # subject, another question (X / X退费指南, X还款指南 / X平台介绍). Shared means the unit
        # occurs anywhere in the other title, so a question moved into the subtitle counts.
        tail_shared = np.bincount(
            row_a,
            weights=hit & (units.tail[ia] | units.tail[at] | units.marker[ia]),
            minlength=a.size,
        )
        conflict |= (units.tail_count[a] + units.tail_count[b] >= 2) & (tail_shared == 0)
        conflict |= _place_conflict(units.places[a], units.places[b])
        # A bare name (its subject alone: 百家乐, 行业资讯, 债权债务) is a tag or topic page, no
        # re-spin of an article about it (百家乐 / 百家乐:以智慧和运气为基础的经典博彩游戏) nor of
        # another name; only a copy reading the same (a stamp or a variant away) is one.
        conflict |= (bare[a] | bare[b]) & (sim < 1.0)
        # One main title negates and the other does not: 激活 / 未激活, 看征信 / 不看征信 say
        # the opposite (未通过 / 不通过 say the same).
        conflict |= (units.negation_count[a] > 0) != (units.negation_count[b] > 0)
        # One main title names a number and the other title none, not even in its subtitle:
        # an amount, a model or a term against the general question (零首付24期分期购机 /
        # 零首付分期购机攻略; a number moved into the subtitle is still said).
        if numbers:
            conflict |= (units.number_count[a] > 0) & (units.any_number_count[b] == 0)
            conflict |= (units.number_count[b] > 0) & (units.any_number_count[a] == 0)
        if same_question:
            # The same questions, all of them: one asked on top (零利率优势 / 月利息) is another
            # article about the subject.
            qa, qb = units.question_count[a], units.question_count[b]
            conflict |= (shared == 0) | (qa != shared) | (qb != shared)
        if same_question or contained:
            # One main title says nothing the other title does not: 小花钱包退费 within
            # 小花钱包服务费退款政策, but not 物业招聘电话 / 物业客服电话 (two lines) or 分期购买
            # 手机 / 电脑 (two things); the other may add spin.
            # And each title's subject (its head) occurs in the other title: 话与借条… is not
            # within 卡文借条…打电话… although 话 occurs there; 回收手机预付款平台 is within
            # 预付款手机回收平台 (a reorder), and 零首付分期购机:24期 within 零首付24期分期购机.
            a_in = np.bincount(row_a, weights=hit & units.main[ia], minlength=a.size)
            b_in = np.bincount(row_a, weights=hit & units.main[at], minlength=a.size)
            head_a, head_b = units.main[ia] & ~units.tail[ia], units.main[at] & ~units.tail[at]
            a_heads = np.bincount(row_a, weights=hit & head_a, minlength=a.size)
            b_heads = np.bincount(row_a, weights=hit & head_b, minlength=a.size)
            head_count = units.main_count - units.tail_count
            one_within = (a_in == units.main_count[a]) | (b_in == units.main_count[b])
            subjects_met = (a_heads == head_count[a]) & (b_heads == head_count[b])
            conflict |= ~(one_within & subjects_met)
        sims[lo : lo + chunk] = np.where(conflict, 0.0, sim)
    return sims


def _place_conflict(pa: NDArray[np.int64], pb: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Both main titles name places (rows of place ids, -1 pads) but share none."""
    same: NDArray[np.bool_] = (pa[:, :, None] == pb[:, None, :]) & (pa[:, :, None] >= 0)
    shared = same.any(axis=(1, 2))
    out: NDArray[np.bool_] = (pa[:, 0] >= 0) & (pb[:, 0] >= 0) & ~shared
    return out
