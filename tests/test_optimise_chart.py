"""The optimisation chart (front.png): drawn from a hand-made optimise.json and pareto.csv,
no simulation runs."""

import json

import pandas as pd
import pytest
from matplotlib.text import Text

from sim.reporting.optimise_chart import OUTSIDE, optimise_chart, write_optimise_chart

UNAWARE = "unaware_affected_share_24h"
PEOPLE = "unaware_affected_people_24h"
CALLS = "calls_peak_per_hour"
START = "channels.direct.campaigns.0.start_hour"


def _s(value, width):
    return {"value": value, "low": value - width, "high": value + width}


def _scores(**values):
    return {m: _s(v, 0.01 * abs(v) or 0.01) for m, v in values.items()}


def _summary(objectives, plans, best, front, comparisons, relaxations, constraints=None):
    labels = {UNAWARE: "affected customers still unaware at 24 h",
              PEOPLE: "affected customers still unaware at 24 h (people)",
              CALLS: "calls to the company in the busiest hour (calls per hour)",
              "customers_lost": "current customers expected to leave (people)"}
    plan = lambda n: {"plan": n, "file": f"plans/plan-{n:04d}.toml", "values": {START: n},  # noqa: E731
                      "scores": plans[n]}
    return {
        "scenario": {"file": "scenarios/x.toml", "name": "X"},
        "levers": [{"key": START, "kind": "int", "label": "campaign 1 start", "range": "2 to 48"}],
        "objectives": [{"measure": m, "direction": "min", "label": labels[m]} for m in objectives],
        "constraints": constraints if constraints is not None else
        [{"text": "start>=6", "kind": "start", "name": "start", "op": ">=", "bound": 6.0}],
        "best": {"file": "best.toml", **plan(best)} if best else None,
        "front": [plan(n) for n in front],
        "comparisons": comparisons,
        "relaxations": relaxations,
        "counts": {"runs": 10, "plans_run": len(plans), "plans_repeated": 0, "plans_not_run": 0},
    }


def _table(objectives, plans, best, front, confirmed, comparisons):
    rows = []
    for c in comparisons:
        row = {"plan": c["name"], "kind": "baseline" if c["role"] == "baseline" else "compared", "number": None,
               "stage": c["role"], START: ""}
        for m in objectives:
            s = c["scores"][m]
            row.update({m: s["value"], f"{m}_low": s["low"], f"{m}_high": s["high"]})
        row.update(runs=6, feasible=c["feasible"], pareto=False, best=False, status="evaluated", note="")
        rows.append(row)
    for n, scores in plans.items():
        row = {"plan": f"plan {n}", "kind": "plan", "number": n, "stage": "confirmed" if n in confirmed else "search",
               START: n}
        for m in objectives:
            s = scores[m]
            row.update({m: s["value"], f"{m}_low": s["low"], f"{m}_high": s["high"]})
        row.update(runs=6 if n in confirmed else 3, feasible=True, pareto=n in front, best=n == best,
                   status="evaluated", note="")
        rows.append(row)
    return pd.DataFrame(rows)


def _comparison(name, role, feasible, breaks=(), **values):
    return {"name": name, "role": role, "breaks": list(breaks), "file": "x.toml", "runs": 6, "feasible": feasible,
            "scores": _scores(**values)}


def one_objective(name="Direct first"):
    plans = {1: _scores(**{UNAWARE: 0.59}), 2: _scores(**{UNAWARE: 0.66}), 3: _scores(**{UNAWARE: 0.60}),
             4: _scores(**{UNAWARE: 0.61})}
    comparisons = [_comparison("Optus 2022 (as it happened)", "baseline", True, **{UNAWARE: 0.64}),
                   _comparison(name, "compared", False, ["start>=6"], **{UNAWARE: 0.10})]
    relaxations = [{"constraint": "start>=6", "kind": "start", "binding": True,
                    "step": "campaigns may start 1 hour earlier", "file": "plans/relaxed-01.toml",
                    "scores": _scores(**{UNAWARE: 0.58}), "change": {UNAWARE: {"value": -0.01, "low": -0.015, "high": -0.005}}}]
    summary = _summary([UNAWARE], plans, 1, [1], comparisons, relaxations)
    return summary, _table([UNAWARE], plans, 1, [1], {1, 3, 4}, comparisons)


def two_objectives(name="Trusted channels", extra=()):
    objectives = [PEOPLE, CALLS, *extra]
    values = {1: (0.96e6, 54_000), 2: (0.99e6, 49_000), 3: (1.67e6, 44_700), 4: (2.6e6, 39_000),
              5: (5.5e6, 40_000), 6: (3.0e6, 60_000)}
    plans = {n: _scores(**{PEOPLE: x, CALLS: y, **{m: 1000.0 for m in extra}}) for n, (x, y) in values.items()}
    comparisons = [_comparison("Direct first", "baseline", False, ["start>=6"],
                               **{PEOPLE: 0.96e6, CALLS: 67_600, **{m: 900.0 for m in extra}}),
                   _comparison(name, "compared", True, **{PEOPLE: 4.0e6, CALLS: 60_000, **{m: 800.0 for m in extra}})]
    relaxed = _scores(**{PEOPLE: 1.37e6, CALLS: 46_200, **{m: 1000.0 for m in extra}})
    relaxations = [{"constraint": "start>=6", "kind": "start", "binding": True,
                    "step": "campaigns may start 1 hour earlier", "file": "plans/relaxed-01.toml",
                    "scores": relaxed, "change": {PEOPLE: {"value": -0.3e6, "low": -0.4e6, "high": -0.2e6},
                                                CALLS: {"value": 1500, "low": 1000, "high": 2000}}},
                   {"constraint": "throughput.sms<=1500000", "kind": "throughput", "binding": False,
                    "step": "10% more sms throughput"}]
    constraints = [{"text": "start>=6", "kind": "start", "name": "start", "op": ">=", "bound": 6.0},
                   {"text": "throughput.sms<=1500000", "kind": "throughput", "name": "sms", "op": "<=",
                    "bound": 1500000.0}]
    front = [1, 2, 3, 4]
    summary = _summary(objectives, plans, 3, front, comparisons, relaxations, constraints)
    return summary, _table(objectives, plans, 3, front, set(front) | {6}, comparisons)


def _texts(fig) -> list[str]:
    """Every piece of text in the figure as shown (``\\$`` back to ``$``)."""
    fig.canvas.draw()
    out = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    return [t.replace("\\$", "$") for t in out]


def _has(texts, words) -> bool:
    return any(words in t.replace("\n", " ") for t in texts)


def _write(folder, summary, table):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "optimise.json").write_text(json.dumps(summary), encoding="utf-8")
    table.to_csv(folder / "pareto.csv", index=False)
    return folder


@pytest.mark.parametrize("case", [one_objective, two_objectives])
def test_the_chart_is_a_png_written_as_one_unit(tmp_path, case):
    out = _write(tmp_path / "opt", *case())
    before = {p.name for p in out.iterdir()}
    paths = write_optimise_chart(out)
    assert paths == [out / "front.png"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {p.name for p in out.iterdir()} == before | {"front.png"}     # no temporary left beside it


def test_a_failed_drawing_leaves_no_file(tmp_path, monkeypatch):
    out = _write(tmp_path / "opt", *two_objectives())

    def broken(self, path, **kw):
        path.write_bytes(b"half a picture")
        raise OSError("disk full")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken)
    with pytest.raises(OSError):
        write_optimise_chart(out)
    assert sorted(p.name for p in out.iterdir()) == ["optimise.json", "pareto.csv"]


def test_two_objectives_draw_the_front_best_plan_relaxation_and_scenarios():
    fig = optimise_chart(*two_objectives())
    texts = _texts(fig)
    assert _has(texts, "Best plans within the constraints")
    assert _has(texts, "best.toml (plan 3)")
    assert _has(texts, "Trusted channels")
    assert _has(texts, f"baseline: Direct first {OUTSIDE}")
    assert not _has(texts, f"Trusted channels {OUTSIDE}")
    assert _has(texts, "start ≥ 6 h relaxed: campaigns may start 1 hour earlier")
    assert _has(texts, "-300,000 unaware at 24 h, +1,500 peak calls/h")
    assert _has(texts, "not binding at the best plan") or _has(texts, "Not binding at the best plan")
    ax = fig.axes[0]
    assert "lower is better" in ax.get_xlabel() and "lower is better" in ax.get_ylabel()
    assert ax.get_xlabel().startswith("Affected customers still unaware at 24 h")
    assert any("M" in t.get_text() for t in ax.get_xticklabels())              # people in millions
    assert any("," in t.get_text() for t in ax.get_yticklabels())              # calls with thousands separators
    arrows = [t for t in ax.texts if t.get_text() == "" and t.arrow_patch is not None]
    assert len(arrows) == 1                                                    # best plan -> relaxed plan
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("tried in the search (6)" in t for t in legend)


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_a_front_of_the_best_plan_alone_says_there_is_no_trade_off():
    summary, table = two_objectives()
    table["pareto"] = table["best"]             # plan 3 alone is on the front
    summary["front"] = [p for p in summary["front"] if p.get("plan") == 3] or summary["front"][:1]
    fig = optimise_chart(summary, table)
    assert _has(_texts(fig), "the best plan is the only confirmed plan no other beats on both measures")
    assert not _has(_texts(fig), "blue:")
    assert not any("best trade-offs" in t for t in _legend(fig))
    fig = optimise_chart(*two_objectives())     # a front of four: blue, and said so
    assert _has(_texts(fig), "blue: the confirmed plans no other beats on both measures")
    assert any("best trade-offs" in t for t in _legend(fig))


def test_a_measure_the_relaxation_leaves_as_it_was_is_said_unchanged():
    summary, table = two_objectives()
    summary["relaxations"][0]["change"][CALLS] = {"value": 0.0, "low": 0.0, "high": 0.0}
    texts = _texts(optimise_chart(summary, table))
    assert _has(texts, "-300,000 unaware at 24 h, peak calls/h unchanged")
    assert not _has(texts, "0 peak calls/h")


def test_further_objectives_are_said_not_drawn():
    fig = optimise_chart(*two_objectives(extra=("customers_lost",)))
    assert _has(_texts(fig), "Further objectives are not drawn: current customers expected to leave")


def test_one_objective_draws_a_row_per_plan_relaxation_and_scenario():
    fig = optimise_chart(*one_objective())
    ax = fig.axes[0]
    rows = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert rows == ["plan 1 (best.toml)", "plan 3", "plan 4",
                    "start ≥ 6 h relaxed: campaigns may start 1 hour earlier",
                    "baseline: Optus 2022 (as it happened)", f"Direct first {OUTSIDE}"]
    assert "plan 2" not in rows                                  # a plan only of the search has no row
    assert ax.get_xlabel() == "Affected customers still unaware at 24 h (lower is better)"
    assert all(t.get_text().endswith("%") for t in ax.get_xticklabels() if t.get_text())
    texts = _texts(fig)
    assert _has(texts, "59.0%  (58.4% to 59.6%)")
    assert _has(texts, "-1.0 points (95%: -1.5 to -0.5) vs best")            # what the constraint costs
    assert _has(texts, "Direct first breaks start ≥ 6 h")


def test_a_dollar_in_a_name_is_shown_as_a_dollar(tmp_path):
    for case in (one_objective, two_objectives):
        summary, table = case(name="Pay $5 credit $$ now")
        fig = optimise_chart(summary, table)
        assert _has(_texts(fig), "Pay $5 credit $$ now")
        write_optimise_chart(_write(tmp_path / case.__name__, summary, table))    # draws without a mathtext error


def test_identical_scenarios_share_one_marker_and_label():
    summary, table = two_objectives()
    summary["comparisons"].append({**summary["comparisons"][1], "name": "Word of mouth"})
    fig = optimise_chart(summary, table)
    assert _has(_texts(fig), "Trusted channels = Word of mouth")


def test_labels_stay_inside_the_figure_and_do_not_overlap():
    for case in (one_objective, two_objectives):
        fig = optimise_chart(*case())
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.texts if t.get_text() and t.get_visible()]
        boxes = [Text.get_window_extent(t, renderer) for t in labels]
        room = fig.bbox
        for b in boxes:
            assert room.x0 <= b.x0 and b.x1 <= room.x1 and room.y0 <= b.y0 and b.y1 <= room.y1
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), (labels[boxes.index(a)].get_text(), labels[boxes.index(b)].get_text())


def test_no_best_plan_still_draws(tmp_path):
    summary, table = two_objectives()
    summary["best"], summary["front"], summary["relaxations"] = None, [], []
    table["pareto"], table["best"] = False, False
    assert not _has(_texts(optimise_chart(summary, table)), "best.toml")
    summary, table = one_objective()
    summary["best"] = None
    assert not _has(_texts(optimise_chart(summary, table)), "best.toml")
