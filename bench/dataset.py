"""A realistic dataset, generated once, kept in bench/.data/ and bulk-loaded into the emulator.

Going through the API (or the stores' transactions) would spend minutes per run; instead the
items are built with the stores' own models and key functions (articles with their bodies and
slug claims, every list entry and counter, favorites with their lists, feeds with their
counters), so the tables hold exactly what the API would have written, and loaded with
BatchWriteItem.

Feeds are materialised only for the users whose feeds the bench reads (the `readers` and the
token users): a feed partition is read alone, so other users' feeds change no measured cost.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from conduit.articles.slugs import slugify
from conduit.articles.store import Article, body_record, record_attributes, slug_claim
from conduit.cards import Author
from conduit.clock import iso
from conduit.comments.store import Comment, comment_record
from conduit.favorites.store import FavoriteRecord, favorite_record
from conduit.listings.store import (
    COUNTER_SK,
    POPULARITY_SK,
    PULL_PREFIX,
    STATS_SK,
    ListingItem,
    author_lists,
    card_entry,
    favorites_key,
    feed_key,
    filtered_favorites_lists,
    followers_key,
    popularity_partition,
    reference_entry,
    site_base,
    site_lists,
)
from conduit.profiles.store import FollowRecord
from conduit.resources import (
    ARTICLES,
    COMMENTS,
    FAVORITES,
    FOLLOWS,
    LISTINGS,
    PULLED_CELEBRITIES_MAX,
    USERS,
    Table,
)
from conduit.users.store import ClaimRecord, UserRecord

DATA_DIR = Path(__file__).resolve().parent / ".data"
FORMAT_VERSION = 4  # 2: bodies in their own items; 3: cards in entries, sharded lists (issue 11);
# 4: the followers tally's markers
TABLES_BY_KEY: dict[str, Table] = {
    t.key: t for t in (USERS, FOLLOWS, ARTICLES, LISTINGS, FAVORITES, COMMENTS)
}
READER_FOLLOWS = (1, 10, 100, 1000)
_WORDS = [
    "lambda",
    "dynamo",
    "serverless",
    "python",
    "cloud",
    "async",
    "cache",
    "queue",
    "stream",
    "event",
    "function",
    "layer",
    "index",
    "partition",
    "table",
    "query",
    "batch",
    "cold",
    "start",
    "latency",
    "throughput",
    "scale",
    "edge",
    "token",
    "feed",
    "profile",
    "article",
    "comment",
    "favorite",
    "tag",
    "follow",
    "design",
    "pattern",
    "review",
    "guide",
    "deep",
    "dive",
    "notes",
    "tips",
]


@dataclass(frozen=True)
class Scale:
    users: int = 1000
    articles: int = 10_000
    tags: int = 50
    follows_per_user: int = 20
    favorites_per_user: int = 5
    comments: int = 10_000
    seed: int = 5

    @property
    def name(self) -> str:
        return f"v{FORMAT_VERSION}-u{self.users}-a{self.articles}-c{self.comments}-s{self.seed}"


@dataclass
class Meta:
    """What the bench needs to know about the dataset to send realistic requests."""

    scale: dict[str, int]
    users: list[tuple[str, str]]  # (user id, username), ordinary users
    readers: dict[str, tuple[str, str]]  # follow count -> (user id, username)
    tags: list[str]
    articles: list[tuple[str, str, str]] = field(default_factory=list)  # sample (id, slug, author id)
    commented: tuple[str, str] = ("", "")  # (article id, slug) with the most comments
    items: int = 0


def zipf_weights(count: int, exponent: float) -> list[float]:
    """Weights 1/rank^s: a few very popular choices, a long tail."""
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def sample_distinct(rng: random.Random, population: list[str], weights: list[float], k: int) -> list[str]:
    """k distinct choices, drawn by weight (tags of one article, whom a user follows)."""
    chosen: dict[str, None] = {}
    while len(chosen) < min(k, len(population)):
        chosen[rng.choices(population, weights)[0]] = None
    return list(chosen)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


class _Writer:
    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8")
        self.count = 0

    def put(self, table: Table, item: dict[str, Any]) -> None:
        self._file.write(json.dumps({"t": table.key, "i": item}, separators=(",", ":")) + "\n")
        self.count += 1

    def close(self) -> None:
        self._file.close()


def _counter(key: str, total: int) -> dict[str, Any]:
    return dict(ListingItem(key, COUNTER_SK, total=total, v=1).serialize())


def _popularity(tag: str, total: int) -> dict[str, Any]:
    item = ListingItem(
        site_base(tag), POPULARITY_SK, total=total, v=1, tag=tag, popularity=popularity_partition(tag)
    )
    return dict(item.serialize())


def generate(scale: Scale, path: Path) -> Meta:
    """Write the dataset's items to `path` (JSON lines) and return what the bench needs.

    Everything is decided first (articles, follows, favorites, comments), then written, since
    an article's card, copied into every list it is in, carries its favorites count. The four
    most followed authors are celebrities: their followers pull them (a marker in the feed
    partition) rather than getting their articles pushed."""
    rng = random.Random(scale.seed)
    out = _Writer(path)
    totals: Counter[str] = Counter()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    users = [(_uuid(rng), f"user{n:04d}") for n in range(scale.users)]
    readers = {str(n): (_uuid(rng), f"reader{n}") for n in READER_FOLLOWS}
    progress = tqdm(total=scale.users + scale.articles + scale.comments, desc="generate", unit="obj")
    cards: dict[str, Author] = {}
    for user_id, name in users + list(readers.values()):
        joined = now - timedelta(days=rng.randint(30, 900))
        profile = UserRecord(
            pk=f"USER#{user_id}", user_id=user_id, username=name, email=f"{name}@example.com",
            bio=_text(rng, 12), image=f"https://example.com/{name}.png", created_at=joined,
            updated_at=joined,
        )  # fmt: skip
        profile.version = 1
        cards[user_id] = Author(user_id, name, profile.bio, profile.image, 1)
        out.put(USERS, dict(profile.serialize()))
        out.put(USERS, dict(ClaimRecord(pk=f"USERNAME#{name}", user_id=user_id).serialize()))
        out.put(USERS, dict(ClaimRecord(pk=f"EMAIL#{name}@example.com", user_id=user_id).serialize()))
        progress.update(1 if (user_id, name) in users else 0)
    user_ids = [u for u, _ in users]
    author_weights = zipf_weights(len(users), 0.7)
    tag_names = [f"{w}{n}" if n else w for n, w in enumerate((_WORDS * 2)[: scale.tags])]
    tag_weights = zipf_weights(len(tag_names), 1.1)
    articles: list[Article] = []
    bodies: dict[str, str] = {}
    by_author: dict[str, list[int]] = defaultdict(list)
    for n in range(scale.articles):
        article_id = _uuid(rng)
        author_id = rng.choices(user_ids, author_weights)[0]
        created = iso(now - timedelta(seconds=rng.randint(0, 730 * 86400), milliseconds=rng.randint(0, 999)))
        tags = tuple(sample_distinct(rng, tag_names, tag_weights, rng.randint(1, 5)))
        title = f"{_text(rng, rng.randint(3, 8)).title()} {n}"
        article = Article(
            article_id, f"{slugify(title)}-{article_id[:8]}", title, _text(rng, 15), tags, cards[author_id],
            created, created,
        )  # fmt: skip
        bodies[article_id] = _text(rng, rng.randint(80, 600))
        by_author[author_id].append(len(articles))
        articles.append(article)
        progress.update(1)
    # Follows: ordinary users follow ~N authors, popular ones more likely; readers follow 1..1000.
    followed_by: dict[str, list[str]] = {}
    for user_id in user_ids:
        count = max(1, round(rng.gauss(scale.follows_per_user, scale.follows_per_user / 4)))
        followed = [f for f in sample_distinct(rng, user_ids, author_weights, count + 1) if f != user_id]
        followed_by[user_id] = followed[:count]
    for follows_count, (reader_id, _) in readers.items():
        followed_by[reader_id] = rng.sample(user_ids, min(int(follows_count), len(user_ids)))
    followers: Counter[str] = Counter(a for followed in followed_by.values() for a in followed)
    celebrities = {a for a, _ in followers.most_common(PULLED_CELEBRITIES_MAX)}
    feed_owners = set(list(followed_by)[:5]) | {r for r, _ in readers.values()}
    for follower, followed in followed_by.items():
        pulled = [a for a in followed if a in celebrities]
        for followee in followed:
            edge = FollowRecord(
                follower, followee, created_at=now, fanout=None if followee in celebrities else followee
            )
            out.put(FOLLOWS, dict(edge.serialize()))
            if followee not in celebrities:  # counted in the followee's tally (conduit.feeds)
                out.put(LISTINGS, dict(ListingItem(followers_key(followee), follower).serialize()))
        for celebrity in pulled:
            out.put(LISTINGS, dict(ListingItem(feed_key(follower), PULL_PREFIX + celebrity).serialize()))
        stats = ListingItem(feed_key(follower), STATS_SK, pulls=len(pulled), followers=followers[follower])
        if follower in celebrities:
            stats.celebrity = True
        out.put(LISTINGS, dict(stats.serialize()))
    # Favorites: popular articles (by a Zipf over a shuffled order) are favorited more.
    order = list(range(len(articles)))
    rng.shuffle(order)
    popularity = zipf_weights(len(order), 0.9)
    favorites_count: Counter[str] = Counter()
    for user_id in [*user_ids, *(r for r, _ in readers.values())]:
        count = min(50, int(rng.expovariate(1 / scale.favorites_per_user)))
        for index in {order[i] for i in rng.choices(range(len(order)), popularity, k=count)}:
            article = articles[index]
            out.put(FAVORITES, dict(favorite_record(user_id, article).serialize()))
            favorites_count[article.article_id] += 1
            keys = [
                favorites_key(user_id),
                *filtered_favorites_lists(user_id, article.author_id, article.tags),
            ]
            for key in keys:
                out.put(LISTINGS, dict(reference_entry(key, article.placement).serialize()))
                totals[key] += 1
    # Comments: a few articles draw most of them.
    comment_seq: Counter[str] = Counter()
    for _ in range(scale.comments):
        article = articles[order[rng.choices(range(len(order)), popularity)[0]]]
        comment_seq[article.article_id] += 1
        created = iso(now)
        comment = Comment(
            article.article_id, comment_seq[article.article_id], cards[rng.choice(user_ids)],
            _text(rng, rng.randint(5, 60)), created, created,
        )  # fmt: skip
        out.put(COMMENTS, dict(comment_record(comment, token=_uuid(rng)).serialize()))
        progress.update(1)
    # Articles, now that their counts are known, and every list they are in.
    tag_uses: Counter[str] = Counter()
    for index, article in enumerate(articles):
        count = favorites_count[article.article_id]
        article = articles[index] = replace(article, favorites_count=count)
        record = record_attributes(article)
        record["commentSeq"] = {"N": str(comment_seq[article.article_id])}
        record["countVersion"] = {"N": "1"}
        out.put(ARTICLES, record)
        out.put(ARTICLES, dict(body_record(article.article_id, bodies[article.article_id]).serialize()))
        out.put(ARTICLES, dict(slug_claim(article.slug, article.article_id).serialize()))
        if count:
            item = FavoriteRecord(f"COUNT#{article.article_id}", "0", total=count, v=1)
            out.put(FAVORITES, dict(item.serialize()))
        for key in author_lists(article.author_id, article.tags) + site_lists(
            article.article_id, article.tags
        ):
            out.put(LISTINGS, dict(card_entry(key, article).serialize()))
            totals[key] += 1
        tag_uses.update(article.tags)
    for owner in feed_owners:
        key = feed_key(owner)
        for followee in followed_by[owner]:
            if followee in celebrities:
                continue
            for index in by_author[followee]:
                out.put(LISTINGS, dict(card_entry(key, articles[index]).serialize()))
                totals[key] += 1
        totals[key] += 0
    for key, total in totals.items():
        out.put(LISTINGS, _counter(key, total))
    for tag, uses in tag_uses.items():
        out.put(LISTINGS, _popularity(tag, uses))
    progress.close()
    out.close()
    most = comment_seq.most_common(1)[0][0]
    sample = [(a.article_id, a.slug, a.author_id) for a in rng.sample(articles, 200)]
    slug_of = {a.article_id: a.slug for a in articles}
    return Meta(
        scale=asdict(scale), users=users, readers=readers, tags=tag_names,
        articles=sample, commented=(most, slug_of[most]), items=out.count,
    )  # fmt: skip


def dataset(scale: Scale) -> tuple[Path, Meta]:
    """The dataset of this scale: generated once, then reused from bench/.data/."""
    DATA_DIR.mkdir(exist_ok=True)
    items = DATA_DIR / f"{scale.name}.jsonl"
    meta_path = DATA_DIR / f"{scale.name}.meta.json"
    if not (items.exists() and meta_path.exists()):
        partial = items.with_suffix(".partial")
        meta = generate(scale, partial)
        partial.replace(items)
        meta_path.write_text(json.dumps(asdict(meta)))
    document = json.loads(meta_path.read_text())
    document["users"] = [tuple(u) for u in document["users"]]
    document["readers"] = {k: tuple(v) for k, v in document["readers"].items()}
    document["articles"] = [tuple(a) for a in document["articles"]]
    document["commented"] = tuple(document["commented"])
    return items, Meta(**document)


def batches(path: Path, size: int = 25) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table key, up to 25 items) in file order, one table per batch."""
    pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            bucket = pending[row["t"]]
            bucket.append(row["i"])
            if len(bucket) == size:
                yield row["t"], bucket
                pending[row["t"]] = []
    for key, bucket in pending.items():
        if bucket:
            yield key, bucket


def load(path: Path, total: int, client: Any, table_names: dict[str, str], workers: int = 3) -> float:
    """BatchWriteItem every item into the emulator's tables; returns items per second. A few
    writers overlap the client's encoding with the emulator's (one-at-a-time) applying."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    def write(batch: tuple[str, list[dict[str, Any]]]) -> int:
        key, items = batch
        pending: dict[str, Any] = {table_names[key]: [{"PutRequest": {"Item": i}} for i in items]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return len(items)

    started = time.perf_counter()
    with tqdm(total=total, desc="load", unit="item") as progress, ThreadPoolExecutor(workers) as pool:
        for written in pool.map(write, batches(path)):
            progress.update(written)
    return total / (time.perf_counter() - started)
