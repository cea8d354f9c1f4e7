"""How long other readers wait for a write: the lag of every derived view, measured beside a run.

While a load run (section 5) or a weather run (section 7) keeps the server busy, a probe
writes as one user and reads as others: after each write's answer it polls the views that
write changes, as another signed-in user and anonymously, until they show it, and records
the time from the answer to the first read that shows it. The writer's own reads are not
probed: they show the write at once (tests/api/test_read_your_writes.py).

Views, and the write that changes them:
- `site list` (`GET /api/articles`), `tag list` (`?tag=`), `author list` (`?author=`), `feed`
  (a follower's), `tags` (`GET /api/tags`): a new article with a tag of its own;
- `count` (an article's `favoritesCount`, read anonymously): a favorite;
- `card` (the article's title in the site-wide list): an edit;
- `author card` (the writer's bio on their article in the site-wide list): a profile edit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bench import loadrun, stats

#: A view not showing a write after this long counts as this long (and as missed).
GIVE_UP_SECONDS = 30.0
POLL_SECONDS = 0.25  # between turns over the views: a light client beside the run it measures
VIEWS = ("site list", "tag list", "author list", "feed", "tags", "count", "card", "author card")

Call = Callable[[str, str, Any, str | None], tuple[int, Any]]


class Probe:
    """Writes as a user of its own and times how soon others see each write (a thread)."""

    def __init__(self, port: int, call: Callable[..., tuple[int, Any]] | None = None) -> None:
        self.port = port
        self._call = call or (lambda *args: loadrun.call(port, *args))
        self.lags: dict[str, list[float]] = {view: [] for view in VIEWS}
        self.missed: dict[str, int] = dict.fromkeys(VIEWS, 0)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lag-probe", daemon=True)
        self._rounds = 0

    def _send(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        """A write or a read, sent again (up to 10 times) while the server says it is busy."""
        for _ in range(10):
            status, answer = self._call(method, path, body, token)
            if status < 400 or status not in (409, 429, 500, 502, 503, 504):
                if status >= 400:
                    raise RuntimeError(f"{method} {path}: {status} {answer}")
                return answer
            time.sleep(0.2)
        raise RuntimeError(f"{method} {path}: still busy")

    def _register(self, name: str) -> str:
        body = {"user": {"username": name, "email": f"{name}@example.com", "password": "probe-password"}}
        return str(self._send("POST", "/api/users", body)["user"]["token"])

    def start(self) -> Probe:
        stamp = f"{time.time_ns():x}"[-8:]
        self.writer = f"probew{stamp}"
        self.writer_token = self._register(self.writer)
        self.reader_token = self._register(f"prober{stamp}")
        self._send("POST", f"/api/profiles/{self.writer}/follow", token=self.reader_token)
        self._thread.start()
        return self

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join(timeout=GIVE_UP_SECONDS + 10)
        return self.summary()

    def _wait(self, views: dict[str, Callable[[], bool]], since: float) -> None:
        """Read every view of one write in turn, one request at a time (the probe is one more
        client, not a flood), until each shows the write. A view's lag is taken midway between
        the last read that did not show it and the first that did: within half a turn (a few
        reads) of the truth, stated in the report as the resolution."""
        waiting = dict(views)
        last = dict.fromkeys(views, since)
        while waiting:
            for view, shows in list(waiting.items()):
                try:
                    seen = shows()
                except Exception as error:  # a read that failed is retried, and reported
                    self.errors.append(f"{view}: {error!r}")
                    continue
                now = time.perf_counter()
                if seen:
                    self.lags[view].append(((last[view] + now) / 2 - since) * 1000)
                    del waiting[view]
                else:
                    last[view] = now
            if waiting and time.perf_counter() - since > GIVE_UP_SECONDS:
                for view in waiting:
                    self.lags[view].append(GIVE_UP_SECONDS * 1000)
                    self.missed[view] += 1
                return
            time.sleep(POLL_SECONDS)

    def _article(self, slug: str) -> dict[str, Any]:
        article: dict[str, Any] = self._send("GET", f"/api/articles/{slug}")["article"]
        return article

    def _titles(self, path: str, token: str | None = None) -> list[str]:
        return [a["title"] for a in self._send("GET", path, token=token)["articles"]]

    def _round(self) -> None:
        n = self._rounds = self._rounds + 1
        tag = f"probe{time.time_ns():x}"
        title = f"Probe {tag}"
        created = self._send(
            "POST",
            "/api/articles",
            {"article": {"title": title, "description": "d", "body": "b", "tagList": [tag]}},
            token=self.writer_token,
        )["article"]
        since = time.perf_counter()
        slug = created["slug"]
        self._wait(
            {
                "site list": lambda: title in self._titles("/api/articles?limit=20"),
                "tag list": lambda: title in self._titles(f"/api/articles?tag={tag}"),
                "author list": lambda: title in self._titles(f"/api/articles?author={self.writer}"),
                "feed": lambda: title in self._titles("/api/articles/feed", self.reader_token),
                "tags": lambda: tag in self._send("GET", "/api/tags")["tags"],
            },
            since,
        )

        self._send("POST", f"/api/articles/{slug}/favorite", token=self.reader_token)
        self._wait({"count": lambda: self._article(slug)["favoritesCount"] == 1}, time.perf_counter())

        edited = f"{title} edited"
        changed = self._send(
            "PUT", f"/api/articles/{slug}", {"article": {"title": edited}}, self.writer_token
        )
        slug = changed["article"]["slug"]
        self._wait({"card": lambda: edited in self._titles("/api/articles?limit=20")}, time.perf_counter())

        bio = f"bio {n}"
        self._send("PUT", "/api/user", {"user": {"bio": bio}}, self.writer_token)

        def bio_shows() -> bool:
            listed = self._send("GET", "/api/articles?limit=20")["articles"]
            return any(a["slug"] == slug and a["author"]["bio"] == bio for a in listed)

        self._wait({"author card": bio_shows}, time.perf_counter())
        self._send("DELETE", f"/api/articles/{slug}", token=self.writer_token)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception as error:
                self.errors.append(repr(error))
                time.sleep(0.5)

    def summary(self) -> dict[str, Any]:
        views = {}
        for view, lags in self.lags.items():
            if lags:
                views[view] = {
                    "probes": len(lags),
                    "p50_ms": round(stats.percentile(lags, 50), 1),
                    "p99_ms": round(stats.percentile(lags, 99), 1),
                    "max_ms": round(max(lags), 1),
                    "missed": self.missed[view],
                }
        return {
            "rounds": self._rounds,
            "views": views,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
        }
