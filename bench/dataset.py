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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from conduit.articles.slugs import slugify
from conduit.articles.store import ArticleRecord, SlugClaim, article_key, body_record
from conduit.clock import iso
from conduit.comments.store import CommentRecord
from conduit.favorites.store import FavoriteRecord
from conduit.listings.store import (
    COUNTER_SK,
    POPULARITY,
    ListingItem,
    Placement,
    article_lists,
    favorite_lists,
    feed_key,
)
from conduit.profiles.store import FollowRecord
from conduit.resources import ARTICLES, COMMENTS, FAVORITES, FOLLOWS, LISTINGS, USERS, Table
from conduit.users.store import ClaimRecord, UserRecord

DATA_DIR = Path(__file__).resolve().parent / ".data"
FORMAT_VERSION = 2  # 2: bodies in their own items
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
    counter = ListingItem(key, COUNTER_SK, total=total)
    if key.startswith("tag#"):
        from urllib.parse import unquote

        counter.popularity = POPULARITY
        counter.tag = unquote(key[len("tag#") :])
    return dict(counter.serialize())


def _entry(key: str, placement: Placement) -> dict[str, Any]:
    entry = ListingItem(key, placement.sk, article_id=placement.article_id, author_id=placement.author_id)
    return dict(entry.serialize())


def generate(scale: Scale, path: Path) -> Meta:
    """Write the dataset's items to `path` (JSON lines) and return what the bench needs."""
    rng = random.Random(scale.seed)
    out = _Writer(path)
    totals: Counter[str] = Counter()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    users = [(_uuid(rng), f"user{n:04d}") for n in range(scale.users)]
    readers = {str(n): (_uuid(rng), f"reader{n}") for n in READER_FOLLOWS}
    progress = tqdm(total=scale.users + scale.articles + scale.comments, desc="generate", unit="obj")
    for user_id, name in users + list(readers.values()):
        joined = now - timedelta(days=rng.randint(30, 900))
        profile = UserRecord(
            pk=f"USER#{user_id}", user_id=user_id, username=name, email=f"{name}@example.com",
            bio=_text(rng, 12), image=f"https://example.com/{name}.png", created_at=joined,
            updated_at=joined,
        )  # fmt: skip
        profile.version = 1
        out.put(USERS, dict(profile.serialize()))
        out.put(USERS, dict(ClaimRecord(pk=f"USERNAME#{name}", user_id=user_id).serialize()))
        out.put(USERS, dict(ClaimRecord(pk=f"EMAIL#{name}@example.com", user_id=user_id).serialize()))
        progress.update(1 if (user_id, name) in users else 0)
    user_ids = [u for u, _ in users]
    author_weights = zipf_weights(len(users), 0.7)
    tag_names = [f"{w}{n}" if n else w for n, w in enumerate((_WORDS * 2)[: scale.tags])]
    tag_weights = zipf_weights(len(tag_names), 1.1)
    # Articles, their claims, and their entries in every list they are created in.
    placements: list[tuple[Placement, tuple[str, ...]]] = []
    by_author: dict[str, list[Placement]] = defaultdict(list)
    records: list[ArticleRecord] = []
    for n in range(scale.articles):
        article_id = _uuid(rng)
        author_id = rng.choices(user_ids, author_weights)[0]
        created = iso(now - timedelta(seconds=rng.randint(0, 730 * 86400), milliseconds=rng.randint(0, 999)))
        tags = tuple(sample_distinct(rng, tag_names, tag_weights, rng.randint(1, 5)))
        title = f"{_text(rng, rng.randint(3, 8)).title()} {n}"
        slug = f"{slugify(title)}-{article_id[:8]}"
        record = ArticleRecord(
            pk=article_key(article_id), article_id=article_id, slug=slug, title=title,
            description=_text(rng, 15), tag_list=list(tags),
            author_id=author_id, created_at=created, updated_at=created, favorites_count=0, comment_seq=0,
        )  # fmt: skip
        placement = Placement(article_id, author_id, created)
        placements.append((placement, tags))
        records.append(record)
        by_author[author_id].append(placement)
        out.put(ARTICLES, dict(SlugClaim(pk=f"SLUG#{slug}", article_id=article_id).serialize()))
        out.put(ARTICLES, dict(body_record(article_id, _text(rng, rng.randint(80, 600))).serialize()))
        for key in article_lists(author_id, tags):
            out.put(LISTINGS, _entry(key, placement))
            totals[key] += 1
        progress.update(1)
    # Follows: ordinary users follow ~N authors, popular ones more likely; readers follow 1..1000.
    feed_owners: dict[str, list[str]] = {}
    for user_id in user_ids:
        count = max(1, round(rng.gauss(scale.follows_per_user, scale.follows_per_user / 4)))
        followed = [f for f in sample_distinct(rng, user_ids, author_weights, count + 1) if f != user_id]
        for followee in followed[:count]:
            out.put(FOLLOWS, dict(FollowRecord(user_id, followee, created_at=now).serialize()))
        if len(feed_owners) < 5:
            feed_owners[user_id] = followed[:count]
    for follows_count, (reader_id, _) in readers.items():
        followed = rng.sample(user_ids, min(int(follows_count), len(user_ids)))
        feed_owners[reader_id] = followed
        for followee in followed:
            out.put(FOLLOWS, dict(FollowRecord(reader_id, followee, created_at=now).serialize()))
    for owner, followed in feed_owners.items():
        key = feed_key(owner)
        for followee in followed:
            for placement in by_author[followee]:
                out.put(LISTINGS, _entry(key, placement))
                totals[key] += 1
        totals[key] += 0
    # Favorites: popular articles (by a Zipf over a shuffled order) are favorited more.
    order = list(range(len(placements)))
    rng.shuffle(order)
    popularity = zipf_weights(len(order), 0.9)
    favorites_count: Counter[str] = Counter()
    for user_id in [*user_ids, *(r for r, _ in readers.values())]:
        count = min(50, int(rng.expovariate(1 / scale.favorites_per_user)))
        chosen = {order[i] for i in rng.choices(range(len(order)), popularity, k=count)}
        for index in chosen:
            placement, tags = placements[index]
            out.put(
                FAVORITES,
                dict(FavoriteRecord(user_id, placement.article_id, created_at=iso(now)).serialize()),
            )
            favorites_count[placement.article_id] += 1
            for key in favorite_lists(user_id, placement.author_id, tags):
                out.put(LISTINGS, _entry(key, placement))
                totals[key] += 1
    # Comments: a few articles draw most of them.
    comment_seq: Counter[str] = Counter()
    for _ in range(scale.comments):
        placement, _tags = placements[order[rng.choices(range(len(order)), popularity)[0]]]
        comment_seq[placement.article_id] += 1
        created = iso(now)
        comment = CommentRecord(
            placement.article_id, comment_seq[placement.article_id], author_id=rng.choice(user_ids),
            body=_text(rng, rng.randint(5, 60)), created_at=created, updated_at=created,
        )  # fmt: skip
        out.put(COMMENTS, dict(comment.serialize()))
        progress.update(1)
    for key, total in totals.items():
        out.put(LISTINGS, _counter(key, total))
    for record in records:  # written last: their counters are known now
        record.favorites_count = favorites_count[record.article_id]
        record.comment_seq = comment_seq[record.article_id]
        out.put(ARTICLES, dict(record.serialize()))
    progress.close()
    out.close()
    most = comment_seq.most_common(1)[0][0]
    sample = [(r.article_id, r.slug, r.author_id) for r in rng.sample(records, 200)]
    slug_of = {r.article_id: r.slug for r in records}
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
