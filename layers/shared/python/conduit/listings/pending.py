"""A user's own changes that the stream worker has not carried everywhere yet (read your writes).

The worker keeps lists, counts and copied cards in step with their sources a moment after a
write. So that the writer never sees their own change missing meanwhile, each write use case
also puts one item in its writer's `mine#<user>` partition, in the transaction that makes the
change:
- `fav#<articleId>`: the user favorited (`present`) or unfavorited the article;
- `art#<articleId>`: the user published or edited the article (`present`, with its card) or
  deleted it;
- `profile`: the user changed their name, bio or image (their new card);
- `comments`: the user's last comments and deletions of comments, for `COMMENT_SECONDS`:
  comments are written at once, but a page reads them with eventually consistent Queries,
  which may for a moment answer from a replica that has not seen the last write;
- in their feed partition, `~^follow#<author>`: the user followed (`present`) or unfollowed
  the author. It sorts just below the feed's counter, so the Query that reads the counter
  reads it too, and it counts the author's articles the worker has moved into (or out of) the
  feed so far (`moved`), in the same transactions as it moves them: a feed page shows the
  author's articles, and counts them, exactly as if the follow were carried already.

Every read with a token reads the partition (one consistent Query; it is empty unless the
user wrote in the last moment) and corrects what it shows (`conduit.articles.reading`): list
membership and counts are checked against what the lists hold, cards are taken when newer,
and a pending favorite's count is read from its source. Once the worker has carried a change
into every copy, it deletes the item, only if it still records that change (a newer one of
the same thing stays). An item the worker never gets to expires after `LIFETIME_SECONDS`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DeleteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from conduit.cards import Author, Card, Placement
from conduit.listings.store import ListingItem, card_entry, card_of, feed_key, holds
from conduit.storage import copied_author

_MINE = "mine#"
_FAVORITE = "fav#"
_ARTICLE = "art#"
_PROFILE = "profile"
_COMMENTS = "comments"
#: How long a comment (or its deletion) is looked up by key for its writer: far longer than
#: a DynamoDB replica takes to see a write (milliseconds), short enough to keep the item small.
COMMENT_SECONDS = 60
RECENT_COMMENTS = 10
#: Far longer than the worker is behind while it runs; a record it never got to (its batch
#: dead-lettered) stops correcting its writer's reads after this, and costs nothing more.
LIFETIME_SECONDS = 24 * 3600


@dataclass(frozen=True)
class PendingFavorite:
    """The user's latest favorite (`favorited`) or unfavorite of an article."""

    placement: Placement
    tags: tuple[str, ...]
    favorited: bool


@dataclass(frozen=True)
class PendingArticle:
    """The user's article as they last wrote it (`present`), or deleted."""

    card: Card
    present: bool


@dataclass(frozen=True)
class PendingComment:
    """A comment the user wrote (`present`) or deleted, and when (epoch seconds)."""

    article_id: str
    comment_id: int
    present: bool
    at: float

    def encoded(self) -> str:
        return f"{self.article_id}#{self.comment_id}#{int(self.present)}#{self.at:.3f}"

    @classmethod
    def decoded(cls, text: str) -> PendingComment:
        article_id, comment_id, present, at = text.split("#")
        return cls(article_id, int(comment_id), present == "1", float(at))


@dataclass(frozen=True)
class Mine:
    """What a reader wrote that the worker may not have carried everywhere yet."""

    favorites: dict[str, PendingFavorite] = field(default_factory=dict)
    articles: dict[str, PendingArticle] = field(default_factory=dict)
    profile: Author | None = None
    comments: tuple[PendingComment, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.favorites or self.articles or self.profile or self.comments)

    def comments_on(self, article_id: str) -> dict[int, bool]:
        """The user's recent comments (True) and deletions (False) on an article, by id."""
        return {c.comment_id: c.present for c in self.comments if c.article_id == article_id}


NOTHING = Mine()


def _key(user_id: str) -> str:
    return _MINE + user_id


def _expires() -> int:
    return int(time.time()) + LIFETIME_SECONDS


def stage_favorite(transaction: TransactWrite, user_id: str, article: Card, favorited: bool) -> None:
    """Record a favorite or unfavorite in its own transaction (overwriting an earlier one)."""
    item = ListingItem(
        _key(user_id),
        _FAVORITE + article.article_id,
        author_id=article.author_id,
        at=article.placement.sk,
        tag_list=list(article.tags),
        present=favorited,
        expires=_expires(),
    )
    transaction.save(item)


def stage_article(transaction: TransactWrite, card: Card, present: bool) -> None:
    """Record a publication, an edit (`present`) or a deletion in its own transaction."""
    item = card_entry(_key(card.author_id), card)
    item.sk = _ARTICLE + card.article_id
    item.at, item.present, item.expires = card.placement.sk, present, _expires()
    transaction.save(item)


def stage_profile(transaction: TransactWrite, author: Author) -> None:
    """Record a new name, bio or image in its own transaction."""
    item = ListingItem(
        _key(author.user_id),
        _PROFILE,
        author_name=author.username,
        author_bio=author.bio,
        author_image=author.image,
        author_version=author.version,
        expires=_expires(),
    )
    transaction.save(item)


_FOLLOW = "~^follow#"  # in the feed partition's head, below its counter `~count`


@dataclass(frozen=True)
class PendingFollow:
    """The reader's latest follow (`following`) or unfollow of an author, not yet carried into
    their feed: the author's articles in it are all of them if `filled`, plus `moved`."""

    following: bool
    filled: bool
    moved: int


def _follow(follower_id: str, author_id: str) -> ListingItem:
    return ListingItem(feed_key(follower_id), _FOLLOW + author_id)


def stage_follow(transaction: TransactWrite, follower_id: str, author_id: str, following: bool) -> None:
    """Record a follow or unfollow in its own transaction. A new record starts from what the
    feed holds: nothing of the author before a follow, all of their articles before an
    unfollow; one following a record still pending keeps its count of what was moved."""
    item = _follow(follower_id, author_id)
    actions: list[Action] = [
        ListingItem.present.set(following),
        ListingItem.filled.set(ListingItem.filled | (not following)),
        ListingItem.moved.set(ListingItem.moved | 0),
        ListingItem.expires.set(_expires()),
    ]
    transaction.update(item, actions=actions)


def follows_in(heads: Iterable[ListingItem]) -> dict[str, PendingFollow]:
    """The pending follows and unfollows a feed page's head holds, by author."""
    now = time.time()
    return {
        item.sk[len(_FOLLOW) :]: PendingFollow(bool(item.present), bool(item.filled), int(item.moved or 0))
        for item in heads
        if item.sk.startswith(_FOLLOW) and not (item.expires is not None and item.expires < now)
    }


def read_follow(follower_id: str, author_id: str) -> PendingFollow | None:
    """The pending follow or unfollow, if any (for the worker, which counts what it moves)."""
    try:
        item = ListingItem.get(feed_key(follower_id), _FOLLOW + author_id, consistent_read=True)
    except ListingItem.DoesNotExist:
        return None
    return PendingFollow(bool(item.present), bool(item.filled), int(item.moved or 0))


def stage_moved(
    transaction: TransactWrite, follower_id: str, author_id: str, following: bool, net: int
) -> None:
    """Count `net` articles moved into the feed (out of it if negative), in the transaction
    that moves them, while the follow (or unfollow) they carry is still the latest."""
    item = _follow(follower_id, author_id)
    transaction.update(item, actions=[ListingItem.moved.add(net)], condition=ListingItem.present == following)


def _follow_done(following: bool) -> Any:
    return ListingItem.sk.does_not_exist() | (ListingItem.present == following)


def stage_clear_follow(transaction: TransactWrite, follower_id: str, author_id: str, following: bool) -> None:
    """Clear the record in the transaction that carries it (a pull marker's), unless a newer
    opposite one replaced it: that cancels the transaction, as the newer one undoes it anyway."""
    transaction.delete(_follow(follower_id, author_id), condition=_follow_done(following))


def clear_follow(follower_id: str, author_id: str, following: bool) -> None:
    """The worker carried the follow (or unfollow) into the feed; a newer opposite one stays."""
    _clear_item(_follow(follower_id, author_id), ListingItem.present == following)


def stage_comment(
    transaction: TransactWrite, user_id: str, earlier: Mine, article_id: str, comment_id: int, present: bool
) -> None:
    """Record a comment (`present`) or its deletion in its own transaction, beside the user's
    other recent ones (`earlier`, as read before)."""
    now = time.time()
    kept = [c for c in earlier.comments if (c.article_id, c.comment_id) != (article_id, comment_id)]
    recent = [*kept[-(RECENT_COMMENTS - 1) :], PendingComment(article_id, comment_id, present, now)]
    item = ListingItem(
        _key(user_id),
        _COMMENTS,
        recent=[c.encoded() for c in recent],
        expires=int(now) + COMMENT_SECONDS,
    )
    transaction.save(item)


def _placement(item: ListingItem, user_id: str) -> Placement:
    created_at, _, article_id = str(item.at).partition("#")
    return Placement(article_id, str(item.author_id or user_id), created_at)


def _card(item: ListingItem) -> Card:
    return card_of(item, _placement(item, ""))


def read(user_id: str) -> Mine:
    """The user's pending changes (one consistent Query: their own last writes are in it)."""
    now = time.time()
    favorites: dict[str, PendingFavorite] = {}
    articles: dict[str, PendingArticle] = {}
    profile: Author | None = None
    comments: tuple[PendingComment, ...] = ()
    for item in ListingItem.query(_key(user_id), consistent_read=True):
        if item.expires is not None and item.expires < now:
            continue  # expired; DynamoDB deletes it in its own time
        if item.sk.startswith(_FAVORITE):
            placement = _placement(item, user_id)
            tags = tuple(str(tag) for tag in item.tag_list or ())
            favorites[placement.article_id] = PendingFavorite(placement, tags, bool(item.present))
        elif item.sk.startswith(_ARTICLE):
            card = _card(item)
            articles[card.article_id] = PendingArticle(card, bool(item.present))
        elif item.sk == _PROFILE:
            profile = copied_author(item, user_id)
        elif item.sk == _COMMENTS:
            recent = (PendingComment.decoded(str(text)) for text in item.recent or ())
            comments = tuple(c for c in recent if now - c.at < COMMENT_SECONDS)
    return Mine(favorites, articles, profile, comments)


def _clear(user_id: str, sk: str, condition: Any) -> None:
    _clear_item(ListingItem(_key(user_id), sk), condition)


def _clear_item(item: ListingItem, condition: Any) -> None:
    try:
        item.delete(condition=condition)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def clear_favorite(user_id: str, article_id: str, favorited: bool) -> None:
    """The worker carried the favorite (or unfavorite) everywhere; a newer opposite one stays."""
    _clear(user_id, _FAVORITE + article_id, ListingItem.present == favorited)


def clear_article(card: Card, present: bool) -> None:
    """The worker carried this state of the article everywhere; a later edit stays."""
    condition = (ListingItem.present == present) & (ListingItem.updated_at == card.updated_at)
    _clear(card.author_id, _ARTICLE + card.article_id, condition)


def clear_profile(author: Author) -> None:
    """The worker carried this card everywhere; a newer one stays."""
    _clear(author.user_id, _PROFILE, ListingItem.author_version <= author.version)


def carrying(user_id: str) -> bool:
    """Whether the worker has yet to carry an article, favorite or follow change the user made
    (for deleting their account, which waits for those before it clears what they touched).
    Up to three Queries of one item each."""
    mine = _key(user_id)
    return holds(mine, _ARTICLE) or holds(mine, _FAVORITE) or holds(feed_key(user_id), _FOLLOW)


def key_of(user_id: str) -> str:
    """The partition of a user's pending changes."""
    return _key(user_id)
