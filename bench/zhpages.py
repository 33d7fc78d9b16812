"""The Chinese article-page corpus (issue #14): build it; write texts for a blind reviewer.

Usage:
    .venv/bin/python -m bench.zhpages build [--src /tmp/realpages/zh-src] [--out /tmp/realpages/zh]
    .venv/bin/python -m bench.zhpages texts /tmp/realpages/zh /tmp/zhdates/texts

The pages are sample and test pages that public Chinese news-extractor and crawler
repositories carry; `bench/realpages/zh.csv` lists each one (id, repository, commit, path,
site, url, sha1) and bench/realpages/README.md says how to clone the repositories. Nothing
fetched is committed here.

`build` reads every listed file from its clone at its commit (`SRC/<repository name>`),
unpacks `.gz`/`.xz`, checks its SHA-1 and writes `OUT/pages/<id>.html` and `OUT/manifest.csv`.

`texts` writes, for the reviewer who records the gold publish dates, each page's visible text
as `<id>.txt` (its `<title>`, a blank line, then the body text with a line break at every
block element; scripts, styles and hidden elements left out), a blank `labels.csv` and
`INSTRUCTIONS.md` next to the texts folder. The texts hold nothing any extractor found: the
reviewer must read the page, not a tool's answer.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import lzma
import re
import subprocess
import sys
from pathlib import Path

import lxml.html
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.extract.decode import decode_html

MANIFEST = Path(__file__).resolve().parent / "realpages" / "zh.csv"
FIELDS = ("id", "repository", "commit", "path", "site", "url", "sha1")
LABEL_FIELDS = ("id", "published_date", "note")

#: Elements whose content a reader never sees.
INVISIBLE = ("script", "style", "noscript", "template", "head", "iframe", "object", "svg")
#: Elements a browser lays out as blocks (a line break before and after), table cells included
#: so that old table-layout pages keep one cell a line.
BLOCKS = frozenset(
    (
        *("address", "article", "aside", "blockquote", "body", "center", "dd", "details"),
        *("div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "nav", "ol", "p", "pre"),
        *("section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    )
)
END_TAGS_RE = re.compile(r"</(?:body|html)\s*>", re.I)
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

INSTRUCTIONS = """\
# Publish dates of Chinese article pages: instructions for the reviewer

Each file in `texts/` is the visible text of one saved article page: the first line is the
page's `<title>`, then a blank line, then the text of the page as a browser shows it, one
block a line (menus, sidebars and footers included). Nothing in these files comes from an
extraction tool.

For each text, write one row in `labels.csv` (the ids are already there):

- `published_date`: the article's publish date as the page shows it near the title or
  byline: `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM` if a time is shown with it (as shown, no
  time-zone conversion); `none` if the page text shows no publish date.
- An update or edit date is not the publish date unless it is the only date shown for the
  article.
- Dates of other articles (lists, sidebars, related links, comments) do not count.
- `note`: anything doubtful (two candidate dates, a date only in the body text, a page that
  is not an article, a year without a day, a relative date such as "3小时前"). Leave it empty
  otherwise.

Work from the text alone: do not open the pages, run extractors, or look the articles up.
"""


# --- build -------------------------------------------------------------------------------------


def read_manifest(path: Path = MANIFEST) -> list[dict[str, str]]:
    """The manifest rows, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def unpack(path: str, data: bytes) -> bytes:
    """The page bytes of a stored file (some repositories keep their samples compressed)."""
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".xz"):
        return lzma.decompress(data)
    return data


def build(src: Path, out: Path, manifest: Path = MANIFEST) -> int:
    """Write OUT/pages/<id>.html for every manifest row and OUT/manifest.csv; return the count."""
    rows = read_manifest(manifest)
    pages = out / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    for row in rows:
        clone = src / row["repository"].split("/", 1)[1]
        data = subprocess.run(
            ["git", "-C", str(clone), "cat-file", "blob", f"{row['commit']}:{row['path']}"],
            capture_output=True,
            check=True,
        ).stdout
        body = unpack(row["path"], data)
        digest = hashlib.sha1(body, usedforsecurity=False).hexdigest()
        if digest != row["sha1"]:
            raise SystemExit(f"{row['id']}: SHA-1 {digest}, the manifest says {row['sha1']}")
        (pages / f"{row['id']}.html").write_bytes(body)
    (out / "manifest.csv").write_bytes(manifest.read_bytes())
    return len(rows)


# --- texts -------------------------------------------------------------------------------------


def _hidden(element: lxml.html.HtmlElement) -> bool:
    return element.get("hidden") is not None or bool(
        HIDDEN_STYLE_RE.search(element.get("style") or "")
    )


def visible_text(body: bytes) -> str:
    """The page's <title>, a blank line, then its visible body text, one block a line."""
    # A browser ignores </body> and </html> (content after them still shows); libxml2 stops
    # there, and included page headers carry them mid-page.
    text = END_TAGS_RE.sub("", decode_html(body, {}).text)
    # Parsed from UTF-8 bytes: lxml refuses a str that carries an XML encoding declaration.
    root = lxml.html.document_fromstring(
        text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
    )
    title = " ".join((root.findtext(".//title") or "").split())
    # Comments, invisible and hidden elements go with their content, their tails stay.
    for element in list(root.iter()):
        if element.getparent() is None:
            continue
        if not isinstance(element.tag, str) or element.tag in INVISIBLE or _hidden(element):
            element.drop_tree()
    chunks: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        # Inline elements are set apart by a space: a time and a date in two adjacent <span>s,
        # kept apart by CSS on the page, stay apart in the text.
        edge = "\n" if element.tag in BLOCKS or element.tag == "br" else " "
        if event == "start":
            chunks.append(edge)
            chunks.append(element.text or "")
        else:
            chunks.append(edge)
            if element is not root:
                chunks.append(element.tail or "")
    lines = (" ".join(line.split()) for line in "".join(chunks).split("\n"))
    return title + "\n\n" + "\n".join(line for line in lines if line) + "\n"


def write_texts(corpus: Path, texts: Path) -> int:
    """Write the reviewer's texts, a blank labels.csv and INSTRUCTIONS.md; return the count.

    labels.csv and INSTRUCTIONS.md go next to the texts folder. A labels.csv that already
    holds a label is left alone: it is the reviewer's work.
    """
    ids = [row["id"] for row in read_manifest(corpus / "manifest.csv")]
    texts.mkdir(parents=True, exist_ok=True)
    for page_id in ids:
        body = (corpus / "pages" / f"{page_id}.html").read_bytes()
        (texts / f"{page_id}.txt").write_text(visible_text(body), encoding="utf-8")
    labels = texts.parent / "labels.csv"
    if labels.exists() and any(
        row.get("published_date") or row.get("note") for row in read_manifest(labels)
    ):
        print(f"{labels} holds labels: left as it is", file=sys.stderr)
    else:
        with labels.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(LABEL_FIELDS)
            writer.writerows([page_id, "", ""] for page_id in ids)
    (texts.parent / "INSTRUCTIONS.md").write_text(INSTRUCTIONS, encoding="utf-8")
    return len(ids)


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="materialise the corpus from the clones")
    build_cmd.add_argument("--src", type=Path, default=Path("/tmp/realpages/zh-src"))
    build_cmd.add_argument("--out", type=Path, default=Path("/tmp/realpages/zh"))
    texts_cmd = commands.add_parser("texts", help="write the reviewer's texts and blank labels")
    texts_cmd.add_argument("corpus", type=Path)
    texts_cmd.add_argument("texts", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"{build(args.src, args.out)} pages written to {args.out / 'pages'}")
    else:
        count = write_texts(args.corpus, args.texts)
        where = args.texts.parent
        print(f"{count} texts written to {args.texts}; labels and instructions in {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
