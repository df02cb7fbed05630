"""Dagster's SQLite run history is written without an fsync per event (pipelines/run_storage.py),
and only the instance's own storage: any other SQLite file keeps SQLite's default."""
import sqlalchemy as sa

from pipelines import run_storage


def _synchronous(url: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as con:
        return con.execute(sa.text("pragma synchronous")).scalar()


def test_only_the_instance_storage_skips_fsync(tmp_path, monkeypatch):
    storage, other = tmp_path / "storage", tmp_path / "other"
    storage.mkdir(), other.mkdir()
    monkeypatch.setenv("FOLLOWUP_DAGSTER_STORAGE", str(storage))
    monkeypatch.delenv("FOLLOWUP_DAGSTER_FSYNC", raising=False)
    run_storage.install()
    assert _synchronous(f"sqlite:///{storage / 'runs.db'}") == 0  # OFF
    assert _synchronous(f"sqlite:///{other / 'x.db'}") == 2  # FULL, SQLite's default


def test_a_real_run_records_its_events(tmp_path, monkeypatch):
    """The tuned storage still holds every event of a run (read back through Dagster)."""
    import dagster as dg

    monkeypatch.setenv("FOLLOWUP_DAGSTER_STORAGE", str(tmp_path))
    run_storage.install()

    @dg.asset
    def one():
        return 1

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize([one], instance=instance)
        assert result.success
        kinds = {e.dagster_event.event_type_value for e in instance.all_logs(result.run_id) if e.dagster_event}
        assert {"PIPELINE_START", "ASSET_MATERIALIZATION", "PIPELINE_SUCCESS"} <= kinds
        assert instance.get_latest_materialization_event(dg.AssetKey("one")) is not None


def test_the_event_log_reuses_its_connections_and_closes_them(tmp_path, monkeypatch):
    """A run's events are written through one kept connection per SQLite file (not one new
    connection per event), every event is there, and disposing the instance closes the files
    (SQLite removes a WAL file when its last connection closes)."""
    import dagster as dg
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    monkeypatch.setenv("FOLLOWUP_DAGSTER_STORAGE", str(tmp_path))
    run_storage.install()
    opened = []

    def count(dbapi_connection, _record):
        opened.append(dbapi_connection.execute("pragma database_list").fetchall()[0][2])

    @dg.asset(check_specs=[dg.AssetCheckSpec("fine", asset="one")])
    def one():
        yield dg.Output(1)
        yield dg.AssetCheckResult(passed=True)

    event.listen(Engine, "connect", count)
    try:
        with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
            result = dg.materialize([one], instance=instance)
            assert result.success
            run_events = len(instance.all_logs(result.run_id))
            assert run_events > 15
            # the run's own event file: its creation and one kept connection (without the reuse, a
            # new connection for each of the run's events)
            assert sum(f.endswith(f"{result.run_id}.db") for f in opened) <= 2
            kinds = {e.dagster_event.event_type_value for e in instance.all_logs(result.run_id) if e.dagster_event}
            assert {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION", "PIPELINE_SUCCESS"} <= kinds
        assert not list(tmp_path.rglob("*.db-wal"))
    finally:
        event.remove(Engine, "connect", count)
