"""Data-quality findings (contract section 4): one row per problem, naming file, row, column and rule.

Every stage (file reading, raw checks, goal model, dbt tests) reports through `Issue`, and the
gate of a year passes only when no `error` issue was recorded for it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"


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
        self.issues.append(Issue(self.year, self.source, file, row, column, rule, message, severity))

    def from_error(self, err: FileRuleError) -> None:
        self.add(err.file, err.row, err.column, err.rule, err.message)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]
