"""Shared helpers for the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
OPTUS = SCENARIOS / "optus_2022.toml"

#: A quiet world: no channels, no word of mouth, everyone a current customer.
QUIET = {
    "attention.diurnal": False,
    "attention.holidays": [],
    "channels.media.releases": [],
    "channels.twitter.posts": [],
    "channels.direct.campaigns": [],
    "word_of_mouth.household": 0.0,
    "word_of_mouth.social": 0.0,
}
