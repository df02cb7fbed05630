"""The end-of-run summary names a few municipalities and how many, not all 290 of a national run."""
from pathlib import Path

from pipelines.summary import PublishedSummary


def test_a_national_run_names_how_many_and_the_first_five():
    s = PublishedSummary(Path("w/followup.duckdb"), kommuner=[(f"{i:04d}", f"K{i}") for i in range(290)])
    line = s.lines()[2]
    assert line == "  municipalities  290: 0000 K0, 0001 K1, 0002 K2, 0003 K3, 0004 K4, ... and 285 more  (with survey or goal data)"


def test_a_few_municipalities_are_all_named():
    s = PublishedSummary(Path("w/followup.duckdb"), kommuner=[("0483", "Katrineholm"), ("0884", "Vimmerby")])
    assert s.lines()[2] == "  municipalities  0483 Katrineholm, 0884 Vimmerby  (with survey or goal data)"


def test_the_published_views_are_listed():
    s = PublishedSummary(Path("w/followup.duckdb"), views=["v_goal_tree", "v_indicator"])
    assert s.lines()[-1] == "  views           marts.v_goal_tree, marts.v_indicator"
    assert s.as_dict()["views"] == ["v_goal_tree", "v_indicator"]
