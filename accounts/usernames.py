"""What a username may be, in one place for every door (API sign-up, the web form, sign-in, django-axes).

A username is folded with Unicode NFKC (so a full-width "ａｌｉｃｅ" is "alice", as Django's own forms fold
it) and must then be ASCII letters, digits and @ . + - _ only. That is the simplest honest answer to
look-alikes: Unicode's confusables are thousands of pairs across scripts (a Cyrillic "а" beside a Latin "a",
Greek "ο" beside "o"), a table of them has to be kept up to date, and a partial one passes what it misses.
Within ASCII, case is taken away as well (usernames are unique without it, accounts.User's constraint, and
sign-in ignores it); what is left, 0/O and l/1 in some fonts, are distinct characters a careful reader can
tell apart, which is not true of two identical-looking glyphs from two scripts.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 150
ALLOWED = re.compile(r"[A-Za-z0-9@.+_-]+")
RULE = f"Use 1 to {MAX_LENGTH} characters: ASCII letters, digits and @ . + - _ only."


def username_normalize(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip()


def username_problem(username: str) -> str | None:
    """Why a normalised username cannot be used, or None."""
    if not username or len(username) > MAX_LENGTH or not ALLOWED.fullmatch(username):
        return RULE
    return None


def username_key(username: str) -> str:
    """The form two usernames share when they name the same user (for counts such as django-axes')."""
    return username_normalize(username).lower()
