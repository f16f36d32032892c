"""Text proxies for P2 computed at ingest: hedging-phrase rate and repeated-3-gram rate."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")

# Matched as whole-word sequences after the same tokenisation as the text, so "I'm not
# sure" is the words (i, m, not, sure) and "unlikely" does not match "likely".
HEDGING_PHRASES: tuple[str, ...] = (
    "i think",
    "i believe",
    "i guess",
    "possibly",
    "perhaps",
    "maybe",
    "might",
    "i'm not sure",
    "i am not sure",
    "not sure",
    "it seems",
    "it appears",
    "likely",
    "may be",
    "could be",
    "not certain",
    "probably",
    "as far as i know",
)


def words(text: str) -> list[str]:
    """Lowercased \\w+ words of the text."""
    return _WORD.findall(text.lower())


_PHRASE_WORDS: tuple[tuple[str, ...], ...] = tuple(
    sorted({tuple(words(p)) for p in HEDGING_PHRASES}, key=len, reverse=True)
)


# The phrases by their first word, longest first, so each word is checked against the few
# phrases that can start there.
_PHRASES_BY_FIRST_WORD: dict[str, tuple[tuple[str, ...], ...]] = {}
for _phrase in _PHRASE_WORDS:
    _PHRASES_BY_FIRST_WORD[_phrase[0]] = (*_PHRASES_BY_FIRST_WORD.get(_phrase[0], ()), _phrase)


def hedging_count(tokens: list[str]) -> int:
    """Non-overlapping hedging phrases, longest match first at each word."""
    count, i = 0, 0
    while i < len(tokens):
        for phrase in _PHRASES_BY_FIRST_WORD.get(tokens[i], ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                count += 1
                i += len(phrase)
                break
        else:
            i += 1
    return count


def hedging_rate(text: str | None) -> float | None:
    """Hedging phrases per 100 words; None for missing text or text without words."""
    if text is None:
        return None
    tokens = words(text)
    if not tokens:
        return None
    return 100.0 * hedging_count(tokens) / len(tokens)


def repeated_trigram_rate(text: str | None) -> float | None:
    """1 − distinct word 3-grams / all word 3-grams; None with fewer than 3 words."""
    if text is None:
        return None
    tokens = words(text)
    if len(tokens) < 3:
        return None
    trigrams = [tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)]
    return 1.0 - len(set(trigrams)) / len(trigrams)
