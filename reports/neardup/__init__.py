"""Near-duplicate clusters of titles (re-spins, not template siblings) and of article bodies.

A content farm re-spins a title by swapping its subtitle ("京东e卡回收全攻略:轻松三步实现卡券变现"
→ "…:轻松三步实现价值回归"), template words (解析 → 详解, 与 → 和), synonyms (可靠性 → 安全性),
width, case or script, or a character or two. It also fills one template with many subjects
("X平台的安全性分析"); those siblings are different articles. Character n-gram MinHash cannot
tell them apart on ten-character titles: the re-spin above has a 3-gram Jaccard of 0.64, while
siblings sharing a long template often score higher.

Titles, in five steps (`cluster_titles`, `find_pairs`; modules `tokens`, `variants`,
`prefixes`, `candidates`, `verify`, `linkage`, `titles`):

1. Exact: texts equal after `normalize_text` are one item; later steps see distinct texts only.
   Variant wordings of one thing (`dedup/title_variants.toml`: 预付款 / 先付款 / 信用预付) are
   then folded to the class's first word. A column name the crawl writes before several
   longer article titles (电子消费券|…, module `columns`) is moved behind its article, as its
   subtitle, and a year stamp (2025年…, 【2025 最新】, module `stamps`) is read away. A title
   whose first two characters the crawl implies (京东 before e卡: module `prefixes`) is also
   read without them, beside titles that start where that reading does (京东e卡回收全攻略 /
   e卡回收的最简单处理方法详解).
2. Units: a text becomes a sequence of units: a Chinese character, a run of other letters or
   digits ("iphone", "13"), a Chinese number before a counter (十六岁, 两年: the token "16",
   "2", like digits), a filler class from `dedup/title_fillers.toml` (解析, 详解 and 分析 are
   one unit), or an aspect word from `dedup/title_aspects.toml`: a word naming the question
   asked about the subject (条件, 流程, 价格, 所在地...). An aspect word becomes a marker of its
   class (weight 0) and the characters of its class's canonical word, so 具体要求 and 所需条件
   (具体, 所需 are fillers) both read 要求, and 所在地 and 地理位置 both read 位置; the
   characters, not one class unit, keep a character swap (间时 for 时间) as cheap as before.
   Fillers and aspects match together, longest first. The first separator (one of
   `:|?!([—–―【〖〔丨`, or a hyphen or underscore not between two letters or digits, so that
   "标题-站名" splits and "iphone-13" does not) after `min_main_units` content units ends the
   main title; the rest is the subtitle. Characters, tokens and canonical characters are
   content.
3. Candidates, by deletion neighbourhood instead of MinHash (a ten-character title has too few
   and too common n-grams for LSH bands to separate it from its siblings): each text emits
   hashes of its main-title content multiset with 0, 1 or 2 adjacent units deleted. Texts
   sharing a hash with at most `max_edits` deletions between them are candidates, so main
   titles that differ by one unit, or by an inserted or dropped run of two, are always found.
   A run of two replaced on both sides counts only in buckets of at most `swap_bucket` texts
   (off by default: synonyms are aspect classes, and a replaced word is rejected below).
   Identical main titles (subtitle or filler swaps, reordering, reworded aspects) share the
   undeleted hash. Texts without main-title content (all filler) only get exact duplicates.
   In these keys a unit counts once, unless right after a copy of itself (转转, 的的), so that
   a keyword-stuffed title (京东卡e卡回收电子卡全面指南 says 卡 three times) meets a plain
   re-spin; a pair with a title that repeats a unit is kept only when the main-title content of
   one title is all in the other and each title's subject occurs in the other (not 话与借条… /
   卡文借条…打电话…: 话 is there, but not as a subject).
   Main titles opening with the same `subject_units` content units (the subject) and asking
   the same set of aspects are candidates too (小花钱包退费指南 / 小花钱包服务费退款政策解析: a
   question reworded beyond the deletion neighbourhood); they are kept at `subject_threshold`
   when no conflict rule rejects them, they ask the same questions, and the main-title content
   of one is all in the other title (not 物业招聘电话 / 物业客服电话, 分期购买手机 / 电脑).
4. Verifier: weighted Jaccard of the two unit sets. A content unit weighs 1, a filler
   `filler_weight`; units after the separator are multiplied by `subtitle_weight`, the first
   `head_units` content units of the main title by `head_weight` (a Chinese title opens with its
   subject). A pair is rejected when its main titles conflict: both hold letter/digit tokens but
   not the same set (苹果12 vs 苹果13, Pro vs Pro Max, 两年 vs 三年), or both name aspects but
   share none (X的利息 vs X的条件: same subject, another question; a title whose main title
   names none is judged by its subtitle's, but two subtitles alone never conflict, since a
   spun subtitle says anything). It is also rejected when the main titles say two units or
   more past their first `head_units` content units (the subject), none of which occurs
   anywhere in the other title, and the two share no aspect either: the same subject, asked
   something the aspect lexicon does not name (小花钱包 / 小花钱包退费指南,
   民生易贷APP还款指南 / 民生易贷平台介绍), which the heavy head would otherwise carry over the
   threshold. One such unit is a typo, not a question. Last, it is rejected when both main
   titles name places from `dedup/title_places.toml` but share none (杭州 / 广州, 长春 / 长沙:
   one character apart, two places); when one main title negates (未, 不, 无, 没, 非; not 不 or
   没 between two equal characters, 高不高 and 有没有 ask) and the other does not (激活 /
   未激活); and when one main title names a number (24期, 十二期, iPhone 13) and the other
   title none, not even in its subtitle: a term, an amount or a model against the general
   question. A bare name (a title that is its subject alone: 百家乐, 行业资讯) pairs only with a
   title reading the same: it is a topic page, not an article. Two titles naming different
   days anywhere (12/1 / 11/3, module `dates`) are two articles. A pair
   is a near-duplicate at `threshold` or above.
5. Typos (`candidates.typo_pairs`): a character deleted, doubled or swapped inside a lexicon
   word breaks the word (时间解析 → 时解间析 leaves neither 时间 nor 解析), so such a re-spin is
   neither a candidate nor above the threshold. Each main title is also read as a plain
   string of its letters, digits and Chinese characters, once as it is and once without its intact
   filler words (so a typo also meets a copy with an adjective added or 解析 → 详解); past its
   first `head_units` characters (the subject), one character deleted from one string giving
   the other, or the same character deleted from both at different places giving one string
   (a swap or a move), makes a pair, found by hashing each string with each such character
   deleted. These pairs pass at `threshold` unless a conflict rule of step 4 other than the
   number rule (a typo can break a number: 一天 → 一) rejects them. A
   replaced character is not a typo here: it is as often another name (小花钱包 / 小米钱包).

Known limits: rewordings outside the aspect lexicon that share few characters (上征信 /
查询征信报告, 落寞 / 衰落) are missed; the verifier compares sets of units, so two subjects with
the same characters but one, in another order (第按认易贷 / 按第易贷), or one holding a
one-character filler word (免或易贷 / 免请贷: 或 weighs as filler), pass in a long shared
template, as do siblings whose subjects differ by one character where no lexicon names them
(小花钱包 / 小米钱包); a typo past the subject that inserts 不 reads as a typo, not a negation;
two typos, or a typo and an adjective inside one lexicon word, are missed; the normaliser maps
the common traditional characters but not those that are also simplified ones (乾, 著), which
stay one character off.

On the seeds' related links, labelled by two independent reviewers (bench/eval_neardup_real.py),
this finds a little under half of the pairs both reviewers grouped on the dev seeds: their
re-spins are mostly rewordings that share few characters (先拿钱再回收 / 预付款回收平台), which
no lexical rule here reaches; see docs/benchmarks.md.

Template families (`template_families`, module `families`): titles that fill one template with
different names (城市 + 上门服务联系方式, lender + 平台的安全性分析) are siblings, not re-spins;
together they are one spam finding: the template, its members and each member's slot value.
`title_findings` gives both as the audit reports them (`spam_families`, `duplicate_clusters`):
the families go to `cluster_titles(..., apart=...)`, so siblings the verifier cannot tell apart
are not also reported as duplicates; members whose slot is question wording alone (是什么 /
有哪些) name nothing, and may still be re-spins of one another (`unnamed=...`).

Bodies (`cluster_texts`, module `bodies`): character shingles of `text_shingle` characters
(punctuation and spaces dropped), MinHash with `text_num_perm` permutations, LSH with
`text_bands` bands; a candidate pair is kept when its MinHash-estimated Jaccard similarity
reaches `text_threshold`.

Clusters: verified pairs link distinct texts. With `linkage="star"` (default), texts are taken
in first-seen order; one that no earlier text has taken becomes a representative and takes
every verified neighbour not yet taken, so every member was verified against its
representative and no chain forms (`Cluster.similarity`: the weakest member-representative
pair). With `linkage="single"`, clusters are connected components (union-find): A~B and B~C
join A and C even when they do not match (`similarity`: the weakest verified pair). Single
linkage keeps families spun from one another whole, but also chains template siblings through
one-character subject differences, so star is the default (figures in docs/benchmarks.md).
Texts with no duplicate are left out (no singleton clusters), so every input index is in at
most one cluster. The representative (survivor) is the smallest input index: the first text
seen.
"""

from reports.neardup.bodies import BodySigner, cluster_texts
from reports.neardup.config import DedupConfig, DedupError
from reports.neardup.families import TemplateFamily, template_families, title_findings
from reports.neardup.linkage import Cluster
from reports.neardup.titles import cluster_titles, find_pairs
from reports.neardup.tokens import (
    FillerLexicon,
    load_aspects,
    load_fillers,
    load_places,
    load_variants,
)
from reports.neardup.variants import fold_variants

__all__ = [
    "BodySigner",
    "Cluster",
    "DedupConfig",
    "DedupError",
    "FillerLexicon",
    "TemplateFamily",
    "cluster_texts",
    "cluster_titles",
    "find_pairs",
    "fold_variants",
    "load_aspects",
    "load_fillers",
    "load_places",
    "load_variants",
    "template_families",
    "title_findings",
]
