"""Goal models of a year with many files are read by two processes of our own
(pipelines/ingest/goal_readers.py): the findings, in their order, and the landed rows are those of
reading every file in this process, also when a reader has died."""
from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from pipelines.ingest import ensure_schema, goal_readers, ingest

from .conftest import REPO

TABLES = ("goal_setting", "band", "goal", "indicator", "activity")


@pytest.fixture
def raw(tmp_path):
    """The demo's 2022 goal models and trees, and files that break rules between them."""
    raw = tmp_path / "raw"
    for source in ("organisation", "styrmodell", "medarbetarenkat", "medborgarundersokning", "intern_enkat"):
        shutil.copytree(REPO / "raw" / source / "2022", raw / source / "2022")
    shutil.copytree(REPO / "raw" / "kolada", raw / "kolada")
    folder = raw / "styrmodell" / "2022"
    good = (folder / "0483.yml").read_text(encoding="utf-8")
    (folder / "0114.yml").write_text(good, encoding="utf-8")  # no organisation tree of 0114
    (folder / "0115.yml").write_text("mal: [\n", encoding="utf-8")  # not YAML
    (folder / "0117.yml").write_text("a: &x 1\nb: *x\n", encoding="utf-8")  # an anchor
    (folder / "0120.yml").write_text(good.replace("minsta_antal_svar", "minsta_antal_svar: 1\nx"), encoding="utf-8")
    (folder / "9999.yml").write_text(good, encoding="utf-8")  # no municipality
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    (folder / "0123.yml").write_bytes(b"mal: \xff\n")  # not UTF-8
    return raw


def _load(raw) -> tuple[list, dict]:
    con = duckdb.connect()
    ensure_schema(con)
    ingest(con, raw, "organisation", 2022)
    n, issues = ingest(con, raw, "styrmodell", 2022)
    return issues, {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in TABLES}


def test_the_readers_give_what_this_process_gives(raw, monkeypatch):
    here = _load(raw)
    assert {r[1] for r in here[1]["goal_setting"]} == {"0483", "0884"}
    assert {i.rule for i in here[0]} >= {"parse", "yaml_anchor", "kommunkod", "file_name", "encoding", "missing_file"}
    assert all(here[1][t] for t in ("goal_setting", "goal", "indicator"))
    monkeypatch.setattr(goal_readers, "PARALLEL_FILES", 1)
    sent = []
    real = goal_readers.WorkerProcess.send
    monkeypatch.setattr(goal_readers.WorkerProcess, "send", lambda self, request: sent.append(len(request[0])) or real(self, request))
    try:
        assert _load(raw) == here
        assert sent == [4, 3]  # the seven goal models to read (9999 is no municipality), split in two
        assert all(r.proc is not None and r.proc.poll() is None for r in goal_readers._readers)
        os.kill(goal_readers._readers[0].proc.pid, 9)  # a reader dies: its half is read here
        goal_readers._readers[0].proc.wait()
        assert _load(raw) == here
    finally:
        for r in goal_readers._readers:
            r.stop()


def test_the_measures_read_once_follow_a_changed_catalogue(raw):
    """The measure codes an indicator may point at are read once for a run's years
    (styrmodell._known_measures_once); a catalogue changed since is read again."""
    def unknown():
        issues, _ = _load(raw)
        return sorted(i.message.split()[1] for i in issues if i.rule == "unknown_measure" and i.file.endswith("0483.yml"))

    assert unknown() == []
    catalogue = raw / "medborgarundersokning" / "2022" / "fragor.csv"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(";VERKSAMHETER;", ";VERKSAMHET;"), encoding="utf-8")
    assert unknown() == ["KF1-1"]


def test_a_reader_that_fails_hands_its_half_back_and_leaves_no_reply_behind(raw, monkeypatch):
    """A file that vanishes between the folder's listing and its reading: the reader replies with
    an error, its half is read here and raises what it is; the other reader's reply is read all
    the same, so the next year gets its own results, not a stale one."""
    from pipelines.ingest import styrmodell

    monkeypatch.setattr(goal_readers, "PARALLEL_FILES", 1)
    folder = raw / "styrmodell" / "2022"
    items = [(str(folder / f"{kod}.yml"), f"styrmodell/2022/{kod}.yml", kod) for kod in ("0483", "0884")]
    trees = {"0483": ({"KOMMUN"}, "KOMMUN"), "0884": ({"KOMMUN"}, "KOMMUN")}
    known = ({"kolada.N00668"}, 0)
    try:
        with pytest.raises(FileNotFoundError):
            goal_readers.read_all([(str(folder / "gone.yml"), "styrmodell/2022/gone.yml", "0884"), items[0]], 2022, known, trees)
        assert all(r.proc is not None and r.proc.poll() is None for r in goal_readers._readers)  # both still serve
        assert goal_readers.read_all(items, 2022, known, trees) == styrmodell._read_many(items, 2022, known, trees)
    finally:
        goal_readers.stop()


def test_goal_models_read_ahead_are_taken_only_for_the_same_files(raw, monkeypatch):
    """styrmodell.prefetch reads a year's goal models ahead (the organisation step starts it);
    the year's load takes that result, the same as reading then, without asking the readers again.
    A file changed after the read ahead is read again: its own content counts."""
    from pipelines.ingest import styrmodell

    here = _load(raw)
    monkeypatch.setattr(goal_readers, "PARALLEL_FILES", 1)
    sent = []
    real = goal_readers.WorkerProcess.send
    monkeypatch.setattr(goal_readers.WorkerProcess, "send", lambda self, request: sent.append(len(request[0])) or real(self, request))
    try:
        con = duckdb.connect()
        ensure_schema(con)
        ingest(con, raw, "organisation", 2022)
        styrmodell.prefetch(con, raw, [2022])
        goal_readers._pending.thread.join()
        assert sent == [4, 3]  # read ahead, in two halves
        n, issues = ingest(con, raw, "styrmodell", 2022)
        assert sent == [4, 3]  # taken: the readers were not asked again
        assert (issues, {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in TABLES}) == here

        styrmodell.prefetch(con, raw, [2022])
        goal_readers._pending.thread.join()
        (raw / "styrmodell" / "2022" / "0483.yml").write_text("mal: [\n", encoding="utf-8")  # changed after
        n, issues = ingest(con, raw, "styrmodell", 2022)
        assert sent == [4, 3, 4, 3, 4, 3]  # read again
        assert any(i.rule == "parse" and i.file == "styrmodell/2022/0483.yml" for i in issues)
        assert goal_readers._pending is None
    finally:
        goal_readers.stop()


def test_only_a_run_of_the_goal_models_reads_them_ahead(raw, tmp_path, monkeypatch):
    """The organisation step starts the read ahead when the run materialises the goal models too
    (a real Dagster run of the ingest assets); a run of the trees alone reads no goal model."""
    import dagster as dg

    from pipelines.assets.ingest import ingest_assets
    from pipelines.resources import FollowupPaths

    monkeypatch.setattr(goal_readers, "PARALLEL_FILES", 1)
    started = []
    real = goal_readers.prefetch
    monkeypatch.setattr(goal_readers, "prefetch", lambda requests: started.append([r[0] for r in requests]) or real(requests))
    assets = {a.node_def.name: a for a in ingest_assets}
    chosen = [assets["ingest_organisation"], assets["ingest_styrmodell"]]
    paths = FollowupPaths(raw_dir=str(raw), warehouse_dir=str(tmp_path / "wh"))
    try:
        trees_only = dg.materialize(chosen, resources={"paths": paths}, selection=[dg.AssetKey(["raw", "organisation"])])
        assert trees_only.success and started == []
        both = dg.materialize(chosen, resources={"paths": paths})
        assert both.success and started == [[2022]]
        assert goal_readers._pending is None  # the styrmodell step took the year
    finally:
        goal_readers.stop()
