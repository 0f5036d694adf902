"""The model's vocabulary: the names and codes of sources, media, cohorts and customer
groups, and the plain words people read for each. One place: the schema, the
engines, the catalog, the report, the dashboard and the notebook objects take
their names and words from here.
"""

from __future__ import annotations

__all__ = ["SOURCES", "COMPANY", "MEDIA", "COHORTS", "CUSTOMER_GROUPS", "SOURCE_WORDS", "MEDIUM_WORDS",
           "COHORT_WORDS", "GROUP_WORDS", "COMPANY_WORDS", "source_words", "is_campaign", "medium_words",
           "medium_in_sentence", "target_words"]

#: Where a person can first hear the news, in the order of the engines' codes.
SOURCES = ("media", "twitter", "direct", "word_of_mouth", "seed", "scam")
#: The source that is the company's own messages (its campaigns; measures call it "company").
COMPANY = "direct"
#: Media every scenario declares (``sim/defaults.toml``); scenarios may declare more.
MEDIA = ("sms", "email")
#: Generations, youngest first.
COHORTS = ("gen_z", "millennial", "gen_x", "boomer")
#: Customers of the company: current and former (together: the affected customers).
CUSTOMER_GROUPS = ("current", "former")

#: Each source in plain words.
SOURCE_WORDS = {"media": "news media", "twitter": "Twitter", "direct": "the company",
                "word_of_mouth": "word of mouth", "seed": "initial seeds",
                "scam": "an impostor message"}
#: The company's own messages, in words (by whichever of its declared media).
COMPANY_WORDS = "the company's own messages"
#: Each medium in plain words.
MEDIUM_WORDS = {"sms": "SMS", "email": "E-mail"}
#: Each cohort in plain words.
COHORT_WORDS = {"gen_z": "Gen Z", "millennial": "Millennials", "gen_x": "Gen X", "boomer": "Boomers"}
#: Each customer group in plain words.
GROUP_WORDS = {"current": "current customers", "former": "former customers"}


def is_campaign(event: dict) -> bool:
    """Whether a channel event (of a run's ``events``) is one of the company's own campaigns."""
    return event.get("channel") == COMPANY


def source_words(source: str) -> str:
    """A first source in words (the company: ``"the company's own messages"``)."""
    return COMPANY_WORDS if source == COMPANY else SOURCE_WORDS[source]


def medium_words(name: str, media=None) -> str:
    """A medium in words: its declared ``label`` (``channels.direct.media.NAME.label``,
    from ``media``, the declared media table) if set, else a known word, else its name."""
    label = ((media or {}).get(name) or {}).get("label", "")
    return label or MEDIUM_WORDS.get(name) or name.replace("_", " ").capitalize()


def medium_in_sentence(name: str, media=None) -> str:
    """:func:`medium_words` within a sentence: ``SMS`` stays, ``E-mail`` becomes ``e-mail``."""
    words = medium_words(name, media)
    return words[:1].lower() + words[1:] if words[1:] == words[1:].lower() else words


def target_words(name: str, segments=None) -> str:
    """A campaign target in words: a customer group, a generation or a segment
    (its declared ``label`` if set, from ``segments``, the declared segments table)."""
    if name in GROUP_WORDS:
        return GROUP_WORDS[name]
    if name in COHORT_WORDS:
        return COHORT_WORDS[name]
    label = ((segments or {}).get(name) or {}).get("label", "")
    return label or name.replace("_", " ")
