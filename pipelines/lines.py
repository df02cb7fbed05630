"""The concise lines of a run (what `followup run` prints), as events of the run itself.

Steps say them with `say(context, line)`: an ordinary info message of the run, so the Dagster
UI's log shows the same lines; `followup run` attaches `followup_console`, a logger that prints
only these lines (and, with -v, everything)."""
from __future__ import annotations

import logging
import sys

import dagster as dg

MARK = "followup_line"
# Where the lines go: the CLI sets its own stdout here before it silences Dagster's and dbt's
# output (which it redirects); None = sys.stdout at the time of the line.
OUT = None


def say(context, line: str) -> None:
    context.log.info(line, extra={MARK: True})


def fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", " ")


class _LinePrinter(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, MARK, False):
            meta = getattr(record, "dagster_meta", None) or {}
            print(meta.get("orig_message", record.getMessage()), file=OUT or sys.stdout, flush=True)


@dg.logger(description="Prints the run's concise progress lines (what `followup run` shows).")
def followup_console(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("followup_console", level=logging.INFO)
    logger.addHandler(_LinePrinter())
    return logger
