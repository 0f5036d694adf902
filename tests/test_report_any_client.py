"""A report for any client's breach (issue 16, items 4 and 9): the method and assumptions
appendices come from the resolved scenarios, not from the bundled Optus example.

Two real comparisons are rendered once each: a hand-written scenario of a made-up
New Zealand energy retailer (``tests/data/northwind_*.toml``) and the bundled
Optus scenarios; the rest checks the appendix logic on scenarios built in the test.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim import load_scenario
from sim.cli.main import main
from sim.reporting.compare import compare
from sim.reporting import appendix
from sim.reporting.build import _methods, _notes_context
from sim.reporting.notes import (DEFAULTS_FILE, FOR_THESE_RUNS, NO_SOURCE, file_notes, same_value,
                                 scenario_settings, setting_keys, text_notes, value_at)
from sim.reporting.scenarios import info_from_data
from sim.config.scenario import default_data

from helpers import OPTUS, SCENARIOS

DATA = Path(__file__).resolve().parent / "data"
NORTHWIND = DATA / "northwind_energy.toml"
TEXT_FIRST = DATA / "northwind_text_everyone.toml"
DIRECT = SCENARIOS / "direct_first.toml"
WORD = SCENARIOS / "word_of_mouth.toml"

#: Words that belong to the bundled Optus example (its client, country and sources).
OPTUS_WORDS = ("Optus", "Australia", "Australian", "AU ", "Edelman", "ABS", "SMH", "AEST", "EFTM", "AAP",
               "Roy Morgan", "Kwak", "Yellow 2018", "seed article", "Digital News Report", "Day of Mourning",
               "VIC ", "26,000,000", "26 M", "9.8 M", "22 Sep")
#: Internal paths and modellers' jargon that a client document must not show.
INTERNAL_WORDS = ("defaults.toml", "MODEL.md", "docs/", "sim/", "Beta", "a+b", "a + b", "Maki", "Thompson",
                  "No description.", "ASSUMPTION")


class _Text(HTMLParser):
    """The text a reader sees (no styles, no title), plus every attribute value."""

    def __init__(self):
        super().__init__()
        self.parts, self.attributes, self._skip = [], [], False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "title")
        self.attributes += [v for k, v in attrs if v and not v.startswith("data:")]

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _read(page: str) -> tuple[str, str]:
    parser = _Text()
    parser.feed(page)
    return re.sub(r"\s+", " ", " ".join(parser.parts)), " ".join(parser.attributes)


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


@pytest.fixture(scope="module")
def northwind(tmp_path_factory):
    """The Northwind comparison as its files say (no overrides), 2 runs each."""
    out = tmp_path_factory.mktemp("northwind") / "cmp"
    said: list[str] = []              # warnings (the SMS plan's step length) come here, not to stderr
    _, report = compare([NORTHWIND, TEXT_FIRST], out, replications=2, seed=3, workers=1, progress=False,
                        say=said.append)
    report.said = said
    return _read((out / "report.html").read_text(encoding="utf-8"))[0], report


@pytest.fixture(scope="module")
def optus(tmp_path_factory):
    """The bundled Optus scenario against two of its lessons, small."""
    out = tmp_path_factory.mktemp("optus") / "cmp"
    _, report = compare([OPTUS, DIRECT, WORD], out, replications=2, seed=3, workers=1, progress=False,
                        overrides={"population.size": 500, "scenario.hours": 72}, say=[].append)
    return _read((out / "report.html").read_text(encoding="utf-8"))[0], report


def _info(path: Path, overrides=None, file: Path | str | None = "same"):
    data = load_scenario(path, overrides).data
    return info_from_data(data, file=str(path) if file == "same" else file)


def _rows(notes: dict, name: str | None = None) -> list[dict]:
    """Every appendix row (common ones, and those of plan ``name`` or of every plan)."""
    rows = notes["sources"] + notes["assumptions"]
    for s in notes["specific"]:
        if name is None or s["name"] == name:
            rows += s["sources"] + s["assumptions"]
    return rows


def _row(notes: dict, key: str, name: str | None = None) -> dict:
    found = [r for r in _rows(notes, name) if r["key"] == key]
    assert found, f"no row for {key}"
    return found[0]


# --------------------------------------------------------------------------- the rendered reports

def test_a_report_of_another_client_names_nothing_of_optus(northwind):
    text, report = northwind
    page = (report.files[0].parent / "report.html").read_text(encoding="utf-8")
    _, attributes = _read(page)
    for word in OPTUS_WORDS + INTERNAL_WORDS:
        assert word not in text, f"{word!r} in the report's text"
        assert word not in attributes, f"{word!r} in the report's attributes (alt texts, titles)"
    for word in OPTUS_WORDS:
        assert word not in " ".join(report.bullets) and word not in " ".join(report.said)
    for scenario in (NORTHWIND, TEXT_FIRST):
        description = " ".join(load_scenario(scenario).data["scenario"]["description"].split())
        assert description in text        # each plan's own description, no placeholder


def test_every_value_a_user_set_is_listed_with_their_comment_or_none(northwind):
    text, _ = northwind
    a, b, c = (_between(text, "Appendix A", "Appendix B"), _between(text, "Appendix B", "Appendix C"),
               _between(text, "Appendix C", "Appendix D"))
    # cited sources of the user's own file, in B, with its name (not an internal path)
    for words in ("People in New Zealand, about 5.3 M (Stats NZ 2024 estimate) (northwind_energy.toml)",
                  "Mean people per household (Stats NZ 2023 Census: 2.7)",
                  "Trust in energy retailers' messages (Northwind customer survey 2024)",
                  "Tue 04 Mar 2025 09:30 (UTC+13:00)"):
        assert words in b
    # uncommented values say so; comments without a source are the user's reason
    for words in ("Social ties per person 10 Set by the user, no source given (northwind_energy.toml)",
                  "Agents simulated 2,000 Set by the user, no source given",
                  "Trust in people one knows 0.66 Assumption; no reason given",
                  "Northwind's register: 620,000 open accounts, 260,000 closed since 2018",
                  "Press release 1: Media statement; reach (assumption)"):
        assert words in c
    own = _between(c, "Text everyone only", "Appendix D") if "Appendix D" in c else c[c.index("Text everyone only"):]
    assert ("Campaign 1: Northwind's SMS gateway sends 300,000 messages an hour (assumption) "
            "(northwind_text_everyone.toml)") in own
    assert "Word of mouth when asked to share (multiplier) 1.5 Set by the user, no source given" in own
    # the defaults' judgements still in use are listed as the model's
    assert "Company trust effects" in c and "(model default)" in c
    assert "trust figures are not the model's defaults" in a.lower()


def test_every_differing_value_has_a_row(northwind):
    _, report = northwind
    notes = _methods(report)["notes"]
    defaults = default_data()
    for info in report.results.scenarios:
        keys = {r["key"] for r in _rows(notes, info.name)}
        for key in setting_keys(info.data):
            value, default = info.get(key), value_at(defaults, key)
            if value is not None and not same_value(key, value, default):
                assert key in keys, f"{info.name}: {key} differs from the defaults but is not listed"


def test_the_bundled_optus_report_still_cites_its_sources(optus):
    text, _ = optus
    a, b, c = (_between(text, "Appendix A", "Appendix B"), _between(text, "Appendix B", "Appendix C"),
               _between(text, "Appendix C", "Appendix D"))
    for words in ("ABS 2021 Census", "(SMH)", "Edelman 2022", "EFTM", "Kwak et al. 2010", "(model default)"):
        assert words in b
    assert "tuned informally so that the Optus 2022 scenario" in a
    assert "from national surveys (Edelman Trust Barometer 2022)" in a
    assert "Word of mouth when asked to share (multiplier) 3 Assumption; no reason given (word_of_mouth.toml)" in c
    assert f"Agents simulated 500 {FOR_THESE_RUNS}" in c          # --set, not the file's 10,000
    assert "Campaign 1: A bulk-SMS throughput of 1 M messages per hour (assumption) (direct_first.toml)" in c
    for word in INTERNAL_WORDS:
        assert word not in text, f"{word!r} in the report's text"


# --------------------------------------------------------------------------- a source where it applies

def _own_file(tmp_path: Path, drop: str, name: str = "mine.toml", extra: str = "") -> Path:
    """The Northwind scenario without its table ``drop`` and the tables inside it
    (so the model's defaults apply there), plus ``extra``."""
    kept, skipping = [], False
    for line in NORTHWIND.read_text(encoding="utf-8").splitlines():
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            skipping = header.group(1) == drop or header.group(1).startswith(drop + ".")
        if not skipping:
            kept.append(line.replace('short_name = "Northwind plan"', f'short_name = "{Path(name).stem}"'))
    path = tmp_path / name
    path.write_text("\n".join(kept) + "\n" + extra, encoding="utf-8")
    return path


def _limitations(infos) -> list[str]:
    notes = appendix.appendix_notes(infos)
    return appendix.limitations(infos, notes["settings"])


def test_the_trust_source_is_named_only_where_its_figures_are_used(tmp_path):
    own = _info(NORTHWIND)
    defaults = _info(_own_file(tmp_path, "trust"))
    assert defaults.get("trust.company") == 0.33 and own.get("trust.company") == 0.45

    said = " ".join(_limitations([own]))
    assert "Edelman" not in said and "The trust figures are not the model's defaults" in said
    said = " ".join(_limitations([defaults]))
    assert "The trust figures are the model's defaults, from national surveys (Edelman" in said
    notes = appendix.appendix_notes([defaults])
    assert "Edelman 2022" in _row(notes, "trust.company")["text"] and _row(notes, "trust.company")["source"]

    said = " ".join(_limitations([own, defaults]))      # one plan uses them, the other does not
    assert ("Of the trust figures, trust in news media, trust in the company's messages and trust in people "
            "one knows are the model's defaults (in mine)") in said


def test_the_word_of_mouth_tuning_is_named_only_where_its_strengths_are_used(tmp_path):
    own = _info(NORTHWIND)
    defaults = _info(_own_file(tmp_path, "word_of_mouth"))
    half = _info(_own_file(tmp_path, "word_of_mouth", "half.toml", "\n[word_of_mouth]\nsocial = 0.005\n"))
    assert "Optus" not in " ".join(_limitations([own]))
    assert "The word-of-mouth strengths are the model's defaults, tuned informally so that the Optus 2022" \
        in " ".join(_limitations([defaults]))
    said = " ".join(_limitations([half]))
    assert "Of the word-of-mouth strengths, word of mouth within households (chance per hour) is the model's " \
           "default, tuned" in said
    well_mixed = _info(NORTHWIND, {"network.kind": "well_mixed"})
    assert "The word-of-mouth strengths are assumptions, not measurements." in _limitations([well_mixed])


def test_model_defaults_carry_the_facts_the_method_names():
    """DEFAULT_BASIS repeats what sim/defaults.toml's comments say of those keys."""
    notes = {n.key: n.text for n in file_notes(DEFAULTS_FILE)[0]}
    for key in appendix.BASIS_KEYS["word_of_mouth"]:
        assert "Optus 2022" in notes[key] and "Optus 2022" in appendix.DEFAULT_BASIS["word_of_mouth"]["all"]
    for key in appendix.BASIS_KEYS["trust"]:
        assert "Edelman 2022" in notes[key] and "Edelman" in appendix.DEFAULT_BASIS["trust"]["all"]
    for text in notes.values():
        for word in ("MODEL.md", "Beta", "Maki", "a+b"):
            assert word not in text


# --------------------------------------------------------------------------- where each value comes from

def test_a_value_set_for_the_runs_says_so_and_drops_the_files_comment():
    info = _info(OPTUS, {"population.size": 700, "population.represents": 5_000_000.0})
    notes = appendix.appendix_notes([info])
    for key in ("population.size", "population.represents"):
        row = _row(notes, key)
        assert row["text"] == FOR_THESE_RUNS and row["file"] == "" and not row["source"]
    assert "people in Australia" not in " ".join(r["text"] for r in _rows(notes)).lower()   # not the value's
    plain = appendix.appendix_notes([_info(OPTUS)])
    assert "ABS 2021 Census" in _row(plain, "population.represents")["text"]


def test_restating_a_default_keeps_the_defaults_note_and_changing_it_drops_it(tmp_path):
    same = tmp_path / "same.toml"
    same.write_text('[scenario]\nname = "Same"\n[word_of_mouth]\nstifling = 0.2\nactive_hours = 30.0\n'
                    '[network]\nhousehold_size = 2.5   # our census says so (Stats NZ 2023)\n', encoding="utf-8")
    settings = {s.key: s for s in scenario_settings(load_scenario(same).data, same)}
    assert settings["word_of_mouth.stifling"].origin == "default"            # restated, no comment
    assert "stops on telling" in settings["word_of_mouth.stifling"].notes[0].text
    changed = settings["word_of_mouth.active_hours"]
    assert changed.origin == "file" and changed.notes == () and changed.differs
    own = settings["network.household_size"]
    assert own.origin == "file" and "Stats NZ 2023" in own.notes[0].text and not own.differs
    notes = appendix.appendix_notes([info_from_data(load_scenario(same).data, file=str(same))])
    assert _row(notes, "word_of_mouth.active_hours")["text"] == NO_SOURCE
    assert "ABS" not in _row(notes, "network.household_size")["text"]


def test_a_comment_on_a_table_covers_its_keys_and_groups_them(tmp_path):
    path = tmp_path / "table.toml"
    path.write_text('[scenario]\nname = "Table"\n[word_of_mouth]   # ASSUMPTION: from our 2023 pilot\n'
                    'household = 0.07\nsocial = 0.006\n', encoding="utf-8")
    notes = appendix.appendix_notes([_info(path)])
    row = _row(notes, "word_of_mouth")
    assert row["value"] == "household 0.07; social 0.006" and row["text"].startswith("From our 2023 pilot")
    mixed = tmp_path / "mixed.toml"
    mixed.write_text('[scenario]\nname = "Mixed"\n[word_of_mouth]   # ASSUMPTION: from our 2023 pilot\n'
                     'household = 0.07   # from the Stats NZ 2023 time-use survey\nsocial = 0.006\n', encoding="utf-8")
    rows = appendix.appendix_notes([_info(mixed)])      # a key with a reason of its own: a row each
    assert "Stats NZ 2023" in _row(rows, "word_of_mouth.household")["text"]
    assert _row(rows, "word_of_mouth.social")["text"].startswith("From our 2023 pilot")
    effects = _row(notes, "trust.company_effects")      # the defaults' own table note, one row
    assert effects["file"] == "model default" and "told first share 0.5" in effects["value"]
    assert not [r for r in _rows(notes) if r["key"].startswith("trust.company_effects.")]


def test_sweeps_and_posterior_draws_are_named_as_varied():
    info = _info(TEXT_FIRST)
    design = {"method": "grid", "points": [{"channels.direct.campaigns.0.start_hour": h, "word_of_mouth.social": s}
                                           for h in (0, 12) for s in (0.003, 0.006)]}
    notes = appendix.appendix_notes([info], appendix.varied_keys(design, None))
    social = _row(notes, "word_of_mouth.social")
    assert social["value"] == "0.003 to 0.006 (2 values)" and social["text"] == "Varied over the 4 design points"
    campaigns = _row(notes, "channels.direct.campaigns")
    assert campaigns["text"].startswith("Campaign 1 start (hours after announcement): varied over the 4 design "
                                        "points, 0 to 12 (2 values); the rest as shown")
    assert "Northwind's SMS gateway" in campaigns["text"]          # the file's note on the rest still applies
    assert not social["source"]
    drawn = appendix.appendix_notes([_info(OPTUS)], appendix.varied_keys(None, [{"word_of_mouth.social": 0.004},
                                                                                {"word_of_mouth.social": 0.012}]))
    row = _row(drawn, "word_of_mouth.social")
    assert row["value"] == "0.004 to 0.012 (2 values)"
    assert row["text"] == "Drawn for each run from the calibration posterior" and "Optus" not in row["text"]
    assert appendix.varied_keys({"method": "none", "points": [{}]}, None) == {}


def test_one_plan_lists_everything_once_and_plans_share_common_rows():
    one = appendix.appendix_notes([_info(NORTHWIND)])
    assert one["single"]
    assert _row(one, "channels.direct.campaigns")["text"] == NO_SOURCE
    two = appendix.appendix_notes([_info(NORTHWIND), _info(TEXT_FIRST)])
    common = {r["key"] for r in two["sources"] + two["assumptions"]}
    assert "population.represents" in common and "network.mean_degree" in common
    assert "channels.direct.campaigns" not in common        # each plan its own campaigns
    first, second = two["specific"]
    assert [r["key"] for r in second["assumptions"]].count("channels.direct.campaigns") == 1
    assert "channels.direct.media.sms.reachable" in [r["key"] for r in second["assumptions"]]   # it texts
    assert "channels.direct.media.sms.reachable" not in [r["key"] for r in first["assumptions"]]  # it does not
    legacy = _notes_context([_info(NORTHWIND)], None)       # the context key custom templates read
    assert set(legacy) == {"sources", "assumptions", "specific", "single"}


def test_unreadable_or_missing_scenario_files_give_rows_without_comments(tmp_path):
    data = load_scenario(NORTHWIND).data
    missing = appendix.appendix_notes([info_from_data(data, file=str(tmp_path / "gone.toml"))])
    assert _row(missing, "population.represents")["text"] == NO_SOURCE
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)                                       # never opened: no hang
    piped = appendix.appendix_notes([info_from_data(data, file=str(fifo))])
    assert _row(piped, "trust.company")["text"] == NO_SOURCE
    nothing = appendix.appendix_notes([info_from_data({"scenario": {"name": "x", "start": "2025-01-01T00:00:00+00:00"}})])
    assert nothing["sources"] == [] and [r["key"] for r in _rows(nothing) if r["text"] == NO_SOURCE] == \
        ["scenario.start"]


# --------------------------------------------------------------------------- method words

def test_the_method_describes_each_plans_network_and_attention(tmp_path):
    households, mixed = _info(NORTHWIND), _info(NORTHWIND, {"network.kind": "well_mixed",
                                                           "scenario.short_name": "Mixed"})
    assert appendix.network_words([households]) == "People are linked in households and by social ties."
    both = appendix.network_words([households, mixed])
    assert "Northwind plan: people are linked in households" in both and "Mixed: people meet others at random" in both
    assert appendix.attention_words([households]) == "People pay more attention by day than by night."
    holiday = _info(NORTHWIND, {"attention.holidays": ["2025-03-04"]})
    assert appendix.attention_words([holiday]).endswith("and less on public holidays.")
    flat = _info(NORTHWIND, {"attention.diurnal": False})
    assert appendix.attention_words([flat]) == "People pay the same attention at every hour."
    assert "posterior" in appendix.limitations([households], [], posterior=True)[-1]
    assert appendix.limitations([households], [], design=True)[-1].startswith("Within one design point")
    assert appendix.engine_words("agents").startswith("person by person")


def test_the_appendix_of_the_report_says_what_the_runs_did(northwind, optus):
    for text, report in (northwind, optus):
        a = _between(text, "Appendix A", "Appendix B")
        methods = _methods(report)
        assert f"Each plan was simulated {methods['runs']} times" in a and methods["runs"] == 2
        for item in methods["limitations"]:
            assert " ".join(item.split()) in a
    assert "People pay more attention by day than by night, and less on public holidays." in optus[0]
    assert "less on public holidays" not in _between(northwind[0], "Appendix A", "Appendix B")


# --------------------------------------------------------------------------- reading comments

def test_comments_on_array_items_name_their_item():
    notes = file_notes(SCENARIOS / "optus_2022.toml")[0]
    releases = [n for n in notes if n.key == "channels.media.releases"]
    assert [n.item for n in releases] == [0, 1]
    campaign = [n for n in file_notes(DIRECT)[0] if n.key == "channels.direct.campaigns"]
    assert [n.item for n in campaign] == [0]                       # the comment block above the first item
    text = ('[channels.media]\nreleases = [\n  { at_hour = 0, reach = 0.5, half_life_hours = 2 },\n'
            '  # above the second\n  { at_hour = 5, reach = 0.1, half_life_hours = 2 },  # on it, "a, b"\n]\n')
    items = [(n.item, n.text) for n in text_notes(text, "x.toml")[0]]
    assert items == [(1, "above the second"), (1, 'on it, "a, b"')]


def test_a_sweep_of_the_own_scenario_reports_what_was_varied(tmp_path, capsys):
    batch = tmp_path / "sweep.toml"
    batch.write_text(f'name = "tiny sweep"\nscenarios = ["{NORTHWIND.as_posix()}"]\nreplications = 2\nseed = 3\n'
                     '[set]\n"population.size" = 400\n"scenario.hours" = 48\n[grid]\n'
                     '"word_of_mouth.social" = [0.003, 0.006]\n', encoding="utf-8")
    assert main(["batch", str(batch), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 0
    assert main(["report", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    text = _read((tmp_path / "out" / "report" / "report.html").read_text(encoding="utf-8"))[0]
    a, c = _between(text, "Appendix A", "Appendix B"), _between(text, "Appendix C", "Appendix D")
    assert "Each plan was simulated 2 times" in a and "at each of 2 design points" in a
    assert "Within one design point, the ranges show run-to-run chance" in a
    assert "Word of mouth between friends (chance per hour) 0.003 to 0.006 (2 values) Varied over the 2 design " \
           "points" in c
    assert f"Agents simulated 400 {FOR_THESE_RUNS}" in c
    for word in OPTUS_WORDS + INTERNAL_WORDS:
        assert word not in text, f"{word!r} in the report's text"
