"""Materialised article lists: the only code that touches the listings table.

Each way of listing articles is one partition (`list`) or, for the site-wide lists (`all` and
each tag), `SHARDING.lists` partitions (`all@0`...). Entries are sorted by
`<createdAt>#<articleId>`; every partition has a counter item whose sort key (`~count`) sorts
after every entry, so a descending Query returns the count first, then the newest entries.

Entries of author, site-wide and feed lists are *cards* (what a page shows: the article's
summary and its author's); entries of favorites lists are references (the article's id,
author and time), since an article has as many of those as it has favoriters. Entries are
put only if absent and deleted only if present, always in the same transaction as their
counter, so a counter equals its partition's entries however often a change is applied.

Feed partitions also hold the reader's pulled celebrities (`~pull#<author>`) and the user's
`~stats` (followers tally, celebrity flag, pulls); `followers#<author>` holds a marker per
follower the tally counts; tags have a popularity item each, in the sparse `byPopularity` index.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.transactions import TransactGet, TransactWrite

from conduit import jsontext
from conduit.cards import Card, Placement
from conduit.errors import ValidationFailed
from conduit.resources import LISTINGS, PULLED_CELEBRITIES_MAX, SHARDING, shard_of
from conduit.storage import (
    Record,
    commit_once,
    conflicted,
    copied_author,
    each,
    found,
    retried,
    share,
    table_meta,
    together,
    transact,
)

COUNTER_SK = "~count"  # "~" sorts after the digits every entry's sort key starts with
POPULARITY_SK = "~popularity"
STATS_SK = "~stats"
PULL_PREFIX = "~pull#"
HEAD = "~"  # every item of a partition that is not an entry sorts at or after it
FLOOR = "0"  # sorts before every entry (their sort keys start with a year)
ALL = "all"
_SK = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[A-Za-z0-9-]{1,64}$")
#: A transaction holds at most 100 items.
_TRANSACTION_ITEMS = 100
#: Entries a flags Query reads before the rest is looked up by key (see `members_between`).
FLAGS_QUERY_LIMIT = 100


class PopularityIndex(GlobalSecondaryIndex["ListingItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = LISTINGS.index("byPopularity").name
        projection = IncludeProjection(["tag"])

    popularity = UnicodeAttribute(hash_key=True)
    total = NumberAttribute(range_key=True)


class OwnerIndex(GlobalSecondaryIndex["ListingItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = LISTINGS.index("byOwner").name
        projection = KeysOnlyProjection()

    owner = UnicodeAttribute(hash_key=True)
    list = UnicodeAttribute(range_key=True)


class AboutIndex(GlobalSecondaryIndex["ListingItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = LISTINGS.index("byAbout").name
        projection = KeysOnlyProjection()

    about = UnicodeAttribute(hash_key=True)
    list = UnicodeAttribute(range_key=True)


class ListingItem(Record):
    """An entry (a card, or a reference with `authorId` only), a counter (`total`), a tag's
    popularity (`total`, `tag`), a pulled celebrity or a user's stats."""

    Meta = table_meta(LISTINGS)

    list = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    author_id = UnicodeAttribute(attr_name="authorId", null=True)
    slug = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    tag_list = ListAttribute(of=UnicodeAttribute, attr_name="tagList", null=True)
    updated_at = UnicodeAttribute(attr_name="updatedAt", null=True)
    favorites_count = NumberAttribute(attr_name="favoritesCount", null=True)
    author_name = UnicodeAttribute(attr_name="authorName", null=True)
    author_bio = UnicodeAttribute(attr_name="authorBio", null=True)
    author_image = UnicodeAttribute(attr_name="authorImage", null=True)
    author_version = NumberAttribute(attr_name="authorVersion", null=True)
    #: A card's version; a counter's or popularity's number of updates.
    v = NumberAttribute(null=True)
    total = NumberAttribute(null=True)
    popularity = UnicodeAttribute(null=True)
    tag = UnicodeAttribute(null=True)
    followers = NumberAttribute(null=True)
    celebrity = BooleanAttribute(null=True)
    pulls = NumberAttribute(null=True)
    #: A pending change (`conduit.listings.pending`): where its article sits, whether it is
    #: there (an article, a favorite), and when DynamoDB may delete it.
    at = UnicodeAttribute(null=True)
    present = BooleanAttribute(null=True)
    expires = NumberAttribute(null=True)
    #: A pending follow or unfollow: whether the followee's articles were all in the feed
    #: when it began (`filled`), and how many the worker has moved in or out since (`moved`).
    filled = BooleanAttribute(null=True)
    moved = NumberAttribute(null=True)
    #: A user's last comments and deletions of comments (`conduit.listings.pending`).
    recent = ListAttribute(of=UnicodeAttribute, null=True)
    #: On the counter of a user's own list: the user (the sparse `byOwner` index); of a
    #: favorites list narrowed by author, also that author (`about`, the `byAbout` index).
    owner = UnicodeAttribute(null=True)
    about = UnicodeAttribute(null=True)
    by_popularity = PopularityIndex()
    by_owner = OwnerIndex()
    by_about = AboutIndex()


# --- keys ------------------------------------------------------------------------------


def _tag(tag: str) -> str:
    return quote(tag, safe="")  # a tag may contain '#' or '@', the separators of list keys


def author_key(author_id: str) -> str:
    return f"author#{author_id}"


def author_tag_key(author_id: str, tag: str) -> str:
    return f"author#{author_id}#tag#{_tag(tag)}"


def _site(base: str, shard: int) -> str:
    return f"{base}@{shard}"


def site_base(tag: str | None = None) -> str:
    """The unsharded name of a site-wide list: `all`, or `tag#<tag>`."""
    return ALL if tag is None else f"tag#{_tag(tag)}"


def site_keys(base: str) -> list[str]:
    """The partitions of a site-wide list."""
    return [_site(base, shard) for shard in range(SHARDING.lists)]


def site_key(base: str, article_id: str) -> str:
    """The partition of a site-wide list that holds this article."""
    return _site(base, shard_of(article_id, SHARDING.lists))


def favorites_key(user_id: str, author_id: str | None = None, tag: str | None = None) -> str:
    """A user's favorites, alone or narrowed by author, tag or both."""
    key = f"fav#{user_id}"
    if author_id:
        key += f"#author#{author_id}"
    if tag is not None:
        key += f"#tag#{_tag(tag)}"
    return key


def feed_key(user_id: str) -> str:
    return f"feed#{user_id}"


def author_lists(author_id: str, tags: Iterable[str]) -> list[str]:
    """The author's own lists an article is in: by author, and by author and tag."""
    return [author_key(author_id)] + [author_tag_key(author_id, tag) for tag in tags]


def site_lists(article_id: str, tags: Iterable[str]) -> list[str]:
    """The site-wide list partitions an article is in: `all` and each of its tags'."""
    return [site_key(site_base(), article_id)] + [site_key(site_base(tag), article_id) for tag in tags]


def filtered_favorites_lists(user_id: str, author_id: str, tags: Iterable[str]) -> list[str]:
    """The user's favorites lists narrowed by the article's author and tags (kept by the worker;
    `fav#<user>` itself is written by the favorite's own transaction)."""
    keys = [favorites_key(user_id, author_id=author_id)]
    for tag in tags:
        keys += [favorites_key(user_id, tag=tag), favorites_key(user_id, author_id=author_id, tag=tag)]
    return keys


# --- items -----------------------------------------------------------------------------


def card_entry(key: str, card: Card) -> ListingItem:
    """An entry showing `card`."""
    author = card.author
    return ListingItem(
        key,
        card.placement.sk,
        author_id=author.user_id,
        slug=card.slug,
        title=card.title,
        description=card.description,
        tag_list=list(card.tags),
        updated_at=card.updated_at,
        favorites_count=card.favorites_count,
        author_name=author.username,
        author_bio=author.bio,
        author_image=author.image,
        author_version=author.version,
        v=card.version,
    )


def reference_entry(key: str, placement: Placement) -> ListingItem:
    """An entry naming the article only (favorites lists)."""
    return ListingItem(key, placement.sk, author_id=placement.author_id)


def _placement(item: ListingItem) -> Placement:
    created_at, _, article_id = item.sk.partition("#")
    return Placement(article_id, str(item.author_id), created_at)


def _card(item: ListingItem) -> Card | None:
    if item.title is None:
        return None  # a reference
    return card_of(item, _placement(item))


def card_of(item: ListingItem, placement: Placement) -> Card:
    """The card an item carries (an entry's, or a writer's pending record's), at `placement`."""
    return Card(
        article_id=placement.article_id,
        slug=str(item.slug),
        title=str(item.title),
        description=str(item.description),
        tags=tuple(str(tag) for tag in item.tag_list or ()),
        author=copied_author(item, placement.author_id),
        created_at=placement.created_at,
        updated_at=str(item.updated_at),
        favorites_count=int(item.favorites_count or 0),
        version=int(item.v or 0),
    )


@dataclass(frozen=True)
class Entry:
    """A listed article: where it is, and its card unless the list holds references."""

    placement: Placement
    card: Card | None


def _entry(item: ListingItem) -> Entry:
    return Entry(_placement(item), _card(item))


# --- writing: entries with their counters, exactly once ---------------------------------


@dataclass(frozen=True)
class Change:
    """One entry to put (`item`) only if absent, or to delete (`item` None) only if present."""

    key: str
    sk: str
    item: ListingItem | None = None


@dataclass(frozen=True)
class Step:
    """Entry changes that apply together or not at all: all puts, or all deletes. `stage`
    adds another store's items to the same transaction (`staged` of them)."""

    changes: tuple[Change, ...]
    stage: Callable[[TransactWrite], None] | None = None
    staged: int = 0

    @property
    def adds(self) -> bool:
        return self.changes[0].item is not None

    @property
    def size(self) -> int:
        return len(self.changes) + self.staged


def puts(keys: Iterable[str], entry: Callable[[str], ListingItem]) -> Step:
    """A step putting `entry(key)` in each list."""
    items = [entry(key) for key in keys]
    return Step(tuple(Change(item.list, item.sk, item) for item in items))


def card_puts(keys: Iterable[str], card: Card) -> Step:
    """A step putting the card in each list."""
    return puts(keys, lambda key: card_entry(key, card))


def reference_puts(keys: Iterable[str], placement: Placement) -> Step:
    """A step putting a reference to the article in each list."""
    return puts(keys, lambda key: reference_entry(key, placement))


def deletes(keys: Iterable[str], sk: str) -> Step:
    """A step deleting the entry `sk` from each list."""
    return Step(tuple(Change(key, sk) for key in keys))


def _stage_changes(transaction: TransactWrite, changes: Iterable[Change]) -> dict[str, int]:
    """Stage the entry changes; returns the counter delta per list."""
    deltas: dict[str, int] = {}
    for change in changes:
        if change.item is not None:
            transaction.save(change.item, condition=ListingItem.sk.does_not_exist())
            deltas[change.key] = deltas.get(change.key, 0) + 1
        else:
            transaction.delete(ListingItem(change.key, change.sk), condition=ListingItem.sk.exists())
            deltas[change.key] = deltas.get(change.key, 0) - 1
    return deltas


#: The lists that belong to one user, by the prefix of their key (`<prefix><user>[#...]`).
_OWNED_PREFIXES = ("author#", "fav#", "feed#")


_ABOUT = "#author#"


def owner_of(key: str) -> str | None:
    """The user a list belongs to (their articles, favorites or feed), if it is one's."""
    for prefix in _OWNED_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :].split("#", 1)[0]
    return None


def about_of(key: str) -> str | None:
    """The author a user's favorites list is narrowed to (`fav#<user>#author#<id>...`), if any."""
    if not key.startswith("fav#") or _ABOUT not in key:
        return None
    return key.split(_ABOUT, 1)[1].split("#", 1)[0]


def _stage_counters(transaction: TransactWrite, deltas: dict[str, int]) -> None:
    for key, delta in deltas.items():
        if delta:
            counter = ListingItem(key, COUNTER_SK)
            actions: list[Any] = [ListingItem.total.add(delta), ListingItem.v.add(1)]
            # The same values each time: no index write after the first.
            owner, about = owner_of(key), about_of(key)
            if owner is not None:
                actions.append(ListingItem.owner.set(owner))
            if about is not None:
                actions.append(ListingItem.about.set(about))
            transaction.update(counter, actions=actions)


def stage(transaction: TransactWrite, step: Step) -> None:
    """Stage one step in the caller's transaction (a request's own lists)."""
    _stage_counters(transaction, _stage_changes(transaction, step.changes))
    if step.stage is not None:
        step.stage(transaction)


NetStage = Callable[[TransactWrite, int], None]


def _commit(steps: Sequence[Step], stage_net: NetStage | None) -> None:
    def write(transaction: TransactWrite) -> None:
        deltas: dict[str, int] = {}
        net = 0
        for step in steps:
            for key, delta in _stage_changes(transaction, step.changes).items():
                deltas[key] = deltas.get(key, 0) + delta
            if step.stage is not None:
                step.stage(transaction)
            net += 1 if step.adds else -1
        _stage_counters(transaction, deltas)
        if stage_net is not None and net:
            stage_net(transaction, net)

    transact(write)


def _chunks(steps: Sequence[Step], extra: int) -> Iterator[list[Step]]:
    """Steps grouped so each group's transaction (entries, staged items, one counter per
    list, `extra` items) stays within 100 items."""
    chunk: list[Step] = []
    keys: set[str] = set()
    size = extra
    for step in steps:
        new_keys = {c.key for c in step.changes} - keys
        if chunk and size + step.size + len(new_keys) > _TRANSACTION_ITEMS:
            yield chunk
            chunk, keys, size = [], set(), extra
            new_keys = {c.key for c in step.changes}
        chunk.append(step)
        keys |= new_keys
        size += step.size + len(new_keys)
    if chunk:
        yield chunk


def apply(steps: Sequence[Step], stage_net: NetStage | None = None) -> list[int]:
    """Apply steps in as few transactions as fit; per step, +1 (added), -1 (deleted) or 0
    (it had already been applied). `stage_net(transaction, net)` adds an item counting the
    net change of each transaction (an article's favorites).

    Why a repeat is harmless: each entry is put only if absent (deleted only if present) in
    the transaction that counts it. A step applied before makes its chunk's transaction fail
    its condition; the chunk is then applied step by step, and that step's own transaction
    fails alone, changing nothing."""
    results: list[int] = []
    for chunk in _chunks([s for s in steps if s.changes], 1 if stage_net else 0):
        try:
            _commit(chunk, stage_net)
        except TransactWriteError as error:
            if not conflicted(error):
                raise
            results += [0] if len(chunk) == 1 else [_apply_one(step, stage_net) for step in chunk]
            continue
        results += [1 if step.adds else -1 for step in chunk]
    return results


def _apply_one(step: Step, stage_net: NetStage | None) -> int:
    applied = commit_once(lambda transaction: _commit_into(transaction, step, stage_net))
    return (1 if step.adds else -1) if applied else 0


def _commit_into(transaction: TransactWrite, step: Step, stage_net: NetStage | None) -> None:
    stage(transaction, step)
    if stage_net is not None:
        stage_net(transaction, 1 if step.adds else -1)


def refresh(keys: Iterable[str], card: Card) -> None:
    """Show `card` in the entries of these lists that hold its article.

    A plain update per entry, only where the entry exists (a withdrawn entry stays withdrawn)
    and holds an older version: a repeated or late refresh with an older card changes nothing."""
    entry_sk = card.placement.sk

    def update(key: str) -> None:
        fresh = card_entry(key, card)
        actions = [
            getattr(ListingItem, name).set(getattr(fresh, name))
            for name in (
                "author_id", "slug", "title", "description", "tag_list", "updated_at",
                "favorites_count", "author_name", "author_version", "v",
            )
        ]  # fmt: skip
        for name in ("author_bio", "author_image"):  # null values are removed, not set
            value = getattr(fresh, name)
            attribute = getattr(ListingItem, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
        condition = ListingItem.sk.exists() & (
            ListingItem.v.does_not_exist() | (ListingItem.v < card.version)
        )
        try:
            ListingItem(key, entry_sk).update(actions=actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    each(update, list(keys))


# --- deleting an account ----------------------------------------------------------------


def owned_lists(user_id: str, after: str | None, limit: int) -> list[str]:
    """Up to `limit` lists with a counter that belong to a user (`byOwner`) or name them
    (`byAbout`), after the list `after`, in key order (two Queries)."""
    owned = ListingItem.by_owner.query(
        user_id, OwnerIndex.list > after if after is not None else None, limit=limit
    )
    about = ListingItem.by_about.query(
        user_id, AboutIndex.list > after if after is not None else None, limit=limit
    )
    return sorted({item.list for item in owned} | {item.list for item in about})[:limit]


def holds(key: str, prefix: str = "") -> bool:
    """Whether a partition holds an item whose sort key starts with `prefix` (one Query)."""
    condition = ListingItem.sk.startswith(prefix) if prefix else None
    items = ListingItem.query(key, condition, limit=1, consistent_read=True, attributes_to_get=["sk"])
    return any(True for _ in items)


def holds_entries(key: str) -> bool:
    """Whether a list holds an entry (one consistent Query of one item)."""
    condition = ListingItem.sk < HEAD
    items = ListingItem.query(key, condition, limit=1, consistent_read=True, attributes_to_get=["sk"])
    return any(True for _ in items)


def entries_page(key: str, limit: int) -> list[Entry]:
    """A list's oldest `limit` entries (one consistent Query: deleting an account's articles
    takes them page by page, each page gone before the next is read)."""
    items = ListingItem.query(key, ListingItem.sk < HEAD, limit=limit, consistent_read=True)
    return [_entry(item) for item in items]


def clear_partition(key: str, limit: int) -> int:
    """Delete up to `limit` items of a partition, lowest sort keys first (entries before the
    counter, so a worker transaction that still moves an entry finds the counter with it);
    returns how many were there."""
    items = list(ListingItem.query(key, limit=limit, consistent_read=True, attributes_to_get=["list", "sk"]))
    with ListingItem.batch_write() as batch:
        for item in items:
            batch.delete(item)
    return len(items)


# --- reading ---------------------------------------------------------------------------


def entries(key: str) -> Iterator[Entry]:
    """A list's entries, newest first (for the stream worker, never a request)."""
    for item in ListingItem.query(key, ListingItem.sk < HEAD, scan_index_forward=False):
        yield _entry(item)


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    total: int
    next_cursor: str | None


def _encode_cursor(sk: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": sk}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        # Bounded nesting: a client may send any text here (conduit.jsontext).
        document = jsontext.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        sk = document["after"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise ValidationFailed.on("cursor", "is invalid") from None
    if not isinstance(sk, str) or not _SK.match(sk):
        raise ValidationFailed.on("cursor", "is invalid")
    return sk


@dataclass
class _Source:
    key: str
    read: list[ListingItem] = field(default_factory=list)
    exhausted: bool = False

    @property
    def lowest(self) -> str | None:
        return self.read[-1].sk if self.read else None


@dataclass
class Merge:
    """A page from several partitions read side by side, newest first: `limit` entries after
    `offset` (or after `cursor`), with the sum of their counters.

    Round one (the calls `add` returns) reads `share(...)` entries of each partition with its
    head (the counter, and the pulled celebrities and stats of a feed). The merge is exact unless a
    partition that has more stopped above the last entry the page needs; `more_calls` then
    reads the rest of those partitions only, so two rounds always suffice. Partitions can be
    added after round one (a feed's pulled celebrities): their first read joins round two."""

    limit: int
    offset: int = 0
    cursor: str | None = None
    head: int = 1
    sources: list[_Source] = field(default_factory=list)
    heads: dict[str, list[ListingItem]] = field(default_factory=dict)
    #: Corrections for what the lists do not show yet (see `correct`).
    _added: list[ListingItem] = field(default_factory=list)
    _removed: set[str] = field(default_factory=set)
    #: Authors whose entries are left out (a feed's pending unfollows).
    excluded: set[str] = field(default_factory=set)
    _counted: dict[str, int] = field(default_factory=dict)
    _delta: int = 0
    _counting: threading.Lock = field(default_factory=threading.Lock)

    @property
    def wanted(self) -> int:
        return self.offset + self.limit + 1  # one more: is there a next page?

    def add(self, keys: Sequence[str], head: int | None = None) -> list[Callable[[], None]]:
        """Calls reading the first share of these partitions (and their heads)."""
        added = [_Source(key) for key in keys]
        self.sources += added
        per_source = share(self.wanted, len(self.sources))
        head_size = self.head if head is None else head
        return [call for source in added for call in self._first(source, per_source, head_size)]

    def _first(self, source: _Source, limit: int, head: int) -> list[Callable[[], None]]:
        attributes: dict[str, Any] = {"scan_index_forward": False}
        if self.cursor is None:

            def read_with_head() -> None:
                items = list(ListingItem.query(source.key, limit=head + limit, **attributes))
                self.heads[source.key] = [item for item in items if item.sk >= HEAD]
                source.read = [item for item in items if item.sk < HEAD]
                source.exhausted = len(items) < head + limit

            return [read_with_head]

        after = decode_cursor(self.cursor)

        def read_after() -> None:
            source.read = list(
                ListingItem.query(source.key, ListingItem.sk < after, limit=limit, **attributes)
            )
            source.exhausted = len(source.read) < limit

        def read_head() -> None:
            self.heads[source.key] = list(
                ListingItem.query(source.key, ListingItem.sk >= HEAD, scan_index_forward=False, limit=head)
            )

        return [read_after, read_head]

    def _merged(self) -> list[ListingItem]:
        merged: dict[str, ListingItem] = {}
        added = sorted(self._added, key=lambda i: i.sk, reverse=True)
        for item in heapq.merge(*(s.read for s in self.sources), added, key=lambda i: i.sk, reverse=True):
            if item.sk not in self._removed and item.author_id not in self.excluded:
                merged.setdefault(item.sk, item)  # one article from two sources (a feed in transition)
        return list(merged.values())

    def count(self, delta: int) -> None:
        """Count `delta` more entries than the counters say (from calls running side by side)."""
        with self._counting:
            self._delta += delta

    def holds(self, key: str, sk: str) -> bool | None:
        """Whether the partition `key` holds the entry `sk`, if what was read of it tells (it
        covers `sk`, with the counter read in the same Query); None if it does not."""
        source = next((s for s in self.sources if s.key == key), None)
        if source is None or self.cursor is not None:
            return None
        if source.exhausted or (source.lowest is not None and sk >= source.lowest):
            return any(item.sk == sk for item in source.read)
        return None

    def correct(
        self, key: str, entry: ListingItem, wanted: bool, held: bool, counter: int | None = None
    ) -> None:
        """Show the entry `entry` of partition `key` as `wanted` (there, or not) where the list
        `held` it otherwise, and count it so; `counter` replaces the partition's counter as read
        (from the snapshot that told `held`)."""
        if counter is not None:
            self._counted[key] = counter
        if wanted == held:
            return
        self.count(1 if wanted else -1)
        if not wanted:
            self._removed.add(entry.sk)
        elif self.cursor is None or entry.sk < decode_cursor(self.cursor):
            self._added.append(entry)

    def _nth(self, n: int) -> str | None:
        merged = self._merged()
        return merged[n - 1].sk if len(merged) >= n else None

    def more_calls(self) -> list[Callable[[], None]]:
        """Round two: the rest of every partition that may hold entries the page needs."""
        cut = self._nth(self.wanted)
        calls = []
        for source in self.sources:
            lowest = source.lowest
            if source.exhausted or lowest is None or (cut is not None and lowest <= cut):
                continue
            calls.append(self._rest(source, lowest))
        return calls

    def _rest(self, source: _Source, lowest: str) -> Callable[[], None]:
        def read() -> None:
            more = list(
                ListingItem.query(
                    source.key,
                    ListingItem.sk < lowest,
                    scan_index_forward=False,
                    limit=self.wanted - len(source.read),
                )
            )
            source.read += more
            source.exhausted = True  # it has now read all the page can need

        return read

    def span(self) -> tuple[str, str]:
        """The sort keys the final page lies between, known after round one: partitions read
        later can only push its last entry up."""
        high = decode_cursor(self.cursor) if self.cursor else HEAD
        return (self._nth(self.offset + self.limit) or FLOOR, high)

    def page(self) -> Page:
        items = self._merged()
        chosen = items[self.offset : self.offset + self.limit]
        has_more = len(items) > self.offset + self.limit
        total = self._delta + sum(
            self._counted.get(key, sum(int(item.total or 0) for item in heads if item.sk == COUNTER_SK))
            for key, heads in self.heads.items()
        )
        total += sum(counter for key, counter in self._counted.items() if key not in self.heads)
        next_cursor = _encode_cursor(chosen[-1].sk) if has_more and chosen else None
        return Page([_entry(item) for item in chosen], total, next_cursor)

    def head_items(self, key: str) -> list[ListingItem]:
        return self.heads.get(key, [])


def read_entry(transaction: TransactGet, key: str, sk: str) -> Callable[[], tuple[bool, int]]:
    """Add the reads of one entry and its list's counter to a snapshot; returns what tells,
    once it is read, whether the entry is there and what the counter says (they move together)."""
    entry = transaction.get(ListingItem, key, sk)
    counter = transaction.get(ListingItem, key, COUNTER_SK)
    return lambda: (bool(found([entry])), sum(int(c.total or 0) for c in found([counter])))


def members_between(key: str, low: str, high: str) -> tuple[set[str], bool]:
    """The article ids of the entries of `key` with sort keys between `low` and `high` (both
    included), at most `FLAGS_QUERY_LIMIT` of them; and whether that was all of them."""
    items = ListingItem.query(
        key,
        ListingItem.sk.between(low, high),
        limit=FLAGS_QUERY_LIMIT,
        attributes_to_get=["sk"],
        consistent_read=True,  # the viewer's own favorites list: their last favorite shows
    )
    found = {item.sk.partition("#")[2] for item in items}
    return found, items.last_evaluated_key is None


# --- popularity --------------------------------------------------------------------------


def popularity_partition(tag: str) -> str:
    return f"tags@{shard_of(tag, SHARDING.popularity)}"


def recount_tag(tag: str) -> None:
    """Set a tag's popularity to the sum of its shards' counters.

    A plain conditional write guarded by the sum of the counters' update counts, which only
    grows: a repeated or late write of an older sum fails its condition."""
    base = site_base(tag)
    counters = ListingItem.batch_get([(key, COUNTER_SK) for key in site_keys(base)], consistent_read=True)
    read = list(counters)
    total = sum(int(c.total or 0) for c in read)
    version = sum(int(c.v or 0) for c in read)
    item = ListingItem(base, POPULARITY_SK)
    actions: list[Any] = [ListingItem.total.set(total), ListingItem.v.set(version), ListingItem.tag.set(tag)]
    # At zero the tag leaves the sparse index: it is in no article any more.
    actions.append(
        ListingItem.popularity.set(popularity_partition(tag))
        if total > 0
        else ListingItem.popularity.remove()
    )
    try:
        item.update(actions=actions, condition=ListingItem.v.does_not_exist() | (ListingItem.v < version))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def popular_tags(limit: int) -> list[str]:
    """The most used tags, most used first: one Query of each `byPopularity` partition, side by
    side; each tag is in exactly one, so their merged top `limit` is exact."""
    partitions = [f"tags@{shard}" for shard in range(SHARDING.popularity)]
    found = together(
        *[
            (lambda p=p: list(ListingItem.by_popularity.query(p, scan_index_forward=False, limit=limit)))
            for p in partitions
        ]
    )
    ranked = sorted((c for items in found for c in items), key=lambda c: (-int(c.total or 0), str(c.tag)))
    return [str(counter.tag) for counter in ranked[:limit] if (counter.total or 0) > 0]


# --- feeds: pulled celebrities and stats --------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """A user as an author (followers tally, celebrity) and as a reader (celebrities pulled)."""

    followers: int = 0
    celebrity: bool = False
    pulls: int = 0


def _stats(item: ListingItem | None) -> Stats:
    if item is None:
        return Stats()
    return Stats(int(item.followers or 0), bool(item.celebrity), int(item.pulls or 0))


def stats(user_id: str) -> Stats:
    try:
        return _stats(ListingItem.get(feed_key(user_id), STATS_SK, consistent_read=True))
    except ListingItem.DoesNotExist:
        return Stats()


def pulled_in(heads: Iterable[ListingItem]) -> list[str]:
    """The celebrities a feed's head says its reader pulls."""
    return [item.sk[len(PULL_PREFIX) :] for item in heads if item.sk.startswith(PULL_PREFIX)]


#: Pending follows and unfollows a feed page reads in its head (`conduit.listings.pending`);
#: a reader with more at once sees the others when the worker has carried them.
PENDING_FOLLOWS_READ = 8
#: A feed page's head: stats, the pulled celebrities, the counter, pending follows.
FEED_HEAD = PULLED_CELEBRITIES_MAX + 2 + PENDING_FOLLOWS_READ


def followers_key(author_id: str) -> str:
    """The partition of an author's counted followers (one marker each)."""
    return f"followers#{author_id}"


def count_follower(author_id: str, follower_id: str, following: bool) -> bool:
    """Count a follower into (`following`) or out of the author's followers tally, exactly once;
    False when that was done already.

    Why a repeat is harmless: the tally moves in one transaction with the follower's marker
    (`followers#<author>` / `<follower>`), put only if absent and deleted only if present, as a
    list's counter moves with its entries. botocore's repeat after a lost reply is the same
    transaction (its token); a redelivered or replayed follow record finds the marker there and
    changes nothing, so replaying a stream cannot push an author over the celebrity threshold."""
    marker = ListingItem(followers_key(author_id), follower_id)

    def write(transaction: TransactWrite) -> None:
        if following:
            transaction.save(marker, condition=ListingItem.sk.does_not_exist())
        else:
            transaction.delete(marker, condition=ListingItem.sk.exists())
        tally = ListingItem(feed_key(author_id), STATS_SK)
        transaction.update(tally, actions=[ListingItem.followers.add(1 if following else -1)])

    return commit_once(write)


def mark_celebrity(author_id: str) -> bool:
    """Mark the author a celebrity (for good); False if they already were.

    Refused on a call botocore sent again, the mark may be this call's own first attempt,
    whose reply was lost: that reads as True, so the crossing goes on to flag the pushed edges
    (flagging an edge twice, should another batch have marked the author, changes nothing)."""
    item = ListingItem(feed_key(author_id), STATS_SK)
    try:
        item.update(
            actions=[ListingItem.celebrity.set(True)], condition=ListingItem.celebrity.does_not_exist()
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return retried(error)
        raise
    return True


def read_counter(key: str) -> int:
    """A list's counter (one GetItem)."""
    try:
        return int(ListingItem.get(key, COUNTER_SK, consistent_read=True).total or 0)
    except ListingItem.DoesNotExist:
        return 0


def stage_pull(transaction: TransactWrite, reader_id: str, author_id: str) -> None:
    """Stage the marker (only if absent) and one more pull (only while under the maximum).
    Item 0 is the marker, item 1 the count, for reading a cancellation's reasons."""
    marker = ListingItem(feed_key(reader_id), PULL_PREFIX + author_id)
    transaction.save(marker, condition=ListingItem.sk.does_not_exist())
    under = ListingItem.pulls.does_not_exist() | (ListingItem.pulls < PULLED_CELEBRITIES_MAX)
    transaction.update(
        ListingItem(feed_key(reader_id), STATS_SK), actions=[ListingItem.pulls.add(1)], condition=under
    )


def stage_unpull(transaction: TransactWrite, reader_id: str, author_id: str) -> None:
    """Stage the marker's removal (only if present: a repeat cancels) and one pull less."""
    marker = ListingItem(feed_key(reader_id), PULL_PREFIX + author_id)
    transaction.delete(marker, condition=ListingItem.sk.exists())
    transaction.update(ListingItem(feed_key(reader_id), STATS_SK), actions=[ListingItem.pulls.add(-1)])
