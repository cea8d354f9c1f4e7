"""The demo world: the same on every run, and everything in it is something the API accepts."""

from __future__ import annotations

import re

import pytest

from seed import world as worlds
from seed.world import World

#: docs/api.md's limits.
USERNAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")


@pytest.fixture(scope="module")
def world() -> World:
    return worlds.generate()


def test_the_same_sizes_make_the_same_world(world: World):
    assert worlds.generate() == world


def test_another_seed_makes_another_world(world: World):
    assert worlds.generate(seed=worlds.SEED + 1) != world


def test_the_default_world_is_about_20_people_and_100_articles_with_follows_favorites_and_comments(world):
    assert (len(world.people), len(world.articles)) == (20, 100)
    assert len(world.follows) >= 20
    assert len(world.favorites) >= 100
    assert len(world.comments) >= 100


def test_a_smaller_world_keeps_its_proportions():
    small = worlds.generate(users=4, articles=8)
    assert (len(small.people), len(small.articles)) == (4, 8)
    assert small.follows
    assert small.favorites
    assert small.comments


def test_people_have_distinct_valid_usernames_and_emails(world: World):
    usernames = [p.username for p in world.people]
    assert len(set(usernames)) == len(usernames)
    assert all(USERNAME.fullmatch(name) for name in usernames)
    assert len({p.email for p in world.people}) == len(usernames)
    assert all(len(p.bio) <= 1000 for p in world.people)


def test_titles_are_unique_so_that_author_and_title_identify_an_article(world: World):
    titles = [a.title for a in world.articles]
    assert len(set(titles)) == len(titles)


def test_articles_are_within_the_apis_limits(world: World):
    for article in world.articles:
        assert 1 <= len(article.title) <= 200
        assert 1 <= len(article.description) <= 1000
        assert 1 <= len(article.body) <= 50_000
        assert 1 <= len(article.tags) <= 10
        assert all(len(tag) <= 40 for tag in article.tags)


def test_bodies_are_markdown_with_headings_and_lists(world: World):
    for article in world.articles:
        assert re.search(r"^## \S", article.body, re.M)
        assert re.search(r"^- \S", article.body, re.M)
    assert any("```" in a.body for a in world.articles)
    assert any(line.startswith("> ") for a in world.articles for line in a.body.splitlines())


def test_no_one_follows_themselves_or_anyone_twice(world: World):
    assert all(follower != followee for follower, followee in world.follows)
    assert len(set(world.follows)) == len(world.follows)


def test_favorites_are_each_once_and_comments_each_identified_by_article_author_and_body(world: World):
    assert len(set(world.favorites)) == len(world.favorites)
    keys = [(c.article, c.author, c.body) for c in world.comments]
    assert len(set(keys)) == len(keys)
    assert all(c.author != world.articles[c.article].author for c in world.comments)


def test_an_impossible_size_is_refused():
    with pytest.raises(ValueError, match="users must be between 2 and"):
        worlds.generate(users=1)
    with pytest.raises(ValueError, match="articles must be at least 1"):
        worlds.generate(articles=0)
