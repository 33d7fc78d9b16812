"""Scrapy settings for farmaudit crawls.

Polite by default: robots.txt obeyed, AutoThrottle on, few requests per host. farmaudit's own
settings share the FARMAUDIT_ prefix. Command-line options of `farmaudit crawl` override these
(the CLI maps each option to one setting); `scrapy crawl farm -s NAME=VALUE` does the same.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    FARMAUDIT_VERSION = version("farmaudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    FARMAUDIT_VERSION = "0+unknown"

BOT_NAME = "farmaudit"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

USER_AGENT = f"farmaudit/{FARMAUDIT_VERSION} (content-farm link audit; polite crawler)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts the delay to the server's latency; a small per-host
# concurrency keeps a crawl from looking like an attack.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

DOWNLOAD_TIMEOUT = 30
# Also caps the decompressed size: a gzip bomb fails as too_large.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 2
# A fetch that gives up is a fetches row and counted in the summary; no need to shout.
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy starts this many asyncio tasks for every callback's output, however few items it
# yields (a page gives one item and its new links); 100 tasks per page cost ~8 % of the crawl's
# CPU. The item pipeline is synchronous, so more than a few in parallel buys nothing.
CONCURRENT_ITEMS = 8
LOGSTATS_INTERVAL = 0  # the progress line below replaces Scrapy's per-minute log line

# Breadth-first: requests carry priority -depth, and FIFO within a priority.
# Page requests wait as (url, depth, referrer) tuples, not Request objects: on a farm nearly
# the whole site is in the frontier after a few hundred pages (see scraper/queues.py).
SCHEDULER_MEMORY_QUEUE = "scraper.queues.CompactFifoMemoryQueue"
SCHEDULER_START_MEMORY_QUEUE = "scraper.queues.CompactFifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
# The spider dedupes by crawl key (and rebuilds that set from the dataset on resume); Scrapy's
# fingerprint filter would also drop redirect hops and repeats without leaving a fetches row.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scraper.middlewares.FarmRobotsTxtMiddleware": 100,
    # Retries that honour Retry-After on 429/503; redirects the spider may refuse.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.middlewares.PoliteRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scraper.middlewares.FarmMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scraper.middlewares.FarmRedirectMiddleware": 600,
}
ITEM_PIPELINES = {"pipelines.components.DatasetPipeline": 300}
EXTENSIONS = {
    # AutoThrottle that lets fast 404s lower the delay too (scraper/extensions.py).
    "scrapy.extensions.throttle.AutoThrottle": None,
    "scraper.extensions.FarmAutoThrottle": 0,
    "scraper.extensions.ProgressLine": 500,
}

# --- farmaudit ---
#: What decides which URLs are fetched (seen set, budgets, resume): the class, as for
#: SCHEDULER. `cluster_settings` (--redis) sets scraper.cluster.frontier.RedisFrontier.
FARMAUDIT_FRONTIER = "scraper.frontier.LocalFrontier"
#: Dataset folder the crawl writes (required): datasets/NAME.
FARMAUDIT_OUTPUT = None
#: Replace a different crawl already in FARMAUDIT_OUTPUT instead of refusing.
FARMAUDIT_OVERWRITE = False
#: Allow start URLs on loopback/private networks (the demo and tests need it).
FARMAUDIT_ALLOW_PRIVATE = False
#: Link hops to follow from the start URLs.
FARMAUDIT_MAX_DEPTH = 5
#: New in-scope links followed from one page, at most (0: no limit). A farm page carries about
#: a hundred; a hostile page with tens of thousands of dead links would otherwise keep the
#: crawl busy for hours. Heritrix keeps 6,000; 1,000 is ten times a farm page. The links past
#: it are not followed from that page (another page may still lead to them) and are counted,
#: not recorded as rows: stats farmaudit/outlinks_capped (links) and
#: farmaudit/outlinks_capped_pages (pages), in the end-of-crawl summary line; an INFO log line
#: names each page.
FARMAUDIT_MAX_OUTLINKS = 1000
#: Stop scheduling new pages after this many (0: no limit).
FARMAUDIT_MAX_PAGES = 0
#: Stop scheduling new pages of one host after this many (0: no limit).
FARMAUDIT_MAX_PAGES_PER_HOST = 0
#: Pages allowed per calendar shape (URLs equal but for their dates; 0: no limit); past it
#: a URL is recorded as a trap and not fetched.
FARMAUDIT_TRAP_DATE_PAGES = 30
#: Longest Retry-After (seconds) a 429/503 is waited for; a longer one gives up at once.
FARMAUDIT_MAX_RETRY_AFTER = 60.0
#: Backoff after a 429/503 without Retry-After: this many seconds, doubled per retry.
FARMAUDIT_BACKOFF_SECONDS = 1.0
#: Commit a batch of part files every N pages or S seconds, whichever comes first.
FARMAUDIT_BATCH_PAGES = 200
FARMAUDIT_BATCH_SECONDS = 30.0
#: Seconds between progress lines (0: off).
FARMAUDIT_PROGRESS_INTERVAL = 5.0
#: Print progress to the terminal (the CLI) rather than the log (scrapy crawl).
FARMAUDIT_PROGRESS_TO_STDERR = False

# --- farmaudit on Redis: several machines, one crawl (docs/distributed.md) ---
#: Redis holding the crawl's shared frontier, e.g. redis://10.0.0.5:6379/0 (None: one machine).
FARMAUDIT_REDIS_URL = None
#: "seed": start or resume the crawl in Redis, then work on it; "join": work on a seeded crawl.
FARMAUDIT_REDIS_ROLE = "seed"
#: Seconds a worker's lease lasts without a heartbeat (sent every third of it); after that,
#: other workers requeue the pages it had not committed.
FARMAUDIT_REDIS_LEASE = 60.0
#: Seconds between looks at the frontier while a worker has nothing to do.
FARMAUDIT_REDIS_POLL = 0.5
#: Sets the seen set is sharded over, fixed when a crawl is seeded. Each stays a packed intset
#: (8 bytes a URL) up to Redis's set-max-intset-entries (512): 262,144 sets hold 110M URLs.
FARMAUDIT_REDIS_SEEN_BUCKETS = 262_144
#: Names this process's part files (part-<id>-<seq>.parquet) and, on Redis, its worker.
FARMAUDIT_WRITER_ID = None
