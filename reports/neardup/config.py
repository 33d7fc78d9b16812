"""Near-duplicate parameters (`DedupConfig`) and their error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pipelines.store.errors import FarmauditError

if TYPE_CHECKING:
    pass


ClusterKind = Literal["exact", "near"]
Linkage = Literal["star", "single"]


class DedupError(FarmauditError):
    """A bad `DedupConfig` value or filler lexicon; the message names the value or file."""


@dataclass(frozen=True)
class DedupConfig:
    """Title and body near-duplicate parameters; title defaults tuned on the dev split."""

    #: Titles: weighted Jaccard of the unit sets needed for a re-spin, in (0, 1].
    threshold: float = 0.66
    #: Titles: weight of a filler unit (template word), in [0, 1].
    filler_weight: float = 0.2
    #: Titles: factor on units after the main title's separator (the spun subtitle), in [0, 1].
    subtitle_weight: float = 0.1
    #: Titles: factor on the first `head_units` content units of the main title, >= 1.
    head_weight: float = 2.0
    head_units: int = 4
    #: Titles: content units needed before a separator for it to start a subtitle.
    min_main_units: int = 2
    #: Titles: deletions allowed between two candidates' main titles, 0 to 3 (module doc);
    #: 3 also finds three-character insertions, at about 2.4x the candidates.
    max_edits: int = 2
    #: Titles: largest bucket whose texts are paired on two deletions each (0: never). Off by
    #: default: two characters replaced on both sides are a replaced word, a subject or a
    #: question (手机/电脑, 南宁/昆明), unless they are synonyms, which aspect classes unify.
    swap_bucket: int = 0
    #: Titles: main titles opening with the same this many content units (the subject) and
    #: asking the same set of aspects are candidates too (0: never), verified at
    #: `subject_threshold` instead of `threshold` and kept only when one main title says
    #: nothing the other title does not: the same subject asked the same question in other
    #: words (小花钱包退费指南 / 小花钱包服务费退款政策解析). Measured in docs/benchmarks.md.
    subject_units: int = 3
    subject_threshold: float = 0.6
    #: Titles: a main title's first two characters are implied (京东 before e卡) when more than
    #: this share of the crawl's titles holding the next two hold them right before (module
    #: `prefixes`); such a title is also read without them. 1: never.
    implied_share: float = 0.5
    #: Titles: a head the crawl writes before this many different, longer remainders that
    #: follow no other head is a column name (电子消费券|…), read as the subtitle of the text
    #: after it (module `columns`); 0: never. The remainders are at least `column_ratio`
    #: times as long as the head.
    column_titles: int = 3
    column_ratio: float = 1.5
    #: Titles: a deletion key is made only when this many main-title units remain.
    min_remaining: int = 3
    #: How verified pairs become clusters: "star" (each member verified against the
    #: representative, no chains) or "single" (connected components; chains allowed).
    linkage: Linkage = "star"
    #: Bodies: LSH buckets larger than this are linked as a star to their first text instead
    #: of all pairs, so one huge family cannot make the pair count quadratic.
    max_bucket: int = 200
    #: Titles: the same for the candidate buckets (deletion keys, subjects, typos). 32, not
    #: 200: a big farm's titles fill many buckets of 50-200 (one template, many amounts and
    #: cities), whose all-pairs made the title step grow as n^1.8 (1.95 GB at 400k bench
    #: titles); 32 keeps 99 % of the clustered titles there and every labelled figure.
    title_bucket: int = 32
    #: Titles: units per title kept for the verifier (main title first, subtitle cut).
    max_units: int = 32
    #: Titles: filler lexicon file; None means the bundled one.
    filler_lexicon: Path | None = None
    #: Titles: aspect lexicon file; None means the bundled one.
    aspect_lexicon: Path | None = None
    #: Titles: place lexicon file; None means the bundled one.
    place_lexicon: Path | None = None
    #: Titles: variant lexicon file (wordings folded to one before the units); None means
    #: the bundled one.
    variant_lexicon: Path | None = None
    #: Bodies: characters per shingle.
    text_shingle: int = 5
    #: Bodies: MinHash permutations and LSH bands (`text_num_perm` a multiple of the bands).
    text_num_perm: int = 128
    text_bands: int = 32
    #: Bodies: estimated Jaccard similarity of the shingle sets for a near-duplicate.
    text_threshold: float = 0.5
    #: Bodies: seed of the MinHash permutations.
    seed: int = 1

    def __post_init__(self) -> None:
        """Refuse values outside their range, naming the field."""
        checks = [
            ("threshold", 0 < self.threshold <= 1, "in (0, 1]"),
            ("filler_weight", 0 <= self.filler_weight <= 1, "in [0, 1]"),
            ("subtitle_weight", 0 <= self.subtitle_weight <= 1, "in [0, 1]"),
            ("head_weight", self.head_weight >= 1, ">= 1"),
            ("head_units", self.head_units >= 0, ">= 0"),
            ("min_main_units", self.min_main_units >= 1, ">= 1"),
            ("max_edits", 0 <= self.max_edits <= 3, "in 0..3"),
            ("swap_bucket", self.swap_bucket >= 0, ">= 0"),
            ("min_remaining", self.min_remaining >= 1, ">= 1"),
            ("subject_units", self.subject_units >= 0, ">= 0"),
            ("subject_threshold", 0 < self.subject_threshold <= 1, "in (0, 1]"),
            ("column_titles", self.column_titles >= 0, ">= 0"),
            ("column_ratio", self.column_ratio > 0, "> 0"),
            ("implied_share", 0 <= self.implied_share <= 1, "in [0, 1]"),
            ("max_bucket", self.max_bucket >= 2, ">= 2"),
            ("title_bucket", self.title_bucket >= 2, ">= 2"),
            ("max_units", self.max_units >= 1, ">= 1"),
            ("linkage", self.linkage in ("star", "single"), "'star' or 'single'"),
            ("text_shingle", self.text_shingle >= 1, ">= 1"),
            ("text_num_perm", self.text_num_perm >= 1, ">= 1"),
            ("text_bands", 1 <= self.text_bands <= self.text_num_perm, "in 1..text_num_perm"),
            ("text_threshold", 0 < self.text_threshold <= 1, "in (0, 1]"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise DedupError(f"DedupConfig.{name}={getattr(self, name)!r}, expected {expected}")
        if self.text_num_perm % self.text_bands:
            raise DedupError(
                f"DedupConfig.text_num_perm={self.text_num_perm} is not a multiple of "
                f"text_bands={self.text_bands}"
            )
