"""Crawl across machines: one frontier in Redis, many workers, the dataset as the record.

`farmaudit crawl URL --redis redis://HOST:PORT/DB --out DATASET` seeds the frontier into Redis
and works on it; `farmaudit worker --redis ... --out DATASET` joins from any machine that mounts
DATASET. Each worker writes its own part files (`part-<worker>-<seq>.parquet`), so the dataset
reads as one. Redis only decides who fetches what next; what is done is what committed parts
hold (docs/distributed.md has the setup, the failure cases and the memory figures):

- Frontier: a sorted set scored by depth (breadth-first). URLs enter it through one Lua script
  that checks the seen set, the page budgets and the calendar-trap counter and enqueues in the
  same step, so no kill between "seen" and "queued" can lose a URL.
- Seen set (the dupefilter): 82-bit fingerprints of crawl keys, 64-bit integers sharded over
  FARMAUDIT_REDIS_SEEN_BUCKETS sets that Redis packs as intsets: about 1 GB for 100M URLs where
  scrapy-redis's hex SHA1 set takes about 10 GB. No Bloom filter: it would drop unseen URLs.
- Leases: a worker takes an entry into its own in-flight hash and gives it up only once the
  batch holding the entry's fetches row is committed. A worker's lease lives while it sends
  heartbeats; once it expires, another worker requeues the entries, except those the dead
  worker's commit markers show as committed. A worker that finds its own lease gone drops its
  uncommitted rows and stops, so nothing is recorded twice.
- Politeness: per-host concurrency slots and the next allowed start time live in Redis, on the
  Redis clock, so N workers are as polite as one.
- The end: the crawl is finished when it was fully seeded, its frontier is empty and no worker
  holds an entry.

scrapy-redis 0.9.1 provides the Scrapy scheduler; what it lacks is configured or added here: it
pops an entry for good (`LeasedQueue` leases it instead), flushes the shared queue when one
worker closes (SCHEDULER_PERSIST), pickles requests (SCHEDULER_SERIALIZER is json, and entries
are plain JSON), dedupes by request fingerprint in a separate round trip from the push (the
spider offers in one atomic script instead), needs a dupefilter with `from_spider` (Scrapy 2.19's
BaseDupeFilter has no `from_settings`: `NoDupeFilter`), and has no notion of politeness across
workers or of when a shared crawl is over (`HostGate`, `ClusterWorker`).
"""
