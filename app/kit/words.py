"""Words around counts and names, written once for every page, e-mail and notice.

``plural(2, "account")`` is "2 accounts"; ``all_of`` says "the one account", "both accounts" or
"all 5 accounts" (never "all 1 account"); ``possessive`` writes "Harbor Logistics' plan" and
"Sam's plan" (never "Logistics's").
"""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``count`` and the word that agrees with it; ``words`` when the plural is not word + s."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def all_of(count: int, word: str, words: str | None = None) -> str:
    """Every one of ``count`` things, said as a person would."""
    if count == 1:
        return f"the one {word}"
    if count == 2:
        return f"both {words or word + 's'}"
    return f"all {plural(count, word, words)}"


def possessive(name: str) -> str:
    """``name``'s, or ``name``' when the name ends in s."""
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"
