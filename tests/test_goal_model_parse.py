"""The goal-model parser (pipelines/ingest/styrmodell.py) builds its values with its own
constructor (`_build`); PyYAML's general constructor with the same loader is the reference:
every goal model of the demo, and YAML that goal models should not hold, must give the same
values, lines and errors."""
import glob
from pathlib import Path

import pytest
import yaml

from pipelines.ingest import styrmodell as sm

REPO = Path(__file__).resolve().parent.parent

HOSTILE = [
    "", "---\n", "a: 1\n---\nb: 2\n", "a: !!omap [{x: 1}, {y: 2}]\n", "a: !!set {x, y}\n", "a: !!pairs [{x: 1}]\n",
    "? [1, 2]\n: x\n", "? {a: 1}\n: x\n", "a: !foo bar\n", "a: !!python/object:os.system x\n",
    "a: 2022-01-01\nb: 2022-01-01 10:00:00\n", "a: !!binary aGVsbG8=\n", "1: a\n2: b\ntrue: c\n~: d\n",
    "a: !!str 12\nb: !!int '12'\nc: !!float 1\n", "a: .inf\nb: .nan\nc: 1e309\n", "a: !!seq [1, 2]\nb: !!map {c: 1}\n",
    "[1, 2, {a: b}]\n", "a: b: c\n", "a: [\n", "a: 1\na: 2\n", "mal:\n  - id: 1\n    id: 2\n", "<<: {a: 1}\n",
    "a: 0486\nb: '0486'\nc: 017\nd: 1_000\ne: 0x1F\nf: 1:30\n", "a: yes\nb: No\nc: on\n", "a: !!null ''\n",
    "? !!str 1\n: a\n1: b\n", "a: {b: [1, {c: d}]}\n", "- - - x\n", "a: !!int x\n", "a: !!bool maybe\n",
    "!!map {a: 1}\n", "!!seq\n- a\n", "a: !!set\n  ? x\n  ? [y]\n", "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "a: " + "9" * 5000 + "\n", "? [1]\n: a\nb: 1\nb: 2\n",  # the repeated key is refused before the list key is built
    # a scalar tagged as a collection: PyYAML refuses it (its constructors for these are generators)
    "a: !!seq x\n", "a: !!map x\n", "a: !!set x\n", "a: !!omap x\n", "a: !!pairs x\n",
]


def _reference(text):
    return yaml.load(text, Loader=sm._LineLoader)


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (list(a) == list(b) and a.line == b.line and a.keylines == b.keylines
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)  # nan


def _outcome(parse, text):
    try:
        return "ok", parse(text)
    except Exception as e:  # noqa: BLE001 - the same exception either way (e.g. KeyError for `!!int x`)
        return "error", (type(e).__name__, str(e))


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_yaml_parses_as_pyyaml_does(text):
    (kind, got), (ref_kind, ref) = _outcome(lambda t: sm.read_goal_model(t), text), _outcome(_reference, text)
    if ref_kind == "error" and kind == "error":
        # read_goal_model turns a too-deep nesting and a too-long number into Refused
        if ref[0] == "RecursionError" or "digits" in ref[1]:
            assert got[0] == "Refused"
        else:
            assert got == ref
        return
    assert (kind, ref_kind) == ("ok", "ok"), (got, ref)
    assert _same(got, ref)


def test_demo_goal_models_parse_as_pyyaml_does():
    files = sorted(glob.glob(str(REPO / "raw" / "styrmodell" / "*" / "*.yml")))
    assert len(files) >= 4
    for f in files:
        text = Path(f).read_text(encoding="utf-8-sig")
        got = sm.read_goal_model(text)
        assert _same(got, _reference(text)), f
        assert got["mal"] and got["mal"][0].line is not None  # lines are kept
