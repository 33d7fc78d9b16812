"""Relevance of real related links, on pages no one here wrote: the Chinese news corpus (#12).

    .venv/bin/python -m bench.newsrelevance pairs [--corpus /tmp/realpages/zh]
    .venv/bin/python -m bench.newsrelevance texts /tmp/newsrel      # for the blind reviewers
    .venv/bin/python -m bench.newsrelevance score [--split dev|test|all]

The seed relevance labels (`bench/eval_relevance.py`) cover five pages of one subject, and the
off-topic scorer was tuned after seeing them. These pairs are held out from that tuning: the
related-article links of the 105 real Chinese article pages of `bench/realpages/zh.csv` (43
sites; the pages come from public news-extractor repositories, see bench/realpages/README.md),
each judged against its own page by reviewers who saw only the page's title and opening text
and the link's text, with the relevance rule of `../shared/LABELS.md`.

`pairs` extracts every page with farmaudit (as a crawl would), keeps the links of its related
blocks whose text reads as a title (8 characters or more, not a bare date or "more" link),
at most `PER_PAGE` per page and `PER_SITE` per site, chosen by a hash of the link text, and
writes `bench/realworld/news/pairs.csv`: pair_id, page_id, site, split (by site), the page's
title, the link's text and address. Page bodies are not committed (the pages are not ours);
`texts` and `score` extract them again from the corpus folder.

`score` fits `reports.offtopic.TopicModel` as an audit of this corpus would (every page's title
and body, plus each distinct link text as a page of its own whose body was not crawled) and
prints ROC AUC on the pairs both reviewers agree on, beside the character-bigram TF-IDF cosine
and the zero-shot multilingual sentence embedding (USE-m3) on the same pairs.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.eval_offtopic import Pair, Source, baseline_scores, roc_auc, score_pairs
from bench.eval_relevance import use_scores
from pipelines.extract import extract
from pipelines.store.records import RawPage
from reports.offtopic import OfftopicConfig, TopicModel

CORPUS = Path("/tmp/realpages/zh")
LABELS = Path(__file__).resolve().parent / "realworld" / "news"
REVIEWERS = ("N1", "N2")
PAIR_FIELDS = ("pair_id", "page_id", "site", "split", "page_title", "link_text", "link_url")
PER_PAGE = 15
PER_SITE = 45
#: Share of the pairs held out for the test split, whole sites at a time.
TEST_SHARE = 1 / 3
NOT_A_TITLE_RE = re.compile(
    r"^(?:[\d\s:/.\-年月日]+|更多.*|.*(?:反馈|评论|下载|APP>?|Sponsored|Taboola|跟贴).*)$",
    re.I,
)

INSTRUCTIONS = """\
# Is the link on the page's subject? Instructions for the reviewer

`pairs.csv` lists links found in the "related articles" areas of real Chinese article pages.
For each row you see the page's title (`page_title`), the opening of its text in
`pages/<page_id>.txt`, and the link's text (`link_text`).

Write one row per pair in `labels.csv` (the pair ids are already there):

- `relevant`: 1 when a reader who came for this page would find the link on its subject,
  0 when it is not (another story, unrelated filler, ads, site sections). Judge each link
  against its own page only. A link can be about a risky thing and still be relevant.
- `ambiguous`: 1 where a careful reviewer could decide the other way, else 0.
- `note`: optional, a few words on a doubtful call.

The rule, from the project's labelling guide: "Relevant when a reader who came for the source
page would find the link on its subject." Work from these files alone: do not open the pages,
run any program on them, or look the articles up.
"""


def split_sites(pairs: list[dict[str, str]]) -> None:
    """Set each pair's split by site: sites in SHA-1 order go to test until it holds a third
    of the pairs, the rest to dev, so that no site is in both."""
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair["site"]] = counts.get(pair["site"], 0) + 1
    test: set[str] = set()
    held = 0
    for site in sorted(counts, key=lambda s: hashlib.sha1(s.encode()).hexdigest()):
        if held + counts[site] <= TEST_SHARE * len(pairs) + PER_SITE / 3:
            test.add(site)
            held += counts[site]
    for pair in pairs:
        pair["split"] = "test" if pair["site"] in test else "dev"


def extract_corpus(corpus: Path) -> dict[str, tuple[str, object]]:
    """page id → (site, farmaudit's extraction of the page)."""
    with (corpus / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[str, tuple[str, object]] = {}
    for row in rows:
        url = row["url"] or f"http://{row['site']}/{row['id']}.html"
        raw = RawPage(
            url=url,
            final_url=url,
            status=200,
            headers={},
            body=(corpus / "pages" / f"{row['id']}.html").read_bytes(),
            encoding=None,
            fetched_at=dt.datetime(2026, 12, 6, tzinfo=dt.UTC),
        )
        out[row["id"]] = (row["site"], extract(raw))
    return out


def make_pairs(corpus: Path) -> list[dict[str, str]]:
    """The pairs to label, in page order, capped per page and per site."""
    pairs: list[dict[str, str]] = []
    per_site: dict[str, int] = {}
    for page_id, (site, ex) in extract_corpus(corpus).items():
        title = (ex.page.title or "").strip()  # type: ignore[attr-defined]
        seen: set[str] = set()
        candidates = []
        for link in ex.links:  # type: ignore[attr-defined]
            text = " ".join((link.anchor_text or "").split())
            if link.block != "related" or len(text) < 8 or NOT_A_TITLE_RE.match(text):
                continue
            if text in seen or text == title:
                continue
            seen.add(text)
            candidates.append(
                (hashlib.sha1(text.encode()).hexdigest(), text, link.target_url or link.href)
            )
        room = min(PER_PAGE, PER_SITE - per_site.get(site, 0))
        for _, text, url in sorted(candidates)[: max(room, 0)]:
            pairs.append(
                {
                    "pair_id": f"n{len(pairs) + 1:04d}",
                    "page_id": page_id,
                    "site": site,
                    "split": "",
                    "page_title": title,
                    "link_text": text,
                    "link_url": url,
                }
            )
            per_site[site] = per_site.get(site, 0) + 1
    split_sites(pairs)
    return pairs


def load_pairs() -> list[dict[str, str]]:
    with (LABELS / "pairs.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_texts(corpus: Path, out: Path) -> int:
    """pairs.csv (no url, no split), pages/<id>.txt (title + first 400 body characters),
    a blank labels.csv and INSTRUCTIONS.md, for one blind reviewer."""
    pairs = load_pairs()
    extracted = extract_corpus(corpus)
    (out / "pages").mkdir(parents=True, exist_ok=True)
    for page_id in sorted({p["page_id"] for p in pairs}):
        ex = extracted[page_id][1]
        body = " ".join((ex.page.body_text or "").split())[:400]  # type: ignore[attr-defined]
        text = f"{ex.page.title or ''}\n\n{body}\n"  # type: ignore[attr-defined]
        (out / "pages" / f"{page_id}.txt").write_text(text, encoding="utf-8")
    with (out / "pairs.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("pair_id", "page_id", "page_title", "link_text"))
        for p in pairs:
            writer.writerow((p["pair_id"], p["page_id"], p["page_title"], p["link_text"]))
    with (out / "labels.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("pair_id", "relevant", "ambiguous", "note"))
        for p in pairs:
            writer.writerow((p["pair_id"], "", "", ""))
    (out / "INSTRUCTIONS.md").write_text(INSTRUCTIONS, encoding="utf-8")
    return len(pairs)


def load_calls(reviewer: str) -> dict[str, tuple[int, bool]]:
    """pair id → (relevant, ambiguous) as one reviewer called it."""
    with (LABELS / reviewer / "labels.csv").open(encoding="utf-8", newline="") as handle:
        return {
            r["pair_id"]: (int(r["relevant"]), r["ambiguous"].strip() == "1")
            for r in csv.DictReader(handle)
        }


def kappa(a: list[int], b: list[int]) -> float:
    """Cohen's kappa of two binary label lists."""
    x, y = np.asarray(a), np.asarray(b)
    observed = float((x == y).mean())
    expected = float(x.mean() * y.mean() + (1 - x.mean()) * (1 - y.mean()))
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def score(corpus: Path, split: str) -> None:
    """Print each scorer's ROC AUC on the agreed pairs (and the agreed clear ones) of a split."""
    pairs = load_pairs()
    calls = [load_calls(r) for r in REVIEWERS]
    first = [calls[0][p["pair_id"]][0] for p in pairs]
    second = [calls[1][p["pair_id"]][0] for p in pairs]
    print(
        f"{len(pairs)} pairs, {len({p['site'] for p in pairs})} sites; reviewers agree on "
        f"{sum(a == b for a, b in zip(first, second, strict=True))}, "
        f"kappa {kappa(first, second):.3f}"
    )
    extracted = extract_corpus(corpus)
    sources = {
        page_id: Source(ex.page.title or "", ex.page.body_text or "")  # type: ignore[attr-defined]
        for page_id, (_, ex) in extracted.items()
    }
    # As an audit of this corpus fits it: the pages, then each distinct link text as a page.
    docs = [f"{s.title}\n{s.body}" for s in sources.values()]
    docs += [f"{t}\n" for t in dict.fromkeys(p["link_text"] for p in pairs)]
    model = TopicModel.fit(docs, OfftopicConfig())
    chosen = [i for i, p in enumerate(pairs) if split in ("all", p["split"])]
    agreed = [i for i in chosen if first[i] == second[i]]
    clear = [
        i
        for i in agreed
        if not (calls[0][pairs[i]["pair_id"]][1] or calls[1][pairs[i]["pair_id"]][1])
    ]
    items = [
        Pair(p["page_id"], p["link_text"], first[i], p["split"], "news")
        for i, p in enumerate(pairs)
    ]
    scorers = {
        "farmaudit": score_pairs(model, items, sources),
        "tfidf-bigram": baseline_scores(items, sources),
        "use-m3 zero-shot": _use_title_cosines(items, sources),
    }
    labels = np.asarray(first)
    print(
        f"split {split}: {len(chosen)} pairs, {len(agreed)} agreed ({int(labels[agreed].sum())} "
        f"relevant), {len(clear)} agreed and clear"
    )
    print(f"{'scorer':<20} {'agreed':>7} {'clear':>7}")
    for name, scores in scorers.items():
        if scores is None:
            print(f"{name:<20} {'-':>7} {'-':>7}  (package not installed)")
            continue
        a = roc_auc(labels[agreed], scores[agreed])
        c = roc_auc(labels[clear], scores[clear])
        print(f"{name:<20} {a:>7.3f} {c:>7.3f}")


def _use_title_cosines(items: list[Pair], sources: dict[str, Source]) -> np.ndarray | None:
    """The embedding peer scores the page title against the link text (as on the seeds)."""
    return use_scores(items, sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pairs", help="write bench/realworld/news/pairs.csv from the corpus")
    p.add_argument("--corpus", type=Path, default=CORPUS)
    t = sub.add_parser("texts", help="write a blind reviewer's folder")
    t.add_argument("out", type=Path)
    t.add_argument("--corpus", type=Path, default=CORPUS)
    s = sub.add_parser("score", help="ROC AUC of farmaudit and the peers on the labels")
    s.add_argument("--corpus", type=Path, default=CORPUS)
    s.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    args = parser.parse_args(argv)
    if args.command == "pairs":
        pairs = make_pairs(args.corpus)
        LABELS.mkdir(parents=True, exist_ok=True)
        with (LABELS / "pairs.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=PAIR_FIELDS)
            writer.writeheader()
            writer.writerows(pairs)
        splits = [p["split"] for p in pairs]
        print(
            f"{len(pairs)} pairs from {len({p['page_id'] for p in pairs})} pages, "
            f"{len({p['site'] for p in pairs})} sites; dev {splits.count('dev')}, "
            f"test {splits.count('test')}"
        )
    elif args.command == "texts":
        print(f"{write_texts(args.corpus, args.out)} pairs written to {args.out}")
    else:
        score(args.corpus, args.split)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
