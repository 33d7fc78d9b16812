"""How related a link is to the page that carries it, for short Chinese text.

Method (`TopicModel`, fitted once per dataset on its pages' "title\nbody" documents):

1. Text is normalised (`reports.textnorm.normalize_text`: NFKC, casefold, trad→simp), then
   *aspect words* are cut out (`DEFAULT_STOPWORDS`: what a farm title asks about a service,
   such as 如何, 指南, 全攻略, 客服电话, 还款, 逾期, 额度, rather than which service it is), so
   "58借款提前还款指南" and "小米商城分期还款操作调整说明" stop matching on 还款 alone.
2. Units are CJK characters and whole ASCII words (so "iphone" never matches "php" on "ph");
   features are unit 1- and 2-grams inside runs of text, hashed into `buckets` slots (memory
   is bounded whatever the corpus size). IDF comes from the dataset's own titles, so the
   farm's boilerplate weighs little and its rare names weigh much; bodies are left out of the
   IDF because farm bodies repeat filler (贷款、分期等金融业务) that would sink exactly the
   words that tell topics apart.
3. The source page is a *salience* profile: idf × (title_weight × sublinear title tf +
   sublinear body tf), divided by its maximum and raised to `salience_power`, so the terms of
   the title and those the body repeats count most; the `page_terms` (64) heaviest n-grams
   are kept, the rest weigh little. The link's score is the share of its
   IDF mass found in that profile (an asymmetric coverage: how much of the link the page
   explains), in [0, 1]; a link matching only a side word of the page scores low.
4. A latent part catches links that share no characters with the page but belong to its
   topic in this dataset (借款 vs 贷款, a lender's brand vs 网贷): a truncated SVD (LSA) of the
   TF-IDF matrix of the dataset's titles (the first line of each document; a bounded hash
   sample of distinct titles on big crawls), randomised, over sparse rows. Its cosine,
   clipped at 0, is mixed in with `latent_weight`.
5. Topic families (`topics/families.toml`, data: generic words naming a broad subject, such
   as 贷款/借钱/备用金 for cash loans or 租机/买断 for phone rental) bridge texts that share
   a subject but no characters. A text's family evidence is its lexicon hits plus, weighted
   by `family_expand`, the idf-weighted mean over its n-grams of *family shares learned from
   the crawl*: at fit time every n-gram of the sampled titles gets the share of the titles
   holding it that name each family, so a brand the lexicon never lists (a loan app beside
   借款, 下款 and 催收) takes its family from the titles it appears in. The source page's
   profile comes from its title terms and its salience-weighted n-grams (not the body's
   lexicon hits: farm filler such as 贷款、分期等金融业务 names every family), its strongest
   family at 1 when that family's evidence is 1 or more (a trace of a family on a news
   page stays a trace, instead of agreeing fully with every link of that family); a link's
   family agreement is the share of its evidence in the page's families (evidence under 1
   counts as 1, so weak hints score low). It is mixed in with `family_weight`, which also
   puts scores of different pages on one scale.
6. When the target was crawled, its title and body are scored the same way and averaged with
   the anchor's score using `target_weight`.

The default threshold 0.2 sits between the scores of related and off-topic links on the dev
pairs (docs/benchmarks.md).
`is_offtopic` compares a score with `OfftopicConfig.threshold`; `block_verdict` turns a
related-links block into the page-level finding (mostly off-topic, mostly risky).

Modules: `config` (options, stopwords from `topics/stopwords.txt`), `tokens` (steps 1-2),
`model` (`TopicModel`, steps 3 and 6), `latent` (step 4), `families` (step 5), `verdict`.
Evaluation figures (`bench/eval_offtopic.py`) are in docs/benchmarks.md.
"""

from reports.offtopic.config import DEFAULT_STOPWORDS, OfftopicConfig, OfftopicConfigError
from reports.offtopic.model import TopicModel
from reports.offtopic.verdict import block_counts_verdict, block_verdict, is_offtopic

__all__ = [
    "DEFAULT_STOPWORDS",
    "OfftopicConfig",
    "OfftopicConfigError",
    "TopicModel",
    "block_counts_verdict",
    "block_verdict",
    "is_offtopic",
]
