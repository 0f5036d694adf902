"""Scenario files: inheritance, overrides and one-line errors for bad input."""

from pathlib import Path

import numpy as np
import pytest

from sim import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
OPTUS = ROOT / "scenarios" / "optus_2022.toml"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def test_bundled_scenarios_load():
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = load_scenario(path)
        assert scenario.name
        assert scenario.data["scenario"]["description"]


def test_extends_merges_tables_and_replaces_lists(tmp_path):
    child = write(tmp_path, f"""
[scenario]
extends = "{OPTUS}"
name = "child"
[population.cohorts]
gen_z = 0.5
millennial = 0.5
gen_x = 0.0
boomer = 0.0
[channels.media]
releases = [{{at_hour = 5, reach = 0.1, half_life_hours = 2}}]
""")
    s = load_scenario(child)
    assert s.name == "child"
    assert s.get("population.cohorts.gen_z") == 0.5
    assert s.get("population.customers.current") == 0.22          # from the parent
    assert s.get("channels.direct.campaigns.0.medium") == "email"  # from the parent
    assert s.get("channels.media.releases") == [{"at_hour": 5.0, "reach": 0.1, "half_life_hours": 2.0}]
    assert s.get("word_of_mouth.stifling") == 0.2                  # from the defaults


def test_lesson_files_change_only_their_lesson():
    optus = load_scenario(OPTUS).data
    for name, changed in [("direct_first", {"channels"}), ("trusted_channels", {"channels"}),
                          ("word_of_mouth", {"channels", "word_of_mouth"})]:
        lesson = load_scenario(ROOT / "scenarios" / f"{name}.toml").data
        differs = {k for k in optus if k != "scenario" and optus[k] != lesson[k]}
        assert differs == changed, name


def test_overrides_including_list_items():
    s = load_scenario(OPTUS, {"population.size": 5000,
                              "channels.direct.campaigns.0.start_hour": 6,
                              "trust.media.gen_z": 0.9})
    assert s.get("population.size") == 5000
    assert s.get("channels.direct.campaigns.0.start_hour") == 6.0
    assert s.get("trust.media.gen_z") == 0.9


@pytest.mark.parametrize("text, key, allowed", [
    ("[population]\nsize = 100\nsizes = 3\n", "population.sizes", "allowed here"),
    ("[population]\nsize = \"many\"\n", "population.size", "whole number"),
    ("[population.customers]\ncurrent = 1.4\n", "population.customers.current", "[0, 1]"),
    ("[population.cohorts]\ngen_z = 0.5\n", "population.cohorts", "sum to 1"),
    ("[population.customers]\ncurrent = 0.7\nformer = 0.4\n", "population.customers", "at most 1"),
    ("[scenario]\nstart = \"2022-09-22T14:00\"\n", "scenario.start", "offset"),
    ("[network]\nkind = \"smallworld\"\n", "network.kind", "watts_strogatz"),
    ("[network]\nkind = \"file\"\npath = \"missing.txt\"\n", "network.path", "no such file"),
    ("[channels.direct]\ncampaigns = [{medium = \"fax\", start_hour = 0, per_hour = 1, targets = [\"current\"]}]\n",
     "channels.direct.campaigns.0.medium", "sms, email"),
    ("[channels.direct]\ncampaigns = [{medium = \"sms\", per_hour = 1, targets = [\"current\"]}]\n",
     "channels.direct.campaigns.0.start_hour", "required"),
    ("[channels.media]\nreleases = [{at_hour = 0, reach = 2, half_life_hours = 1}]\n",
     "channels.media.releases.0.reach", "[0, 1]"),
    ("[attention]\nprofile = [1, 2]\n", "attention.profile", "exactly 24"),
    ("[trust]\ncompany = {gen_z = 0.2}\n", "trust.company.millennial", "required"),
    ("[trust]\nmedia = {gen_y = 0.2}\n", "trust.media.gen_y", "allowed here: gen_z"),
    ("[seeds]\ncount = 20000\n", "seeds.count", "at most population.size"),
    ("[word_of_mouth]\nactive_kind = \"sometimes\"\n", "word_of_mouth.active_kind", "exponential"),
])
def test_bad_values_name_file_key_and_what_is_allowed(tmp_path, text, key, allowed):
    path = write(tmp_path, text)
    err = error_of(path)
    line = err.line()
    assert "\n" not in line
    assert str(path) in line or "missing.txt" in line
    assert f": {key}:" in line
    assert allowed in line


def test_error_names_the_parent_file_that_holds_the_bad_key(tmp_path):
    parent = write(tmp_path, "[population]\nsize = 100\ncolour = 1\n", "parent.toml")
    child = write(tmp_path, "[scenario]\nextends = \"parent.toml\"\n", "child.toml")
    err = error_of(child)
    assert err.source == str(parent.resolve()) and err.key == "population.colour"


@pytest.mark.parametrize("text, message", [
    (None, "no such file"),
    ("[population\nsize = 1\n", "not valid TOML"),
])
def test_missing_and_malformed_files(tmp_path, text, message):
    path = tmp_path / "s.toml"
    if text is not None:
        path.write_text(text)
    assert message in error_of(path).line()


def test_circular_extends(tmp_path):
    write(tmp_path, "[scenario]\nextends = \"b.toml\"\n", "a.toml")
    write(tmp_path, "[scenario]\nextends = \"a.toml\"\n", "b.toml")
    assert "circular" in error_of(tmp_path / "a.toml").line()


@pytest.mark.parametrize("overrides, key", [
    ({"population.sise": 3}, "population.sise"),
    ({"population.size": -3}, "population.size"),
    ({"channels.direct.campaigns.5.start_hour": 3}, "channels.direct.campaigns.5"),
    ({"word_of_mouth.stifling": 1.5}, "word_of_mouth.stifling"),
])
def test_bad_overrides(overrides, key):
    err = error_of(OPTUS, overrides)
    assert err.source == "override" and err.key == key


def test_malformed_network_file(tmp_path):
    net = write(tmp_path, "0 1\n1 2\n3\n", "edges.txt")
    path = write(tmp_path, f"[network]\nkind = \"file\"\npath = \"{net.name}\"\n")
    from sim import simulate
    with pytest.raises(ScenarioError) as info:
        simulate(load_scenario(path, {"scenario.hours": 2}), seed=1)
    assert "line 3" in info.value.line() and "network.path" in info.value.line()


def test_a_run_that_does_not_fit_in_memory_is_refused():
    from sim.model.memory import BASE_BYTES, check_fits, estimate_bytes

    scenario = load_scenario(OPTUS, {"population.size": 10_000_000})   # estimated, never run
    need = estimate_bytes(scenario, "fast")
    assert check_fits(scenario, "fast", available=need + 1) == need
    with pytest.raises(ScenarioError) as info:
        check_fits(scenario, "fast", available=need // 2)
    line = info.value.line()
    assert info.value.key == "population.size" and "GiB" in line and "people fit" in line
    fits = int(line.rsplit("at most about ", 1)[1].split()[0].replace(",", ""))
    per_person = (need - BASE_BYTES) / 10_000_000
    assert abs(fits - (need // 2 - BASE_BYTES) / per_person) <= 1
    assert estimate_bytes(scenario, "agents") > 3 * need


# ---- labels for reports -----------------------------------------------------------
def test_every_schema_key_has_a_short_distinct_label():
    from sim.config.schema import label_of, schema_keys

    keys = list(schema_keys())
    assert len(keys) > 80                                   # the walk reaches every leaf
    labels = {key: label_of(key) for key in keys}
    for key, label in labels.items():
        assert label and "_" not in label and "{" not in label, (key, label)
        assert len(label) <= 70, (key, label)
    assert len(set(labels.values())) == len(labels)         # no two keys read the same


def test_labels_of_list_items_and_per_cohort_keys():
    from sim.config.schema import label_of

    assert label_of("word_of_mouth.social") == "word of mouth between friends (chance per hour)"
    assert label_of("channels.direct.campaigns.0.start_hour") == "campaign 1 start (hours after announcement)"
    assert label_of("channels.direct.campaigns.11.targets.1") == "campaign 12 target 2"
    assert label_of("trust.media.gen_z") == "trust in news media, Gen Z"
    assert label_of("population.habits.sms_reachable.former") == "share of former customers reachable by SMS"
    assert label_of("channels.direct.media.push.reachable.former") == "share of former customers reachable by push"
    assert label_of("population.segments.id_exposed.share") == "share of affected customers in segment id exposed"
    assert label_of("attention.profile.7") == "attention at 07:00 (relative)"
    for bad in ("word_of_mouth.sociable", "channels.direct.campaigns.x.start_hour", ""):
        with pytest.raises(ValueError):
            label_of(bad)


def test_every_key_in_a_resolved_scenario_has_a_label():
    from sim.config.schema import label_of

    s = load_scenario(OPTUS, {"channels.direct.campaigns.0.ask_to_share": True,
                              "attention.holidays": ["2022-09-22", "2022-09-23"]})

    def leaves(node, key=""):
        if isinstance(node, dict):
            for name, value in node.items():
                yield from leaves(value, f"{key}.{name}" if key else name)
        elif isinstance(node, list) and node:
            for i, value in enumerate(node):
                yield from leaves(value, f"{key}.{i}")
        else:
            yield key

    keys = list(leaves(s.data))
    assert "channels.twitter.posts.1.reach" in keys and "attention.holidays.1" in keys
    assert all(label_of(k) for k in keys)


def test_short_name_is_optional_and_at_most_24_characters(tmp_path):
    s = load_scenario(OPTUS)
    assert s.short_name == s.name == "Optus 2022 (as it happened)"
    assert load_scenario(OPTUS, {"scenario.short_name": "Optus 2022"}).short_name == "Optus 2022"
    err = error_of(OPTUS, {"scenario.short_name": "x" * 25})
    assert err.key == "scenario.short_name" and "at most 24 characters" in err.line()


# ---- exact counts of cohorts and customer groups ---------------------------------------
def test_exact_counts_are_largest_remainder_rounding():
    from sim.model.population import exact_counts

    assert exact_counts([1 / 3, 1 / 3, 1 / 3], 10).tolist() == [4, 3, 3]       # ties: earlier first
    assert exact_counts([0.623, 0.22, 0.157], 10_000).tolist() == [6230, 2200, 1570]
    assert exact_counts([0.5, 0.5 + 1e-7], 3).sum() == 3                        # rescaled to sum 1
    shares = np.array([0.2068, 0.2443, 0.2193, 0.3296])
    for n in (1, 2, 7, 997, 123_457):
        counts = exact_counts(shares, n)
        quota = shares / shares.sum() * n
        assert counts.sum() == n and np.all(np.abs(counts - quota) < 1)


def test_affected_customers_match_the_input_in_every_run():
    """2 M affected of 67 M people: the same count in every run, within half an agent."""
    from sim.model.keyed import Keys
    from sim.model.population import build_population

    s = load_scenario(OPTUS, {"population.represents": 67e6, "population.size": 10_000,
                              "population.customers.current": 2 / 67,
                              "population.customers.former": 0.0})
    per_agent = s.people_per_agent
    pops = [build_population(s, Keys(np.random.SeedSequence(seed))) for seed in range(5)]
    affected = {int(p.affected.sum()) for p in pops}
    assert affected == {299}                                   # 10,000 x 2/67 = 298.5
    assert abs(299 * per_agent - 2e6) <= per_agent / 2
    cohorts = {tuple(np.bincount(p.cohort, minlength=4)) for p in pops}
    assert cohorts == {(2068, 2443, 2193, 3296)}
    assert not np.array_equal(pops[0].customer, pops[1].customer)   # who is affected varies


# ---- plausible ranges of the assumptions ----------------------------------------------
def _assumption_keys() -> set[str]:
    """Number keys of sim/defaults.toml labelled ASSUMPTION (on the line or its table)."""
    from sim.config.scenario import default_data

    keys, table, marked = set(), "", False
    for line in (ROOT / "sim" / "defaults.toml").read_text(encoding="utf-8").splitlines():
        code, _, comment = line.partition("#")
        code = code.strip()
        if code.startswith("["):
            table, marked = code.strip("[]"), "ASSUMPTION" in comment
        elif "=" in code and ("ASSUMPTION" in comment or marked):
            keys.add(f"{table}.{code.split('=')[0].strip()}")
    data = default_data()

    def value(key):
        node = data
        for part in key.split("."):
            node = node[part]
        return node

    return {k for k in keys if isinstance(value(k), (int, float)) and not isinstance(value(k), bool)}


def test_every_assumption_has_a_plausible_range_around_its_default():
    from sim.config.ranges import plausible_ranges
    from sim.config.schema import lookup_spec

    ranges = plausible_ranges()
    # the run length is a choice, not a world; so are the call centre's staffing (0: no queue
    # modelled) and a service-recovery gain (off by default: a breach does not raise trust)
    not_ranged = {"scenario.hours", "company.call_centre.agents", "trust.company_effects.service_recovery"}
    missing = _assumption_keys() - set(ranges) - not_ranged
    assert not missing, missing
    assert len(_assumption_keys()) > 25
    assert ranges["trust.company"].low == 0.33 and ranges["trust.company"].high == 0.61
    for key, r in ranges.items():
        assert r.key == key and r.low < r.high and r.why and r.label
        assert r.low <= r.default <= r.high, key
        spec = lookup_spec(key)
        spec = getattr(spec, "value", spec)
        assert spec.test(r.low) and spec.test(r.high), key


@pytest.mark.parametrize("entry, key, message", [
    ('["trust.companyy"]\nlow = 0.1\nhigh = 0.2\nwhy = "x"\n', "trust.companyy", "not a scenario key"),
    ('["network.kind"]\nlow = 0.1\nhigh = 0.2\nwhy = "x"\n', "network.kind", "not a number key"),
    ('["trust.company"]\nlow = 0.5\nhigh = 0.4\nwhy = "x"\n', "trust.company", "not below high"),
    ('["trust.company"]\nlow = 0.5\nhigh = 1.4\nwhy = "x"\n', "trust.company", "share in [0, 1]"),
    ('["trust.company"]\nlow = 0.1\nhigh = 0.4\n', "trust.company", "exactly low, high, why"),
    ('["trust.media"]\nlow = 0.1\nhigh = 0.4\nwhy = "x"\n', "trust.media", "range per cohort key"),
    ('["trust.company"]\nlow = 0.1\nhigh = 0.4\nwhy = ""\n', "trust.company", "the reason"),
])
def test_bad_ranges_files(tmp_path, entry, key, message):
    from sim.config.ranges import plausible_ranges

    path = write(tmp_path, entry, "ranges.toml")
    with pytest.raises(ScenarioError) as info:
        plausible_ranges(path)
    assert info.value.key == key and message in info.value.line()
    assert str(path) in info.value.line()


def test_a_users_ranges_replace_the_bundled_ones(tmp_path):
    from sim.config.ranges import _checked, plausible_ranges

    path = write(tmp_path, '["trust.company"]\nlow = 0.5\nhigh = 0.7\nwhy = "mine"\n'
                           '["trust.media.gen_z"]\nlow = 0.2\nhigh = 0.5\nwhy = "mine too"\n')
    ranges = plausible_ranges(path)
    assert (ranges["trust.company"].low, ranges["trust.company"].why) == (0.5, "mine")
    assert ranges["trust.media.gen_z"].default == 0.35
    assert ranges["word_of_mouth.social"] == plausible_ranges()["word_of_mouth.social"]
    with pytest.raises(ScenarioError) as info:        # the bundled file must hold its defaults
        _checked({"trust.company": {"low": 0.5, "high": 0.7, "why": "x"}}, "bundled", True)
    assert "default 0.33 is outside [0.5, 0.7]" in info.value.line()
