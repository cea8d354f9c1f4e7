"""Use cases for comments: add, list, delete.

Comment ids count up per article from 1 and are never reused. They come from the article's
`commentSeq` in blocks: a block of one while an article is quiet, a doubling block (up to
`_BLOCK_MAX`) while this function instance keeps commenting on it within `_BURST_SECONDS`, so
a hot article's item takes one `ADD` per block instead of one per comment. An id reserved and
not used (a lost reply, an instance that stops) is skipped, never handed out again.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from conduit.articles import store as articles
from conduit.cards import Author
from conduit.clock import now_iso
from conduit.comments import store
from conduit.comments.store import Comment, NotTheAuthor
from conduit.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from conduit.listings import pending as mine
from conduit.profiles import store as follows
from conduit.storage import run_rounds, together
from conduit.users import store as users

_BLOCK_MAX = 64
_BURST_SECONDS = 1.0
_BLOCKS_KEPT = 1000  # articles whose unused ids this instance remembers


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    following: bool

    @property
    def author(self) -> Author:
        return self.comment.author


@dataclass
class _Block:
    next: int
    stop: int
    size: int
    taken_at: float


_blocks: OrderedDict[str, _Block] = OrderedDict()
_blocks_lock = threading.Lock()


def _take_id(article_id: str) -> int:
    """The article's next comment id, from this instance's block or a new one."""
    with _blocks_lock:
        block = _blocks.get(article_id)
        if block is not None and block.next < block.stop:
            block.next += 1
            return block.next - 1
        now = time.monotonic()
        burst = block is not None and now - block.taken_at < _BURST_SECONDS
        size = min(block.size * 2, _BLOCK_MAX) if block is not None and burst else 1
    ids = articles.reserve_comment_ids(article_id, size)
    if ids is None:
        raise NotFound("article")
    with _blocks_lock:
        _blocks[article_id] = _Block(ids.start + 1, ids.stop, size, now)
        _blocks.move_to_end(article_id)
        while len(_blocks) > _BLOCKS_KEPT:
            _blocks.popitem(last=False)
    return ids.start


def _article_id(slug: str) -> str:
    article_id = articles.id_of_slug(slug)
    if article_id is None:
        raise NotFound("article")
    return article_id


def add(slug: str, author_id: str, body: str) -> CommentView:
    """Take the next id beside reading the author, then put the comment: the put is the last
    step, so a request that fails (a 503) wrote no comment, and its repeat writes one. An id
    taken by a failed request is skipped, never given again."""
    article_id = _article_id(slug)
    comment_id, profile, earlier = together(
        lambda: _take_id(article_id), lambda: users.get(author_id), lambda: mine.read(author_id)
    )
    if profile is None:
        raise Unauthorized("belongs to no user")
    now = now_iso()
    comment = Comment(article_id, comment_id, users.card_of(profile), body, created_at=now, updated_at=now)
    # with its writer's record of it: their next page shows it, whatever replica answers
    record = partial(mine.stage_comment, user_id=author_id, earlier=earlier, article_id=article_id)
    store.add(comment, token=uuid.uuid4().hex, also=partial(record, comment_id=comment_id, present=True))
    return CommentView(comment, following=False)


def list_comments(slug: str, viewer: str | None) -> list[CommentView]:
    """The newest comments, side by side from the article's partitions, with the viewer's
    follow edges read beside them (the page's other authors by key if the viewer follows
    more than those edges show)."""
    article_id = _article_id(slug)
    newest = store.Newest(article_id)
    followed: set[str] = set()
    complete = [True]
    pending = [mine.NOTHING]

    def read_followees() -> None:
        found, complete[0] = follows.followees(str(viewer))
        followed.update(found)

    def read_pending() -> None:
        pending[0] = mine.read(str(viewer))

    signed_in = [read_followees, read_pending] if viewer else []
    rounds: list[list[Callable[[], Any]]] = [newest.first_calls() + signed_in]

    def next_round() -> list[Callable[[], Any]]:
        if rounds:
            return rounds.pop()
        more = newest.more_calls()
        if more:
            return more
        if viewer and not complete[0]:
            complete[0] = True
            authors = {c.author.user_id for c in newest.comments()} - followed - {viewer}
            if authors:
                return [lambda: followed.update(follows.followed_among(str(viewer), authors))]
        return []

    run_rounds(next_round)
    comments = _as_written(article_id, newest.comments(), pending[0])
    return [CommentView(c, c.author.user_id in followed) for c in comments]


def _as_written(article_id: str, comments: list[Comment], pending: mine.Mine) -> list[Comment]:
    """The newest comments as the viewer last wrote them: their comments of the last moment
    that the page's (eventually consistent) reads missed, looked up by key; the ones they
    deleted, left out; their new card on theirs."""
    written = pending.comments_on(article_id)
    shown = {c.comment_id for c in comments}
    floor = min(shown) if len(comments) >= store.MAX_LISTED else 0
    missing = [i for i, present in written.items() if present and i not in shown and i > floor]
    found = together(*[lambda i=i: store.get(article_id, i) for i in missing]) if missing else []
    merged = sorted([*comments, *(c for c in found if c is not None)], key=lambda c: -c.comment_id)
    kept = [c for c in merged if written.get(c.comment_id, True)][: store.MAX_LISTED]
    card = pending.profile
    if card is None:
        return kept
    return [
        replace(c, author=card) if c.author.user_id == card.user_id and c.author.version < card.version else c
        for c in kept
    ]


_ID = re.compile(r"^[1-9][0-9]{0,14}$")  # ASCII digits only: str.isdigit() admits '²'


def parse_id(raw: str) -> int:
    if not _ID.match(raw):
        raise ValidationFailed.on("id", "must be a positive integer")
    return int(raw)


def delete(slug: str, raw_id: str, caller: str) -> None:
    comment_id = parse_id(raw_id)
    article_id, earlier = together(lambda: _article_id(slug), lambda: mine.read(caller))
    record = partial(mine.stage_comment, user_id=caller, earlier=earlier, article_id=article_id)
    try:
        deleted = store.delete(
            article_id, comment_id, caller, also=partial(record, comment_id=comment_id, present=False)
        )
    except NotTheAuthor:
        raise Forbidden.on("comment", "can only be deleted by its author") from None
    if not deleted:
        raise NotFound("comment")


def refresh_author(author: Author) -> None:
    """A profile changed: show the new card on the user's comments (the stream worker)."""
    store.set_author(store.by_author(author.user_id), author)
