"""The organisation loader reads all municipalities' files of a year together (one scan, one query
per rule): a bad file is named with its row and rule, and only that file is held back."""
from __future__ import annotations

import duckdb

from pipelines.ingest import ensure_schema, ingest

GOOD = "enhet;namn;overordnad;typ\nK;Kommunen;;kommun\nN;Nämnd;K;namnd\nE;Enhet;N;enhet\n"


def _load(tmp_path, files: dict[str, str]):
    folder = tmp_path / "raw" / "organisation" / "2022"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    con = duckdb.connect()
    ensure_schema(con)
    n, issues = ingest(con, tmp_path / "raw", "organisation", 2022)
    landed = con.execute("select kommunkod, count(*) from raw.organisation group by 1 order by 1").fetchall()
    return n, [(i.file, i.row, i.column, i.rule) for i in issues if i.severity == "error"], landed


def test_good_files_land_together(tmp_path):
    n, errors, landed = _load(tmp_path, {"0483.csv": GOOD, "0884.csv": GOOD, "0486.csv": GOOD})
    assert errors == [] and n == 9
    assert landed == [("0483", 3), ("0486", 3), ("0884", 3)]


def test_cycle_in_one_file_holds_back_only_that_file(tmp_path):
    # X and Y are each other's parent: not under the root (lines 4 and 5 of 0884.csv)
    cyclic = GOOD + "X;X-enhet;Y;enhet\nY;Y-enhet;X;enhet\n"
    n, errors, landed = _load(tmp_path, {"0483.csv": GOOD, "0884.csv": cyclic})
    assert errors == [("organisation/2022/0884.csv", 5, "overordnad", "tree"),
                      ("organisation/2022/0884.csv", 6, "overordnad", "tree")]
    assert landed == [("0483", 3)] and n == 3


def test_rules_are_per_file(tmp_path):
    # the same unit code in two municipalities is fine; a parent from another file is not
    two_roots = "enhet;namn;overordnad;typ\nK;Kommunen;;kommun\nN;Nämnd;;namnd\n"
    foreign_parent = "enhet;namn;overordnad;typ\nK;Kommunen;;kommun\nE;Enhet;N;enhet\n"
    duplicate = GOOD + "E;Enhet igen;N;enhet\n"
    n, errors, landed = _load(tmp_path, {"0483.csv": GOOD, "0884.csv": two_roots, "0486.csv": foreign_parent,
                                         "0488.csv": duplicate})
    assert sorted(errors) == [
        ("organisation/2022/0486.csv", 3, "overordnad", "unknown_parent"),
        ("organisation/2022/0488.csv", 4, "enhet", "unique_id"),
        ("organisation/2022/0488.csv", 5, "enhet", "unique_id"),
        ("organisation/2022/0884.csv", 3, "overordnad", "one_root"),
    ]
    assert landed == [("0483", 3)]
