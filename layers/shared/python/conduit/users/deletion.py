"""Deleting an account: at once what a person sees, then, in bounded steps, everything else.

At once (`delete`, the request): the password is checked, then one transaction deletes the
profile, releases the username and email and writes the deletion's record
(`DELETION#<sub>`, in the users table); the Cognito user is deleted and every token of the
account refused (`conduit.users.sessions.end_forever`). A retry of a request whose reply was
lost finds the record and finishes the same two steps.

Then the record drives the stream worker (`proceed`): each change to it is a stream record,
and the worker reads the record, does the next step of its phase (at most
`settings.deletion_page_size()` items), and writes the record again with where it got to,
which invokes the worker for the next step. A step that fails is retried from the record as
last written, and every step is idempotent, so a deletion resumes wherever it stopped; no
invocation does more than a bounded number of steps, however big the account. The phases, in
order (docs/api.md, docs/operations.md):

1. `revoke`: tokens refused for good, the Cognito user deleted (both done by the request too);
2. `following`: their follow edges, each removed as an unfollow is (with the record the worker
   clears once their feed no longer shows the author: `conduit.listings.pending`);
3. `articles`: their articles, each removed as `DELETE /api/articles/{slug}` removes one; the
   worker then takes each out of every list and feed and deletes its comments and favorites;
4. `comments`: their comments on other people's articles (the `byAuthor` index);
5. `favorites`: their favorites, each removed as an unfavorite is; the worker then corrects
   the articles' `favoritesCount` and their filtered favorites lists;
6. `carried`: a wait until the worker has carried all of the above (their pending records are
   gone), re-checked on each write of the record, at most `MAX_WAITS` times, then `stuck`;
7. `followers`: the follow edges of their followers (the `byFollowee` index), removed as
   unfollows are, which takes the worker's pulls and tallies with them;
8. `records`: the answers kept for their `Idempotency-Key`s (the idempotency table's `byOwner`);
9. `sweep`: every partition named after them in the listings table: their followers'
   markers, pending records, their own and favorites lists and counters (the `byOwner` and
   `byAbout` indexes find the lists; another user's list narrowed to them is cleared once the
   worker has emptied it, waiting as `carried` does), and their feed last;
10. `finish`: the revocation record is given a time to live (it must refuse their tokens until
    the last one expires), the Cognito user is deleted again (a no-op), and the record goes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.transactions import TransactWrite

from conduit import settings
from conduit.articles import service as articling
from conduit.articles import store as articles
from conduit.comments import store as comments
from conduit.errors import Unauthorized, ValidationFailed
from conduit.favorites import service as favoriting
from conduit.favorites import store as favorites
from conduit.favorites.store import Favorite
from conduit.listings import pending as mine
from conduit.listings import store as listings
from conduit.observability import logger, metrics
from conduit.profiles import store as follows
from conduit.resources import IDEMPOTENCY, SHARDING, USER_POOL, USERS
from conduit.storage import Record, conflicted, each, table_meta
from conduit.users import codes, identity, sessions
from conduit.users import store as users
from conduit.users.store import User

_KEY = users.DELETION
#: The key of a user's revocation record (conduit.users.sessions).
_SESSIONS = "SESSIONS#"
#: How often the `carried` phase looks again before the deletion is marked stuck: each look is
#: one invocation, at least the batching window apart when deployed (about 15 minutes).
MAX_WAITS = 900
#: The time an invocation spends on steps before it leaves the rest to the next one (the
#: worker's timeout is 300 s; a step takes well under a second per item).
STEPS_SECONDS = 20.0
#: A deleted account's tokens stay refused until the last one issued before it expired.
REVOCATION_SECONDS = USER_POOL.access_token_validity_minutes * 60 + int(sessions.CACHE_SECONDS) + 60
STUCK_METRIC = "AccountDeletionStuck"
#: What a deletion's record is refused with when the account is being deleted already.
PASSWORD_BLANK = "can't be blank"
PASSWORD_INVALID = "is invalid"


class Phase(StrEnum):
    REVOKE = "revoke"
    FOLLOWING = "following"
    ARTICLES = "articles"
    COMMENTS = "comments"
    FAVORITES = "favorites"
    CARRIED = "carried"
    FOLLOWERS = "followers"
    RECORDS = "records"
    SWEEP = "sweep"
    FINISH = "finish"


_ORDER = list(Phase)


class DeletionRecord(Record):
    """An account being deleted: where the worker got to."""

    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(attr_name="userId")
    phase = UnicodeAttribute()
    #: Where the phase resumes (JSON; None at its start).
    cursor = UnicodeAttribute(null=True)
    #: Steps done so far: every write of the record is conditional on it (one writer at a time).
    steps = NumberAttribute(default=0)
    #: Looks of the `carried` phase so far.
    waits = NumberAttribute(default=0)
    #: Why the worker stopped (set after `MAX_WAITS`); an operator removes it to resume.
    stuck = UnicodeAttribute(null=True)
    started_at = NumberAttribute(attr_name="startedAt")
    #: Items removed so far, by phase (JSON).
    removed = UnicodeAttribute(null=True)


class _ByOwner(GlobalSecondaryIndex["_IdempotencyRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = IDEMPOTENCY.index("byOwner").name
        projection = KeysOnlyProjection()

    owner = UnicodeAttribute(hash_key=True)


class _ByAbout(GlobalSecondaryIndex["_IdempotencyRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = IDEMPOTENCY.index("byAbout").name
        projection = KeysOnlyProjection()

    about = UnicodeAttribute(hash_key=True)


class _IdempotencyRecord(Record):
    """A kept answer, as far as deleting an account it names needs it (conduit.api.idempotency:
    `owner`, the caller it was kept for; `about`, another user it shows)."""

    Meta = table_meta(IDEMPOTENCY)

    id = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute(null=True)
    about = UnicodeAttribute(null=True)
    by_owner = _ByOwner()
    by_about = _ByAbout()


def _record_key(user_id: str) -> str:
    return _KEY + user_id


def is_deletion_key(pk: str) -> bool:
    """Whether a users-table key names a deletion's record (its stream records drive it)."""
    return pk.startswith(_KEY)


def user_of(pk: str) -> str:
    return pk[len(_KEY) :]


@dataclass(frozen=True)
class State:
    user_id: str
    phase: Phase
    cursor: Any
    steps: int
    waits: int
    stuck: str | None
    started_at: float
    removed: dict[str, int] = field(default_factory=dict)


def state(user_id: str) -> State | None:
    """The deletion of the account, if one is under way (one consistent GetItem)."""
    try:
        record = DeletionRecord.get(_record_key(user_id), consistent_read=True)
    except DeletionRecord.DoesNotExist:
        return None
    removed = json.loads(record.removed) if record.removed else {}
    return State(
        user_id=record.user_id,
        phase=Phase(record.phase),
        cursor=json.loads(record.cursor) if record.cursor else None,
        steps=int(record.steps or 0),
        waits=int(record.waits or 0),
        stuck=record.stuck,
        started_at=float(record.started_at),
        removed={str(k): int(v) for k, v in removed.items()},
    )


# --- at once: the request -------------------------------------------------------------------


def _stage_record(transaction: TransactWrite, user_id: str) -> None:
    record = DeletionRecord(
        pk=_record_key(user_id), user_id=user_id, phase=Phase.REVOKE.value, started_at=int(time.time())
    )
    transaction.save(record, condition=DeletionRecord.pk.does_not_exist())


def _check_password(user: User, password: str | None) -> None:
    if not password:
        raise ValidationFailed.on("password", PASSWORD_BLANK)
    try:
        session = identity.sign_in(user.email, password)
    except Unauthorized:
        raise ValidationFailed.on("password", PASSWORD_INVALID) from None
    if session.user_id != user.user_id:
        raise ValidationFailed.on("password", PASSWORD_INVALID)


def delete(user_id: str, password: str | None) -> None:
    """Delete the caller's account, given its password (a 422 otherwise): at once their
    profile, username and email, Cognito user and tokens; the rest follows (`proceed`).

    A repeat (botocore's, or the client's after a 503) finds the deletion's record: the
    password was checked when it was written, so it finishes the request's own steps."""
    if state(user_id) is None:
        user = users.get(user_id)
        if user is None:  # neither an account nor its deletion: a token of nobody
            raise Unauthorized("belongs to no user")
        _check_password(user, password)
        if not users.erase(user, partial(_stage_record, user_id=user_id)) and state(user_id) is None:
            raise ValidationFailed.on("user", "was changed by another request; try again")
        codes.used(codes.reset(user.email))  # a password reset's record (its address hashed)
        logger.info("account deletion started", extra={"user_id": user_id})
        metrics.add_metric(name="AccountDeleted", unit="Count", value=1)
    identity.delete_user(user_id)
    sessions.end_forever(user_id)


# --- within seconds: the stream worker ------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one step did: the phase and cursor to go on from, how many items it removed, or
    that the phase must wait for the worker to carry what was done so far."""

    phase: Phase
    cursor: Any = None
    removed: int = 0
    waiting: bool = False


def _next(phase: Phase) -> Outcome:
    return Outcome(_ORDER[_ORDER.index(phase) + 1])


def _revoke(current: State, page: int) -> Outcome:
    sessions.end_forever(current.user_id)
    identity.delete_user(current.user_id)
    return _next(Phase.REVOKE)


def _following(current: State, page: int) -> Outcome:
    user_id = current.user_id
    followees = follows.followees_page(user_id, page)
    if not followees:
        return _next(Phase.FOLLOWING)

    def unfollow(author_id: str) -> None:
        record = partial(mine.stage_follow, follower_id=user_id, author_id=author_id, following=False)
        follows.unfollow(user_id, author_id, also=record)

    each(unfollow, followees)
    return Outcome(Phase.FOLLOWING, removed=len(followees))


def _remove_article(article: articles.Article) -> None:
    try:
        articling.remove(article)
    except TransactWriteError as error:
        if not conflicted(error):
            raise
        # Its entry or claim was not as written with it: each goes apart.
        listings.apply([listings.deletes([listings.author_key(article.author_id)], article.placement.sk)])
        logger.warning("article removed apart from its claim", extra={"article_id": article.article_id})
        articles.discard(article)


def _articles(current: State, page: int) -> Outcome:
    author_list = listings.author_key(current.user_id)
    listed = listings.entries_page(author_list, page)
    if not listed:
        return _next(Phase.ARTICLES)
    stored = articles.get_many(entry.placement.article_id for entry in listed)
    gone = [entry for entry in listed if entry.placement.article_id not in stored]
    if gone:  # an entry whose article is gone: only the entry is left to remove
        listings.apply([listings.deletes([author_list], entry.placement.sk) for entry in gone])
    each(_remove_article, list(stored.values()))
    return Outcome(Phase.ARTICLES, removed=len(listed))


def _comments(current: State, page: int) -> Outcome:
    keys, following = comments.by_author_page(current.user_id, current.cursor, page)
    comments.delete_keys(keys)
    if following is None:
        return replace(_next(Phase.COMMENTS), removed=len(keys))
    return Outcome(Phase.COMMENTS, following, removed=len(keys))


def _withdraw(user_id: str, favorite: Favorite, article: articles.Article | None) -> listings.Step:
    """The favorite's removal as an unfavorite does it (with the record the worker clears once
    it has counted it); of an article gone since, without the record (nothing to count)."""
    if article is not None:
        return favoriting.unfavorite_step(user_id, article)
    placement = favorite.placement
    step = listings.deletes([listings.favorites_key(user_id)], placement.sk)
    return replace(
        step,
        stage=lambda transaction: favorites.stage_remove(transaction, user_id, placement.article_id),
        staged=1,
    )


def _favorites(current: State, page: int) -> Outcome:
    user_id = current.user_id
    found = favorites.of_user(user_id, page)
    if not found:
        return _next(Phase.FAVORITES)
    stored = articles.get_many(f.placement.article_id for f in found)
    steps = [_withdraw(user_id, f, stored.get(f.placement.article_id)) for f in found]
    for favorite, applied in zip(found, listings.apply(steps), strict=True):
        if not applied:  # its `fav#` entry was not as written with it: the favorite goes alone
            favorites.remove(user_id, favorite.placement.article_id)
    return Outcome(Phase.FAVORITES, removed=len(found))


def _carried(current: State, page: int) -> Outcome:
    if mine.carrying(current.user_id):
        return Outcome(Phase.CARRIED, waiting=True)
    return _next(Phase.CARRIED)


def _followers(current: State, page: int) -> Outcome:
    shard, after = current.cursor or (0, None)
    if shard >= SHARDING.followees:
        return _next(Phase.FOLLOWERS)
    found = follows.followers_page(current.user_id, shard, after, page)
    if not found:
        return Outcome(Phase.FOLLOWERS, (shard + 1, None))
    each(lambda follower: follows.unfollow(follower, current.user_id), found)
    return Outcome(Phase.FOLLOWERS, (shard, found[-1]), removed=len(found))


def _records(current: State, page: int) -> Outcome:
    """The answers kept for them (`byOwner`), then those that show them (`byAbout`): `cursor`
    is `[index, where its Query goes on]`."""
    index, start = current.cursor or ("owner", None)
    by = _IdempotencyRecord.by_owner if index == "owner" else _IdempotencyRecord.by_about
    found = by.query(current.user_id, limit=page, last_evaluated_key=start)
    ids = [record.id for record in found]
    with _IdempotencyRecord.batch_write() as batch:
        for record_id in ids:
            batch.delete(_IdempotencyRecord(id=record_id))
    following = found.last_evaluated_key
    if following is not None:
        return Outcome(Phase.RECORDS, (index, following), removed=len(ids))
    if index == "owner":
        return Outcome(Phase.RECORDS, ("about", None), removed=len(ids))
    return replace(_next(Phase.RECORDS), removed=len(ids))


def _fixed_partitions(user_id: str) -> tuple[list[str], list[str]]:
    """The partitions named after the user that are found by name: those cleared before the
    lists the indexes find, and those after them (their feed last: the worker's last moves of
    a follow, unfollow or tally land in its head)."""
    first = [listings.followers_key(user_id), mine.key_of(user_id)]
    last = [listings.author_key(user_id), listings.favorites_key(user_id), listings.feed_key(user_id)]
    return first, last


def _sweep(current: State, page: int) -> Outcome:
    """One step of clearing partitions: `cursor` is `["first"|"lists"|"last", position]`."""
    user_id = current.user_id
    first, last = _fixed_partitions(user_id)
    part, position = current.cursor or ("first", 0)
    assert isinstance(part, str)
    if part in ("first", "last"):
        keys = first if part == "first" else last
        if position >= len(keys):
            return Outcome(Phase.SWEEP, ("lists", None)) if part == "first" else _next(Phase.SWEEP)
        cleared = listings.clear_partition(keys[position], page)
        moved = position if cleared == page else position + 1  # a full page: there may be more
        return Outcome(Phase.SWEEP, (part, moved), removed=cleared)
    after = str(position) if position is not None else None
    lists = [key for key in listings.owned_lists(user_id, after, page) if key not in last]
    if not lists:
        return Outcome(Phase.SWEEP, ("last", 0))
    budget, done, removed = page, position, 0
    for key in lists:
        if listings.owner_of(key) != user_id and listings.holds_entries(key):
            # Another user's favorites list narrowed to them: the worker takes its entries out
            # with that user's other lists (forgetting the favorites of their deleted articles),
            # all of them at once or none; clearing it first would leave the others behind.
            return Outcome(Phase.SWEEP, ("lists", done), removed=removed, waiting=True)
        cleared = listings.clear_partition(key, budget)
        removed += cleared
        budget -= cleared
        if budget <= 0:
            break  # this list may hold more: it is cleared again next step
        done = key
    return Outcome(Phase.SWEEP, ("lists", done), removed=removed)


def _finish(current: State, page: int) -> Outcome:
    sessions_expire(current.user_id, int(current.started_at) + REVOCATION_SECONDS)
    codes.used(codes.verification(current.user_id))  # an email verification's record, if any
    identity.delete_user(current.user_id)
    return Outcome(Phase.FINISH)


class _SessionsExpiry(Record):
    """The time to live of a deleted account's revocation record (conduit.users.sessions)."""

    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)
    expires = NumberAttribute(null=True)


def sessions_expire(user_id: str, at: int) -> None:
    """Let DynamoDB delete the revocation of a deleted account's tokens once none can be valid."""
    record = _SessionsExpiry(pk=_SESSIONS + user_id)
    try:
        record.update(actions=[_SessionsExpiry.expires.set(at)], condition=_SessionsExpiry.pk.exists())
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


_STEPS: dict[Phase, Callable[[State, int], Outcome]] = {
    Phase.REVOKE: _revoke,
    Phase.FOLLOWING: _following,
    Phase.ARTICLES: _articles,
    Phase.COMMENTS: _comments,
    Phase.FAVORITES: _favorites,
    Phase.CARRIED: _carried,
    Phase.FOLLOWERS: _followers,
    Phase.RECORDS: _records,
    Phase.SWEEP: _sweep,
    Phase.FINISH: _finish,
}


def step(current: State) -> Outcome:
    """One bounded step of the deletion (tests interrupt it here)."""
    return _STEPS[current.phase](current, settings.deletion_page_size())


def _save(current: State, outcome: Outcome) -> bool:
    """Write where the deletion got to, if no other step was written since (False then)."""
    record = DeletionRecord(pk=_record_key(current.user_id))
    removed = dict(current.removed)
    if outcome.removed:
        removed[outcome.phase.value] = removed.get(outcome.phase.value, 0) + outcome.removed
    actions: list[Any] = [
        DeletionRecord.phase.set(outcome.phase.value),
        DeletionRecord.steps.set(current.steps + 1),
        DeletionRecord.removed.set(json.dumps(removed, sort_keys=True)),
        DeletionRecord.waits.set(current.waits + 1 if outcome.waiting else 0),
    ]
    actions.append(
        DeletionRecord.cursor.set(json.dumps(outcome.cursor))
        if outcome.cursor is not None
        else DeletionRecord.cursor.remove()
    )
    if outcome.waiting and current.waits + 1 >= MAX_WAITS:
        actions.append(DeletionRecord.stuck.set(f"waited {MAX_WAITS} times for the worker to carry changes"))
        logger.error("account deletion stuck", extra={"user_id": current.user_id, "phase": current.phase})
        metrics.add_metric(name=STUCK_METRIC, unit="Count", value=1)
    try:
        record.update(actions=actions, condition=DeletionRecord.steps == current.steps)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False  # another step was written (or ours, whose reply was lost): it goes on
        raise
    return True


def _finished(current: State) -> None:
    record = DeletionRecord(pk=_record_key(current.user_id))
    try:
        record.delete(condition=DeletionRecord.steps == current.steps)
    except Exception as error:
        if getattr(error, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
    logger.info("account deleted", extra={"user_id": current.user_id, "removed": current.removed})


def proceed(user_id: str) -> None:
    """The stream worker: take the account's deletion on from where its record says, a step at
    a time, until it waits, is done, or has run `STEPS_SECONDS` (each write of the record
    invokes the worker again). A stuck deletion does nothing until an operator resumes it."""
    deadline = time.monotonic() + STEPS_SECONDS
    saved = False
    while True:
        try:
            current = state(user_id)
            if current is None or current.stuck:
                return
            outcome = step(current)
            if outcome.phase is Phase.FINISH and current.phase is Phase.FINISH:
                _finished(current)
                return
            if not _save(current, outcome) or outcome.waiting or time.monotonic() > deadline:
                return
        except Exception:
            if not saved:
                raise  # this record is retried, from where the deletion's record says
            # A step was written since this record: the stream record of that write goes on from
            # there, so this one is done (retrying it would count a failure per step against it).
            logger.warning("account deletion step failed; the next record resumes it", exc_info=True)
            return
        saved = True
