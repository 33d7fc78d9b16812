"""The demo site at scale: a content farm of any size, its pages rendered by the demo templates.

`FarmSite(pages, seed)` is the generator's scale option (`build_site()` is the bundled demo,
`FaultSite` the faults): a page is a pure function of (seed, page id), rendered when requested
through the demo's Jinja2 templates (`article_dede.html`, `article_portal.html`, `list.html`,
`page.html`); nothing but the titles (about 60 bytes each) is held in memory, so a
million-page site costs no more to serve than a small one. Page 0 is the home page `/`, pages
1-6 are column lists `/list/<slug>/`, every other id is an article: `/html/<id>.html` (even ids,
the DedeCMS template) or `/article/<8 hex>.html` (odd ids, the portal template, the hex a
reversible scramble of the id). The chrome is the demo's: `/about.html` and `/contact.html`
are served too (`html_paths()` lists them after the pages), `/admin/login.html` as well, which
robots.txt disallows with `/search` (the search box's target, not served).

An article carries 90-110 related links (相关内容) to random articles, anchored by their titles,
plus nav, breadcrumb, prev/next, a 热门文章 sidebar, five off-site 友情链接 and the footer's
about, contact, mailto:, javascript:, admin and ICP links: about 135 links in all. Bodies
(800-3,000 characters) are sentences of the real seed pages (`scraper/demo/seeds/`) with the
topic swapped in, a third of them with a procedure; an inline stylesheet pads every page to a
size drawn uniformly from 30-60 KB.

Titles, and what is planted in them (`FarmSite.truth(id)`):
- the first 500 articles carry the seed pages' 500 real related-link titles as they are
  (category "seed", not planted);
- NEAR_DUP_SHARE of the other articles re-spin an earlier article's title (full-width/half-width
  punctuation, a synonym, a typo, a tail added, swapped or dropped): `truth.family` is the id
  of the family's original;
- the rest fill templates modelled on the seed titles, their category planted in the shares of
  CATEGORY_SHARES (cashout, lending, crypto, gambling, adult, legal, none); a template's titles
  for different subjects are siblings, not duplicates.

`/robots.txt` names `/sitemap.xml` (a sitemap index of 50,000-URL sitemaps past 50,000 pages).
`python -m scraper.demo.server --pages N` serves a farm; the benchmarks use the faster asyncio
server of `bench.farmsite`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from markupsafe import escape

from scraper.demo.filler import keywords
from scraper.demo.seeds import Block, Step, load_seeds
from scraper.demo.site import (
    ADMIN_PATH,
    HTML_TYPE,
    LOGIN_PAGE,
    NOT_FOUND_PAGE,
    ROBOTS_DISALLOW,
    ArticlePage,
    Category,
    DemoResponse,
    Link,
    environment,
    excerpt,
    other_pages,
    robots_txt,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import jinja2

_MASK: Final = (1 << 64) - 1
_HEX_MASK: Final = (1 << 32) - 1
# An odd multiplier is invertible modulo 2**32: the portal path's hex maps back to its id.
_SCRAMBLE: Final = 0x9E3779B1
_UNSCRAMBLE: Final = pow(_SCRAMBLE, -1, 1 << 32)

SITE_NAME: Final = "理财知识网"
FIRST_ARTICLE: Final = 7
MIN_PAGES: Final = 20
SITEMAP_CHUNK: Final = 50_000
MIN_BYTES, MAX_BYTES = 30_000, 60_000
RELATED_MIN, RELATED_MAX = 90, 110
BODY_MIN_CHARS, BODY_MAX_CHARS = 800, 3_000
LIST_ITEMS: Final = 100
SIDEBAR_ITEMS: Final = 10
NEAR_DUP_SHARE: Final = 0.10
#: Planted categories of templated titles, in lexicon names; shares sum to 1.
CATEGORY_SHARES: Final = (
    ("cashout", 0.20),
    ("lending", 0.20),
    ("crypto", 0.06),
    ("gambling", 0.05),
    ("adult", 0.01),
    ("legal", 0.05),
    ("none", 0.43),
)
COLUMNS: Final = (
    ("huishou", "回收变现"),
    ("jiedai", "网贷借款"),
    ("bizhi", "数字货币"),
    ("caipiao", "彩票娱乐"),
    ("falv", "法律常识"),
    ("zixun", "综合资讯"),
)
# Salts keep the pseudo-random draws of one page independent of each other.
(
    _S_KIND,
    _S_TEMPLATE,
    _S_SUBJECT,
    _S_SLOT,
    _S_DUP,
    _S_OP,
    _S_SIZE,
    _S_RELATED,
    _S_BODY,
    _S_DATE,
    _S_STEPS,
    _S_LIST,
    _S_FRIEND,
    _S_VIEWS,
) = range(1, 15)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _compose(heads: str, tails: str) -> tuple[str, ...]:
    return tuple(h + t for h in heads.split() for t in tails.split())


# Brand-like subjects composed from the names on the seed pages: one template's titles for
# different subjects are siblings ("X平台的安全性分析"), never duplicates.
SUBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "cashout": _compose(
        "京东 沃尔玛 携程 天虹 盒马 苹果 中石化 永辉 山姆 星巴克 美团 苏宁 大润发 家乐福 "
        "物美 华润万家 银泰 王府井 百联 中石油",
        "e卡 E卡 购物卡 礼品卡 储值卡 充值卡 加油卡",
    ),
    "lending": _compose(
        "58 小花 桔多多 放心 民生 小赢 羊小咩 安逸 微粒 分期 360 拍拍 榕树 好 宜人 来分期 "
        "及贷 你我 信用 马上",
        "好借 钱包 借 易贷 卡贷 花 借条 贷款",
    ),
    "crypto": _words(
        "比特币 以太坊 狗狗币 Shib币 USDT 泰达币 波场 莱特币 瑞波币 柚子币 艾达币 波卡币 "
        "索拉纳 币安币 火币 欧易"
    ),
    "gambling": _words(
        "百家乐 老虎机 时时彩 六合彩 真人娱乐 足球买球 网投平台 菠菜平台 娱乐城 体育博彩"
    ),
    "adult": _words("短视频平台 社交软件 直播平台 交友网站 聊天群 同城交友"),
    "legal": _words(
        "被执行人 失信被执行人 限制高消费 强制执行 裁判文书 执行立案 个人破产 法院传票 起诉状"
    ),
    "none": _compose(
        "小米 美团 淘宝 拼多多 携程 饿了么 抖音 京东 唯品会 天猫 得物 闲鱼 盒马 高德 支付宝 "
        "滴滴 百度 微信 华为 苏宁",
        "商城 APP 会员 客服 超市 小程序",
    ),
}
CITIES: Final = _words(
    "北京 上海 广州 深圳 杭州 南京 成都 重庆 武汉 西安 苏州 天津 长沙 郑州 东莞 青岛 沈阳 "
    "宁波 昆明 淮南 合肥 佛山 福州 厦门 济南 温州 大连 南宁 无锡 泉州"
)
# Slots: {s} subject, {c} city, {n} amount, {y} year. Every template has three or four slots,
# so a category's title space (over a million titles) dwarfs its pages and independent pages
# rarely share a title by chance.
TEMPLATES: Final[dict[str, tuple[str, ...]]] = {
    "cashout": (
        "{c}{s}{n}元回收流程与注意事项",
        "{s}{n}元回收价值解析({c})",
        "{c}{s}回收平台全攻略:{n}元面值安全高效变现",
        "{s}{n}面额回收到账时间详解({c})",
        "如何通过回收{s}获利:{y}年{c}市场分析({n}元)",
        "{c}哪里回收{s}价格高:{n}元能卖多少",
        "{s}套现{n}元手续费多少({c})",
        "{y}年{c}{s}回收折扣行情({n}元面值)",
    ),
    "lending": (
        "{s}逾期{n}元的后果与应对策略({c})",
        "{c}{s}协商还款{n}元流程详解",
        "{s}借款{n}元是否上征信系统分析({c})",
        "{s}逾期{n}元上门催收应对策略与法律权益解读({c})",
        "{s}下款难易度分析:{y}年{c}用户借{n}元",
        "{c}用户{s}借{n}元利息多少",
        "面对{s}逾期{n}元无力偿还及频繁电话催收的应对策略({c})",
        "{c}{s}网贷{n}元额度提升技巧",
    ),
    "crypto": (
        "{y}年{c}矿场1个{s}要挖多久?电费{n}元",
        "{s}今日价格:{n}元能买多少({c})",
        "{c}{s}交易所有哪些:{n}元起投",
        "{s}合约杠杆交易入门:{c}玩家{n}元本金",
        "{s}钱包转账{n}元手续费({c})",
        "{y}年{s}挖矿收益计算({c}{n}元矿机)",
    ),
    "gambling": (
        "{c}{s}赌博平台揭秘:{n}元起充",
        "{s}下注{n}元稳赢技巧是真的吗({c})",
        "{y}年{s}博彩平台排行({c}{n}元彩金)",
        "{s}彩金{n}元如何提现({c})",
        "{c}网赌{s}输了{n}元怎么办",
    ),
    "adult": (
        "如何屏蔽{s}弹出的色情广告({c}{y})",
        "{c}{s}裸聊诈骗防范指南:被骗{n}元怎么办",
        "{s}约炮骗局曝光:{c}网友被骗{n}元",
    ),
    "legal": (
        "{c}{s}名单查询方法({y}年{n}号公告)",
        "{s}{n}元如何解除:{c}法院流程",
        "{c}{s}申请书范本({y}版第{n}号)",
        "{y}年{c}{s}立案标准:{n}元以上",
        "{s}起诉状怎么写({c}法院,标的{n}元)",
    ),
    "none": (
        "{s}下载与安装教程({c}{y}年第{n}期)",
        "{c}{s}客服电话查询与使用指南({n}号)",
        "{s}积分兑换{n}元攻略({c})",
        "{c}{s}退货退款{n}元流程详解",
        "{s}所属公司简介({c}分公司第{n}号)",
        "{y}年{s}新用户优惠{n}元领取方法({c})",
        "{c}{s}营业时间查询({n}号店)",
        "{s}收货地址修改方法({c}{n}号)",
    ),
}
AMOUNTS: Final = tuple(range(100, 10_001, 100))
YEARS: Final = ("2022", "2023", "2024", "2025")
SYNONYMS: Final = (
    ("解析", "详解"),
    ("指南", "攻略"),
    ("流程", "步骤"),
    ("注意事项", "须知"),
    ("方法", "技巧"),
    ("如何", "怎样"),
    ("是否", "是不是"),
    ("查询", "查看"),
    ("应对策略", "应对方法"),
)
# The seed renderings use ASCII ",:?()"; farms show the full-width forms too.
_HALF: Final = ",:?()"
_FULL: Final = "\uff0c\uff1a\uff1f\uff08\uff09"
_HALF_TO_FULL: Final = str.maketrans(_HALF, _FULL)
_FULL_TO_HALF: Final = str.maketrans(_FULL, _HALF)
TAILS: Final = ("(2024最新)", "【必看】", ":一文读懂", "(附详细步骤)", "全攻略")
FRIEND_LINKS: Final = (
    ("https://www.ecard-huishou.example.com/", "京东e卡回收"),
    ("https://kouzi.daikuan.example.net/", "网贷口子大全"),
    ("https://www.btc-jiaoyi.example.org/", "比特币交易平台"),
    ("https://tiyu.bocai.example.com/", "体育投注官网"),
    ("https://www.zuji-taoxian.example.cn/", "租机套现"),
    ("https://www.licai.example.com/", "理财资讯"),
    ("https://www.shenghuo.example.net/", "生活百科"),
)
_FRIEND_COUNT = 5
ICP_URL: Final = "https://beian.miit.gov.cn/"
#: The ICP licence number the templates show in the footer.
ICP_TEXT: Final = "京ICP备2024012345号-1"
CONTACT_EMAIL: Final = "service@licai.example.com"
CONTACT: Final = f"mailto:{CONTACT_EMAIL}"


def page_path(page_id: int) -> str:
    """The path page `page_id` is served at (the same whatever the site's size)."""
    if page_id == 0:
        return "/"
    if page_id < FIRST_ARTICLE:
        return f"/list/{COLUMNS[page_id - 1][0]}/"
    if page_id % 2 == 0:
        return f"/html/{page_id}.html"
    return f"/article/{(page_id * _SCRAMBLE) & _HEX_MASK:08x}.html"


def mix(*values: int) -> int:
    """A 64-bit hash of small ints (splitmix64 finaliser): the same in every process."""
    z = 0x9E3779B97F4A7C15
    for value in values:
        z = (z ^ (value & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        z = (z ^ (z >> 31)) * 0x94D049BB133111EB & _MASK
        z ^= z >> 29
    return z


def draws(*values: int) -> Iterator[int]:
    """An endless stream of 63-bit draws seeded by `mix(values)` (a 64-bit LCG, high bits).

    One hash per stream, then a multiply-add per draw: a page makes a few hundred draws.
    """
    state = mix(*values)
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) & _MASK
        yield state >> 1


@dataclass(frozen=True, slots=True)
class Truth:
    """What was planted in one article's title."""

    page_id: int
    title: str
    #: Planted category (a lexicon name or "none"), or "seed" for a real title kept as it is.
    category: str
    #: Id of the original title of the near-duplicate family (the page's own id if original).
    family: int
    #: The re-spin operations when the title re-spins an earlier one, else "".
    respin: str = ""


def _sentences(text: str) -> list[str]:
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in "\u3002\uff01\uff1f!?":
            piece = text[start : i + 1].strip()
            if len(piece) >= 8:
                out.append(piece)
            start = i + 1
    return out


_PUNCT = re.compile(
    r"[\s,.:;!?()\u3001\u3002\uff0c\uff1a\uff1b\uff01\uff1f\uff08\uff09\u201c\u201d]+"
)


_TOPIC_END = re.compile(r"[:(\uff1a\uff08]")


@dataclass(frozen=True, slots=True)
class _Material:
    """What the seed pages lend the generator: real titles, sentences, steps and phrases."""

    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    steps: tuple[str, ...]
    #: Two- to four-character pieces of the seed text and titles, the vocabulary of bodies.
    chunks: tuple[str, ...]

    @classmethod
    def load(cls) -> _Material:
        seeds = load_seeds()
        titles = tuple(dict.fromkeys(t for seed in seeds for t in seed.related))
        sentences: list[str] = []
        steps: list[str] = []
        for seed in seeds:
            for block in seed.blocks:
                if block.kind == "paragraph":
                    sentences.extend(_sentences(block.text))
                for step in block.steps:
                    if step.line.strip():
                        steps.append(step.line.strip())
        chunks: dict[str, None] = {}
        for text in (*titles, *sentences, *steps):
            for phrase in _PUNCT.split(text):
                at, size = 0, 2
                while at + 2 <= len(phrase):
                    chunks[phrase[at : at + size]] = None
                    at += size
                    size = 2 + (size - 1) % 3  # 2, 3, 4, 2, ...
        return cls(
            titles,
            tuple(dict.fromkeys(sentences)),
            tuple(dict.fromkeys(steps)),
            tuple(chunks),
        )


class FarmSite:
    """The site of `pages` pages for `seed`: paths, titles, truth and rendered responses."""

    def __init__(self, pages: int, seed: int = 0, *, autoescape: bool = False) -> None:
        if pages < MIN_PAGES:
            raise ValueError(f"a farm site needs at least {MIN_PAGES} pages, got {pages}")
        self.pages = pages
        self.seed = seed
        #: Render raw values through the autoescaping environment (slower, the same bytes).
        self.autoescape = autoescape
        self.material = _Material.load()
        self._titles: list[str | None] = [None] * pages
        self._truth: dict[int, Truth] = {}
        self._links: list[Link | None] = [None] * pages
        self._chrome: dict[str, Any] | None = None
        cumulative, total = [], 0.0
        for name, share in CATEGORY_SHARES:
            total += share
            cumulative.append((round(total * 10_000), name))
        self._category_cuts = tuple(cumulative)

    # --- addresses ---------------------------------------------------------------------

    @property
    def articles(self) -> range:
        """Ids of the article pages."""
        return range(FIRST_ARTICLE, self.pages)

    def path(self, page_id: int) -> str:
        """The path page `page_id` is served at."""
        return page_path(page_id)

    def page_id(self, path: str) -> int | None:
        """The id of the page at `path`, None when there is none."""
        if path == "/":
            return 0
        if path.startswith("/html/") and path.endswith(".html"):
            digits = path[6:-5]
            if digits.isdigit() and not digits.startswith("0"):
                page_id = int(digits)
                if page_id % 2 == 0 and FIRST_ARTICLE <= page_id < self.pages:
                    return page_id
            return None
        if path.startswith("/article/") and path.endswith(".html") and len(path) == 22:
            try:
                page_id = (int(path[9:17], 16) * _UNSCRAMBLE) & _HEX_MASK
            except ValueError:
                return None
            ok = page_id % 2 == 1 and FIRST_ARTICLE <= page_id < self.pages
            return page_id if ok and self.path(page_id) == path else None
        for k, (slug, _) in enumerate(COLUMNS, start=1):
            if path == f"/list/{slug}/":
                return k
        return None

    def html_paths(self) -> list[str]:
        """Every HTML page a robots-obeying crawl from `/` fetches: the pages, about, contact."""
        return [self.path(i) for i in range(self.pages)] + [p for p, _, _ in self._others()]

    # --- titles and their truth --------------------------------------------------------

    def title(self, page_id: int) -> str:
        """The title of page `page_id` (cached: page renders ask for ~100 titles each)."""
        cached = self._titles[page_id]
        if cached is None:
            if page_id >= FIRST_ARTICLE:
                cached = self.truth(page_id).title
            else:
                cached = self._list_title(page_id)
            self._titles[page_id] = cached
        return cached

    def _list_title(self, page_id: int) -> str:
        return "理财知识分享与消费金融资讯" if page_id == 0 else COLUMNS[page_id - 1][1]

    def truth(self, page_id: int) -> Truth:
        """What was planted in article `page_id`'s title."""
        if page_id < FIRST_ARTICLE:
            raise ValueError(f"page {page_id} is a list page, not an article")
        found = self._truth.get(page_id)
        if found is not None:
            return found
        # Near-duplicates point only backwards, so the chain ends; walk it without recursion.
        chain = [page_id]
        while True:
            current = chain[-1]
            origin = self._dup_origin(current)
            if origin is None or origin in self._truth:
                break
            chain.append(origin)
        for current in reversed(chain):
            origin = self._dup_origin(current)
            if origin is None:
                truth = self._original(current)
            else:
                parent = self._truth[origin]
                title, ops = self._respin(current, parent.title)
                truth = Truth(current, title, parent.category, parent.family, ops)
            self._truth[current] = truth
        return self._truth[page_id]

    def _dup_origin(self, page_id: int) -> int | None:
        seeded = FIRST_ARTICLE + len(self.material.titles)
        if page_id < seeded or page_id == FIRST_ARTICLE:
            return None
        draw = mix(self.seed, page_id, _S_DUP)
        if draw % 10_000 >= NEAR_DUP_SHARE * 10_000:
            return None
        return FIRST_ARTICLE + (draw >> 20) % (page_id - FIRST_ARTICLE)

    def _original(self, page_id: int) -> Truth:
        k = page_id - FIRST_ARTICLE
        if k < len(self.material.titles):
            return Truth(page_id, self.material.titles[k], "seed", page_id)
        draw = mix(self.seed, page_id, _S_KIND) % 10_000
        category = next(name for cut, name in self._category_cuts if draw < cut)
        templates = TEMPLATES[category]
        subjects = SUBJECTS[category]
        template = templates[mix(self.seed, page_id, _S_TEMPLATE) % len(templates)]
        slot = mix(self.seed, page_id, _S_SLOT)
        title = template.format(
            s=subjects[mix(self.seed, page_id, _S_SUBJECT) % len(subjects)],
            c=CITIES[slot % len(CITIES)],
            n=AMOUNTS[(slot >> 8) % len(AMOUNTS)],
            y=YEARS[(slot >> 16) % len(YEARS)],
        )
        return Truth(page_id, title, category, page_id)

    def _respin(self, page_id: int, title: str) -> tuple[str, str]:
        """`title` re-spun by one or two edits chosen from page_id; returns (title, ops)."""
        draw = mix(self.seed, page_id, _S_OP)
        ops: list[str] = []
        out = title
        for step in range(1 + draw % 2):
            pick = (draw >> (8 + 8 * step)) & 0xFF
            kind = pick % 5
            swapped = out.translate(_HALF_TO_FULL)
            if swapped == out:
                swapped = out.translate(_FULL_TO_HALF)
            if kind == 0 and swapped != out:
                out = swapped
                ops.append("width")
            elif kind == 1:
                for a, b in SYNONYMS:
                    if a in out:
                        out = out.replace(a, b, 1)
                        break
                    if b in out:
                        out = out.replace(b, a, 1)
                        break
                else:
                    out += TAILS[pick % len(TAILS)]
                ops.append("synonym")
            elif kind == 2 and len(out) > 6:
                at = 1 + (pick >> 3) % (len(out) - 2)
                out = out[:at] + out[at + 1 :] if pick & 4 else out[:at] + out[at] + out[at:]
                ops.append("typo")
            elif kind in {0, 3}:
                head, sep, _ = out.partition(":")
                if not sep:
                    head, sep, _ = out.partition("\uff1a")
                out = head if sep else out + TAILS[pick % len(TAILS)]
                ops.append("tail")
            else:
                out += TAILS[pick % len(TAILS)]
                ops.append("tail")
        if out == title:
            out += TAILS[draw % len(TAILS)]
        return out, "+".join(ops)

    # --- pages ---------------------------------------------------------------------------

    def published(self, page_id: int) -> str:
        """Publish time shown on the page, Beijing wall time in the first half of 2024."""
        seconds = mix(self.seed, page_id, _S_DATE) % (182 * 86_400)
        day, rest = divmod(seconds, 86_400)
        month_days = (31, 29, 31, 30, 31, 30)
        month = 0
        while day >= month_days[month]:
            day -= month_days[month]
            month += 1
        hour, rest = divmod(rest, 3600)
        return f"2024-{month + 1:02d}-{day + 1:02d} {hour:02d}:{rest // 60:02d}:{rest % 60:02d}"

    def related(self, page_id: int) -> list[int]:
        """Ids of the articles in the related block of `page_id`: distinct, never itself."""
        draw = mix(self.seed, page_id, _S_RELATED)
        count = RELATED_MIN + draw % (RELATED_MAX - RELATED_MIN + 1)
        span = self.pages - FIRST_ARTICLE
        count = min(count, span - 1)
        picked: dict[int, None] = {}
        stream = draws(self.seed, page_id, _S_RELATED)
        while len(picked) < count:
            target = FIRST_ARTICLE + next(stream) % span
            if target != page_id:
                picked[target] = None
        return list(picked)

    def sidebar(self, page_id: int) -> list[int]:
        """The 热门文章 sidebar: the farm's money pages, the same on every page."""
        first = FIRST_ARTICLE + len(self.material.titles)
        if first + SIDEBAR_ITEMS > self.pages:
            first = FIRST_ARTICLE
        return [i for i in range(first, min(first + SIDEBAR_ITEMS, self.pages)) if i != page_id]

    def body(self, page_id: int) -> list[str]:
        """The article's paragraphs; a near-duplicate title's page copies its family's body.

        Sentences are runs of phrases of the seed text (each body its own, as distinct
        articles are), with now and then a real seed sentence and the page's topic; a copy
        differs from its original in one paragraph.
        """
        truth = self.truth(page_id)
        if truth.family == page_id:
            return self._body(page_id, self.title(page_id))
        paragraphs = self._body(truth.family, self.title(truth.family))
        if len(paragraphs) > 2:
            at = 1 + mix(self.seed, page_id, _S_BODY) % (len(paragraphs) - 2)
            stream = draws(self.seed, page_id, _S_BODY)
            paragraphs[at] = self._paragraph(stream, self._topic(self.title(page_id)))
        return paragraphs

    def _topic(self, title: str) -> str:
        return _TOPIC_END.split(title, maxsplit=1)[0][:16]

    def _paragraph(self, stream: Iterator[int], topic: str) -> str:
        chunks = self.material.chunks
        count = len(chunks)
        sentences = self.material.sentences
        out: list[str] = []
        for _ in range(1 + next(stream) % 4):
            draw = next(stream)
            if draw % 10 == 0:
                out.append(sentences[(draw >> 8) % len(sentences)])
                continue
            words = [chunks[d % count] for d in itertools.islice(stream, 6 + (draw >> 8) % 12)]
            if (draw >> 16) % 3 == 0:
                words.insert((draw >> 20) % len(words), topic)
            for k in range(len(words) - 3, 1, -4 - (draw >> 24) % 3):
                words[k] += ","
            out.append("".join(words) + "。")
        return "".join(out)

    def _body(self, page_id: int, title: str) -> list[str]:
        topic = self._topic(title)
        target = BODY_MIN_CHARS + mix(self.seed, page_id, _S_BODY) % (
            BODY_MAX_CHARS - BODY_MIN_CHARS
        )
        paragraphs = [f"最近有不少读者在后台留言,询问“{topic}”的具体情况,小编整理如下,仅供参考。"]
        size = len(paragraphs[0])
        stream = draws(self.seed, page_id, _S_BODY, 1)
        while size < target:
            paragraphs.append(self._paragraph(stream, topic))
            size += len(paragraphs[-1])
        paragraphs.append(f"以上就是关于“{title}”的全部内容,希望对大家有所帮助。")
        return paragraphs

    def steps(self, page_id: int) -> list[str]:
        """The article's procedure (a third of the articles have one), else []."""
        draw = mix(self.seed, page_id, _S_STEPS)
        if draw % 3:
            return []
        pool = self.material.steps
        count = 3 + (draw >> 8) % 4
        stream = draws(self.seed, page_id, _S_STEPS, 1)
        return [pool[next(stream) % len(pool)] for _ in range(count)]

    def friends(self, page_id: int) -> list[tuple[str, str]]:
        """The 友情链接 of the page: (off-site URL, anchor) pairs, five of FRIEND_LINKS."""
        start = mix(self.seed, page_id, _S_FRIEND) % len(FRIEND_LINKS)
        return [FRIEND_LINKS[(start + k) % len(FRIEND_LINKS)] for k in range(_FRIEND_COUNT)]

    def list_items(self, page_id: int) -> list[int]:
        """Ids of the articles a list page shows."""
        span = self.pages - FIRST_ARTICLE
        count = min(LIST_ITEMS, span)
        # The home page lists the first articles (every seed title), columns a hashed sample.
        if page_id == 0:
            return list(range(FIRST_ARTICLE, FIRST_ARTICLE + count))
        stream = draws(self.seed, page_id, _S_LIST)
        return list(dict.fromkeys(FIRST_ARTICLE + next(stream) % span for _ in range(count)))

    def _column(self, page_id: int) -> tuple[str, str]:
        return COLUMNS[page_id % len(COLUMNS)]

    def _prev_next(self, page_id: int) -> tuple[int | None, int | None]:
        prev = page_id - 1 if page_id > FIRST_ARTICLE else None
        nxt = page_id + 1 if page_id + 1 < self.pages else None
        return prev, nxt

    # --- rendering through the demo templates -------------------------------------------
    #
    # The values reach the templates escaped once here, and a non-autoescaping environment of
    # the same templates renders them: a page's ~110 links carry titles escaped once per site
    # (cached), not once per link and page. `FarmSite(..., autoescape=True)` renders raw
    # values through the demo's autoescaping environment instead; a test holds the bytes equal.

    def _text(self, text: str) -> str:
        """`text` as the template variable: escaped unless the environment escapes it."""
        return text if self.autoescape else str(escape(text))

    def link(self, page_id: int) -> Link:
        """The link to page `page_id` as the templates take it (cached: ~110 per page)."""
        cached = self._links[page_id]
        if cached is None:
            cached = Link(self._text(self.path(page_id)), self._text(self.title(page_id)))
            self._links[page_id] = cached
        return cached

    def category(self, page_id: int) -> Category:
        """The column article `page_id` is filed under."""
        return _CATEGORIES[page_id % len(_CATEGORIES)]

    def blocks(self, page_id: int) -> tuple[Block, ...]:
        """The article body as demo blocks: two paragraphs, the procedure if any, the rest."""
        return self._blocks(page_id, self.body(page_id), lambda text: text)

    def _blocks(
        self, page_id: int, body: list[str], shown: Callable[[str], str]
    ) -> tuple[Block, ...]:
        paragraphs = [shown(text) for text in body]
        out = [Block("paragraph", text) for text in paragraphs[:2]]
        steps = self.steps(page_id)
        if steps:
            out.append(Block("heading", "具体操作步骤" if page_id % 2 == 0 else "操作步骤"))
            numbered = (Step(k, "", None, "", "", shown(line)) for k, line in enumerate(steps, 1))
            out.append(Block("ordered_list", steps=tuple(numbered)))
        out += [Block("paragraph", text) for text in paragraphs[2:]]
        return tuple(out)

    def article(self, page_id: int) -> ArticlePage:
        """What article `page_id` shows: the truth an extractor should recover."""
        return ArticlePage(
            path=self.path(page_id),
            template="dede" if page_id % 2 == 0 else "portal",
            title=self.title(page_id),
            published_raw=self.published(page_id),
            category=self.category(page_id),
            blocks=self.blocks(page_id),
            related=tuple(self.title(i) for i in self.related(page_id)),
            seed_slug=None,
        )

    def render(self, page_id: int) -> bytes:
        """The HTML of page `page_id`, UTF-8, padded to its drawn size."""
        render = self._list_page if page_id < FIRST_ARTICLE else self._article_page
        data = render(page_id).encode("utf-8")
        target = MIN_BYTES + mix(self.seed, page_id, _S_SIZE) % (MAX_BYTES - MIN_BYTES)
        at = data.index(b"</head>")
        pad = _padding(page_id, target - len(data) - len(b"<style></style>\n"))
        return b"".join((data[:at], b"<style>", pad, b"</style>\n", data[at:]))

    def chrome(self) -> dict[str, Any]:
        """The template variables every page shares: site name, nav, footer targets."""
        if self._chrome is None:
            text = self._text
            self._chrome = {
                "site_name": text(SITE_NAME),
                "nav": [self._link_to(href, name) for href, name in _NAV],
                "search_links": [],
                "admin_path": text(ADMIN_PATH),
                "icp_url": text(ICP_URL),
                "contact_email": text(CONTACT_EMAIL),
                "hot_seeds": [self.link(i) for i in self.sidebar(-1)],
                "friend_links": [],
            }
        return self._chrome

    def _link_to(self, href: str, text: str) -> Link:
        return Link(self._text(href), self._text(text))

    def _template(self, name: str) -> jinja2.Template:
        return environment(autoescape=self.autoescape).get_template(name)

    def _friend_links(self, page_id: int) -> list[Link]:
        return [self._link_to(href, text) for href, text in self.friends(page_id)]

    def _article_page(self, page_id: int) -> str:
        text = self._text
        title = self.title(page_id)
        body = self.body(page_id)
        blocks = self._blocks(page_id, body, text)
        category = self.category(page_id)
        dede = page_id % 2 == 0
        page = ArticlePage(
            path=self.path(page_id),
            template="dede" if dede else "portal",
            title=text(title),
            published_raw=self.published(page_id),
            category=Category(text(category.slug), text(category.name), ()),
            blocks=blocks,
            related=(),
            seed_slug=None,
        )
        prev, nxt = self._prev_next(page_id)
        return self._template("article_dede.html" if dede else "article_portal.html").render(
            self.chrome(),
            page=page,
            related=[self.link(i) for i in self.related(page_id)],
            sidebar=[self.link(i) for i in self.sidebar(page_id)],
            prev=None if prev is None else self.link(prev),
            next=None if nxt is None else self.link(nxt),
            views=100 + mix(self.seed, page_id, _S_VIEWS) % 9900,
            keywords=text(",".join(keywords(title)[:3])),
            description=text(excerpt(body[0])),
            friend_links=self._friend_links(page_id),
        )

    def _list_page(self, page_id: int) -> str:
        text = self._text
        items = [
            {
                "href": self.link(i).href,
                "title": self.link(i).text,
                "date": self.published(i)[:10],
                "excerpt": text(excerpt(self.body(i)[0])),
            }
            for i in self.list_items(page_id)
        ]
        column = None if page_id == 0 else _CATEGORIES[page_id - 1]
        return self._template("list.html").render(
            self.chrome(),
            page_title=text(self._list_title(page_id)),
            heading=text(self._list_title(page_id)),
            category=column and Category(text(column.slug), text(column.name), ()),
            items=items,
            pager=_ONE_PAGE,
            sidebar=[self.link(i) for i in self.sidebar(page_id)],
            mirrors=[],
            friend_links=self._friend_links(page_id),
        )

    def _others(self) -> list[tuple[str, str, list[str]]]:
        return other_pages(SITE_NAME, CONTACT_EMAIL)

    def _page(self, status: int = 200, **context: Any) -> DemoResponse:
        """A page.html page; strings and lists of strings in `context` are raw text."""
        shown = {
            key: [self._text(v) for v in value]
            if isinstance(value, list)
            else self._text(value)
            if isinstance(value, str)
            else value
            for key, value in context.items()
        }
        html = self._template("page.html").render(self.chrome(), **shown)
        return DemoResponse(status, HTML_TYPE, html.encode("utf-8"))

    # --- the other resources -------------------------------------------------------------

    def robots_txt(self, base: str) -> str:
        """robots.txt: the demo's (search and admin disallowed), the sitemap named."""
        return robots_txt(ROBOTS_DISALLOW, base)

    def sitemap(self, base: str, chunk: int | None) -> str | None:
        """The sitemap (chunk None: a urlset, or an index past SITEMAP_CHUNK pages) or chunk k."""
        base = base.rstrip("/")
        paths = self.html_paths()
        chunks = (len(paths) + SITEMAP_CHUNK - 1) // SITEMAP_CHUNK
        if chunk is None and chunks > 1:
            rows = [f"<sitemap><loc>{base}/sitemap-{k}.xml</loc></sitemap>" for k in range(chunks)]
            return _xml("sitemapindex", rows)
        k = chunk or 0
        if k >= chunks:
            return None
        rows = [
            f"<url><loc>{base}{p}</loc></url>" for p in paths[k * SITEMAP_CHUNK :][:SITEMAP_CHUNK]
        ]
        return _xml("urlset", rows)

    def respond(self, path: str, base: str) -> DemoResponse:
        """The response for `path` (query and fragment ignored), absolute URLs under `base`."""
        path = path.partition("#")[0].partition("?")[0] or "/"
        page_id = self.page_id(path)
        if page_id is not None:
            return DemoResponse(200, HTML_TYPE, self.render(page_id))
        if path == "/robots.txt":
            return DemoResponse(200, "text/plain; charset=utf-8", self.robots_txt(base).encode())
        if path == "/sitemap.xml" or (path.startswith("/sitemap-") and path.endswith(".xml")):
            chunk = None if path == "/sitemap.xml" else path[9:-4]
            if chunk is None or chunk.isdigit():
                xml = self.sitemap(base, None if chunk is None else int(chunk))
                if xml is not None:
                    return DemoResponse(200, "application/xml; charset=utf-8", xml.encode())
        for other, heading, paragraphs in self._others():
            if path == other:
                return self._page(
                    page_title=heading, heading=heading, paragraphs=paragraphs, links=[]
                )
        if path == ADMIN_PATH:
            return self._page(**LOGIN_PAGE)
        return self._page(404, **NOT_FOUND_PAGE)


_CATEGORIES: Final = tuple(Category(slug, name, ()) for slug, name in COLUMNS)
_NAV: Final = (("/", "首页"), *((cat.path, cat.name) for cat in _CATEGORIES))
#: The pager of a list that fits on one page.
_ONE_PAGE: Final = {
    "first": None,
    "prev": None,
    "numbers": [(1, None)],
    "next": None,
    "last": None,
    "total": 1,
}


def _xml(root: str, rows: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + f"\n</{root}>\n"
    )


_PAD_RULE = ".ad-slot-{k}{{margin:{m}px 0;padding:{p}px;background:#f{c:02x}f{c:02x}f}}\n"
_PAD_CACHE: dict[int, bytes] = {}


def _padding(page_id: int, size: int) -> bytes:
    """`size` bytes of inline CSS (ad-slot rules, as farm themes inline): weight, not content."""
    if size <= 0:
        return b""
    block = _PAD_CACHE.get(0)
    if block is None:
        block = "".join(
            _PAD_RULE.format(k=k, m=k % 9, p=k % 13, c=k % 256) for k in range(2_000)
        ).encode()
        _PAD_CACHE[0] = block
    start = (page_id * 61) % 1000 * 50
    return (block[start:] + block)[:size]
