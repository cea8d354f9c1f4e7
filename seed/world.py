"""The demo world, drawn from `seed.vocabulary` with a fixed seed: the same sizes give the same
people, articles, follows, favorites and comments on every machine and every run.

An article is identified by its author and title (titles are unique in a world), a comment by
its article, author and body: that is what `seed.planting` looks for before creating anything.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from seed import vocabulary as words
from seed.vocabulary import Topic

#: Change it and the world changes; everything else about the world follows from it and the sizes.
SEED = 20261202
#: One password for every demo account, so anyone can sign in as anyone (README.md says so).
PASSWORD = "conduit-demo"
USERS = 20
ARTICLES = 100
TAGS_MAX = 10


@dataclass(frozen=True)
class Person:
    username: str
    email: str
    bio: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Article:
    author: str
    title: str
    description: str
    body: str
    tags: tuple[str, ...]
    flavour: str
    subject: str
    other: str


@dataclass(frozen=True)
class Comment:
    #: Index into World.articles.
    article: int
    author: str
    body: str


@dataclass(frozen=True)
class World:
    people: tuple[Person, ...]
    articles: tuple[Article, ...]
    #: (follower, followee) usernames.
    follows: tuple[tuple[str, str], ...]
    #: (username, index into articles).
    favorites: tuple[tuple[str, int], ...]
    comments: tuple[Comment, ...]


def generate(users: int = USERS, articles: int = ARTICLES, seed: int = SEED) -> World:
    """A world of `users` people and `articles` articles, with follows, favorites and comments
    in proportion (about 3 follows a person, 15% of the articles favorited by each)."""
    if not 2 <= users <= len(words.FIRST_NAMES) * len(words.LAST_NAMES):
        raise ValueError(f"users must be between 2 and {len(words.FIRST_NAMES) * len(words.LAST_NAMES)}")
    if articles < 1:
        raise ValueError("articles must be at least 1")
    rng = random.Random(seed)
    people = _people(rng, users)
    written = _articles(rng, people, articles)
    return World(
        people=people,
        articles=written,
        follows=_follows(rng, people),
        favorites=_favorites(rng, people, len(written)),
        comments=_comments(rng, people, written),
    )


def _people(rng: random.Random, count: int) -> tuple[Person, ...]:
    firsts, lasts = list(words.FIRST_NAMES), list(words.LAST_NAMES)
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    people = []
    for n in range(count):
        # Every first name once before any comes back, each time with another last name.
        first, last = firsts[n % len(firsts)], lasts[(n + n // len(firsts)) % len(lasts)]
        topics = tuple(rng.sample(words.TOPICS, rng.randint(1, 3)))
        interests = " and ".join(topic.name for topic in topics[:2])
        bio = (
            f"{rng.choice(words.ROLES)} in {rng.choice(words.CITIES)}. Writes about {interests}. "
            f"{rng.choice(words.BIO_ENDINGS)}"
        )
        username = f"{first}.{last}"
        people.append(Person(username, f"{username}@example.com", bio, topics))
    return tuple(people)


def _articles(rng: random.Random, people: tuple[Person, ...], count: int) -> tuple[Article, ...]:
    # Some people write a lot, most a little, as on any blog.
    weights = [rng.lognormvariate(0, 0.8) for _ in people]
    unused = {topic.name: list(topic.titles) for topic in words.TOPICS}
    titles: set[str] = set()
    written: list[Article] = []
    while len(written) < count:
        author = rng.choices(people, weights)[0]
        topic = rng.choice(author.topics)
        fixed = unused[topic.name]
        if fixed and rng.random() < 0.5:
            title, subject = fixed.pop(0)
        else:
            subject = rng.choice(topic.subjects)
            title = _say(rng.choice(topic.templates or words.TECH_TITLES), subject, subject)
        if title in titles:
            continue  # the templates are finite: draw again
        titles.add(title)
        other = rng.choice([s for s in topic.subjects if s != subject])
        written.append(
            Article(
                author=author.username,
                title=title,
                description=_say(rng.choice(words.DESCRIPTIONS[topic.flavour]), subject, other),
                body=_body(rng, topic, subject, other),
                tags=_tags(rng, topic),
                flavour=topic.flavour,
                subject=subject,
                other=other,
            )
        )
    return tuple(written)


def _say(template: str, subject: str, other: str) -> str:
    return template.format(subject=subject, Subject=subject[:1].upper() + subject[1:], other=other)


def _body(rng: random.Random, topic: Topic, subject: str, other: str) -> str:
    """Markdown as people write it: paragraphs, headings, a list, code where it fits, a quote."""
    flavour = topic.flavour
    # Drawn at once, so no sentence says the same thing twice in one article.
    said = [_say(s, subject, other) for s in rng.sample(words.SENTENCES[flavour] + topic.facts, 8)]
    headings = rng.sample(words.HEADINGS[flavour], 2)
    parts = [
        " ".join([_say(rng.choice(words.INTROS[flavour]), subject, other), *said[:2]]),
        f"## {headings[0]}",
        " ".join(said[2:5]),
        "\n".join(f"- {point}" for point in rng.sample(words.POINTS[flavour], 3)),
    ]
    if topic.snippets:
        language, code = rng.choice(topic.snippets)
        parts += [f"Here is the shape of it in **{language}**:", f"```{language}\n{code}\n```"]
    if rng.random() < 0.4:
        quote, who = rng.choice(words.QUOTES)
        parts.append(f"> {quote}\n>\n> — {who}")
    parts += [
        f"## {headings[1]}",
        " ".join(said[5:]),
        _say(rng.choice(words.CLOSINGS[flavour]), subject, other),
    ]
    return "\n\n".join(parts)


def _tags(rng: random.Random, topic: Topic) -> tuple[str, ...]:
    tags = rng.sample(topic.tags, rng.randint(2, min(3, len(topic.tags))))
    if rng.random() < 0.35:
        tags.append(rng.choice(words.GENERIC_TAGS))
    return tuple(sorted(set(tags)))[:TAGS_MAX]


def _follows(rng: random.Random, people: tuple[Person, ...]) -> tuple[tuple[str, str], ...]:
    follows = []
    for person in people:
        others = [p.username for p in people if p != person]
        for followee in rng.sample(others, min(len(others), rng.randint(1, 5))):
            follows.append((person.username, followee))
    return tuple(follows)


def _favorites(rng: random.Random, people: tuple[Person, ...], articles: int) -> tuple[tuple[str, int], ...]:
    # A few articles are popular, most are not.
    popularity = [rng.paretovariate(1.0) for _ in range(articles)]
    favorites = []
    for person in people:
        wanted = max(1, round(articles * rng.uniform(0.05, 0.25)))
        picked = sorted(set(rng.choices(range(articles), popularity, k=wanted)))
        favorites += [(person.username, index) for index in picked]
    return tuple(favorites)


def _comments(
    rng: random.Random, people: tuple[Person, ...], articles: tuple[Article, ...]
) -> tuple[Comment, ...]:
    comments = []
    for index, article in enumerate(articles):
        readers = [p.username for p in people if p.username != article.author]
        said: set[tuple[str, str]] = set()
        for _ in range(rng.choice((0, 0, 1, 1, 2, 2, 3, 4))):
            author = rng.choice(readers)
            body = _say(rng.choice(words.COMMENTS[article.flavour]), article.subject, article.other)
            if (author, body) not in said:  # one comment's identity: its article, author and body
                said.add((author, body))
                comments.append(Comment(index, author, body))
    return tuple(comments)
