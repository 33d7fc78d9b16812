"""Off-topic parameters (`OfftopicConfig`), their error, and the default stopwords."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.store.errors import FarmauditError

if TYPE_CHECKING:
    pass


#: The stopword list shipped with the package.
BUNDLED_STOPWORDS = Path(__file__).parents[1] / "topics" / "stopwords.txt"


def load_stopwords(path: Path) -> tuple[str, ...]:
    """The words of a stopword file: one a line, blank lines and `#` comments skipped."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return tuple(line for line in lines if line)


#: Aspect words: what farm titles ask about any service, not which service (the file says
#: more). Cut out before n-grams.
DEFAULT_STOPWORDS = load_stopwords(BUNDLED_STOPWORDS)


class OfftopicConfigError(FarmauditError):
    """An off-topic option out of range; the message names the option and the value."""


@dataclass(frozen=True)
class OfftopicConfig:
    """Options of the relatedness model and of the off-topic findings, with tuned defaults."""

    #: A link whose relatedness is below this is off-topic (tuned on the dev split of
    #: bench/eval_offtopic.py: precision 0.987, recall 0.971 of off-topic links there).
    threshold: float = 0.2
    #: A related block is mostly off-topic (or mostly risky) when that share of its links is.
    page_share: float = 0.5
    #: Longest n-gram of units (1 = characters only).
    ngram_max: int = 2
    #: Weight of the source's title against its body in the salience profile. 1: the body
    #: says as much as the title. 10 (before 2026-12-06) ranked real news links by the title
    #: alone: ROC AUC 0.85 against 0.94 on the dev split of bench/newsrelevance.py.
    title_weight: float = 1.0
    #: Exponent on the max-normalised salience: higher keeps only the page's main terms.
    salience_power: float = 2.0
    #: LSA dimensions; 0 turns the latent part off.
    latent_dims: int = 10
    #: Weight of the latent cosine against the lexical coverage.
    latent_weight: float = 0.2
    #: Distinct titles used to fit the latent space (a deterministic hash sample beyond).
    latent_max_docs: int = 200_000
    #: Weight of the target page's score when the target was crawled.
    target_weight: float = 0.5
    #: A page's most salient n-grams kept for the lexical part (its title's and the body's
    #: most repeated; the rest weigh little and would cost a lookup per link).
    page_terms: int = 64
    #: Hash slots for n-grams (a power of two); the IDF table holds this many floats.
    buckets: int = 1 << 20
    #: Aspect words cut out of every text before n-grams.
    stopwords: tuple[str, ...] = DEFAULT_STOPWORDS
    #: Topic-family lexicon (TOML); None is the bundled `topics/families.toml`.
    family_lexicon: Path | None = None
    #: Weight of the family agreement against the lexical coverage; 0 turns it off.
    family_weight: float = 0.3
    #: Weight of the corpus-learned family associations against the lexicon's own terms.
    family_expand: float = 2.0
    #: Pseudo-count added to a term's title count when estimating its family shares.
    family_prior: float = 1.0

    def __post_init__(self) -> None:
        """Refuse values out of range, naming the option."""
        unit = {
            "threshold": self.threshold,
            "page_share": self.page_share,
            "latent_weight": self.latent_weight,
            "target_weight": self.target_weight,
            "family_weight": self.family_weight,
        }
        for name, value in unit.items():
            if not 0.0 <= value <= 1.0:
                raise OfftopicConfigError(f"offtopic {name}={value!r}: expected 0..1")
        if not 1 <= self.ngram_max <= 4:
            raise OfftopicConfigError(f"offtopic ngram_max={self.ngram_max!r}: expected 1..4")
        positive = {"title_weight": self.title_weight, "salience_power": self.salience_power}
        for name, value in positive.items():
            if not value > 0:
                raise OfftopicConfigError(f"offtopic {name}={value!r}: expected > 0")
        if self.latent_dims < 0 or self.latent_max_docs < 1:
            raise OfftopicConfigError(
                f"offtopic latent_dims={self.latent_dims!r}, latent_max_docs="
                f"{self.latent_max_docs!r}: expected >= 0 and >= 1"
            )
        if self.page_terms < 0:
            raise OfftopicConfigError(
                f"offtopic page_terms={self.page_terms!r}: expected >= 0 (0 keeps all)"
            )
        if self.buckets < 2 or self.buckets & (self.buckets - 1):
            raise OfftopicConfigError(f"offtopic buckets={self.buckets!r}: expected a power of 2")
