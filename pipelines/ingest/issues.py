"""Data-quality findings (contract section 4): one row per problem, naming file, row, column and rule.

Every stage (file reading, raw checks, goal model, dbt tests) reports through `Issue`, and the
gate of a year passes only when no `error` issue was recorded for it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"

MAX_MESSAGE = 1000  # a message names one value; nothing longer is ever shown
MAX_VALUE = 60


def clean(text: str | None, limit: int | None = None) -> str | None:
    """Text as an issue may hold it: lone surrogates (a file name that is not UTF-8, a JSON
    "\\ud800") escaped, so it can be stored and printed; cut to `limit` characters."""
    if text is None:
        return None
    text = str(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def shown_value(value, limit: int = MAX_VALUE) -> str:
    """The one value a rule names, as its message shows it: a short repr of a scalar, the kind
    of a list or mapping (never its content), long text cut."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"a whole number of about {int(value.bit_length() * 0.30103) + 1} digits"
    return clean(repr(value), limit)


@dataclass(frozen=True)
class Issue:
    year: int | None
    source: str
    file: str | None
    row: int | None
    column: str | None
    rule: str
    message: str
    severity: str = ERROR

    def as_dict(self) -> dict:
        return asdict(self)

    def one_line(self) -> str:
        where = self.file or self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{self.severity.upper()} [{self.rule}] {where}: {self.message}"


class FileRuleError(Exception):
    """A file that cannot be read at all under the contract's file rules."""

    def __init__(self, file: str, rule: str, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.file, self.rule, self.message, self.row, self.column = file, rule, message, row, column


@dataclass
class IssueLog:
    """Collects issues for one (year, source) load."""

    year: int | None
    source: str
    issues: list[Issue] = field(default_factory=list)

    def add(self, file, row, column, rule, message, severity=ERROR) -> None:
        self.issues.append(Issue(self.year, self.source, clean(file), row, clean(column, MAX_VALUE), rule,
                                 clean(message, MAX_MESSAGE), severity))

    def from_error(self, err: FileRuleError) -> None:
        self.add(err.file, err.row, err.column, err.rule, err.message)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]
