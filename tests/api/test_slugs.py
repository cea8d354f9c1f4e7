"""Slugs from titles in any script: transliterated, readable, stable (docs/api.md)."""

from __future__ import annotations

import pytest

from conduit.articles.slugs import SLUG_MAX, slugify
from tests.api.conftest import Api
from tests.api.publishing import publish


@pytest.fixture
def jake(api: Api) -> str:
    return str(api.register("jake")["token"])


#: One title per script a frontend will see, and the slug it must get: pinned, because a
#: library upgrade that changed them would change every new article's URL.
BY_SCRIPT = {
    "accented Latin": ("Ærø, Łódź et Crème brûlée", "aero-lodz-et-creme-brulee"),
    "German": ("Straße über Köln", "strasse-uber-koln"),
    "Cyrillic": ("Привет, мир: как дела?", "privet-mir-kak-dela"),
    "Greek": ("Καλημέρα από την Αθήνα", "kalemera-apo-ten-athena"),
    "Chinese": ("北京欢迎你", "bei-jing-huan-ying-ni"),
    "Japanese": ("東京の夏", "dong-jing-noxia"),
    "Korean": ("서울의 밤", "seoulyi-bam"),
}


@pytest.mark.parametrize(("title", "slug"), BY_SCRIPT.values(), ids=BY_SCRIPT.keys())
def test_a_title_in_any_script_gets_a_readable_transliterated_slug(api: Api, jake: str, title, slug):
    article = publish(api, jake, title=title)

    assert article["slug"] == slug
    assert api.request("GET", f"/api/articles/{slug}").json["article"]["title"] == title


def test_a_title_of_emoji_only_still_gets_a_slug(api: Api, jake: str):
    assert publish(api, jake, title="🎉🐉")["slug"] == "article"


def test_a_transliterated_title_is_cut_at_the_limit_without_a_trailing_hyphen(api: Api, jake: str):
    """Transliteration lengthens a title (`Щ` -> `shch`): the limit is on the slug. Here its
    80th character would be the hyphen after `zh`."""
    article = publish(api, jake, title="Щ" * 19 + " ж юя")

    assert article["slug"] == "shch" * 19 + "-zh"
    assert len("shch" * 19 + "-zh-") == SLUG_MAX


def test_colliding_transliterated_titles_get_numbered_slugs(api: Api, jake: str):
    """`Café` and `Cafe` are different titles with one slug."""
    slugs = [publish(api, jake, title=title)["slug"] for title in ("Café", "Cafe", "CAFÉ")]

    assert slugs == ["cafe", "cafe-2", "cafe-3"]


def test_an_ascii_title_does_not_load_the_transliteration_table():
    """Most titles are ASCII: they cost no table lookup (the table is about 3 MB)."""
    import sys

    sys.modules.pop("text_unidecode", None)
    assert slugify("How to train your dragon") == "how-to-train-your-dragon"
    assert "text_unidecode" not in sys.modules
