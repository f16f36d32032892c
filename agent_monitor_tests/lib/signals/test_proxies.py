import pytest

from agent_monitor.lib.signals.proxies import hedging_rate, repeated_trigram_rate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # i think the order might ship today: 7 words, "i think" + "might" = 2 → 200/7.
        ("I think the order might ship today.", 200 / 7),
        # i m not sure perhaps tomorrow: 6 words; "i m not sure" (longest, not also
        # "not sure") + "perhaps" = 2 → 200/6.
        ("I'm not sure, perhaps tomorrow.", 200 / 6),
        # it may be fine: 4 words, "may be" = 1 → 25.
        ("It may be fine", 25.0),
        # "unlikely" is its own word, not "likely": 0 of 3.
        ("It is unlikely.", 0.0),
        # Case-insensitive: 3 words, 3 × "maybe" → 100.
        ("Maybe. Maybe! MAYBE", 100.0),
        # as far as i know it is probably: 8 words, 2 phrases → 25.
        ("As far as I know it is probably", 25.0),
        ("", None),
        ("...!", None),
        (None, None),
    ],
)
def test_hedging_rate(text, expected):
    got = hedging_rate(text)
    assert got is None if expected is None else got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One 3-gram, distinct → 1 − 1/1 = 0.
        ("the cat sat", 0.0),
        # a b a b a b: (aba)(bab)(aba)(bab) → 4 total, 2 distinct → 1 − 2/4 = 0.5.
        ("a b a b a b", 0.5),
        # Punctuation and case vanish: the cat the cat the cat → same as above, 0.5.
        ("The cat, the cat, THE CAT.", 0.5),
        # 5 × yes → 3 identical 3-grams → 1 − 1/3.
        ("yes yes yes yes yes", 2 / 3),
        # 4 distinct words → 2 distinct 3-grams → 0.
        ("one two three four", 0.0),
        ("Hi there", None),
        ("", None),
        (None, None),
    ],
)
def test_repeated_trigram_rate(text, expected):
    got = repeated_trigram_rate(text)
    assert got is None if expected is None else got == pytest.approx(expected)
