"""Which raw files may be read at all (contract section 4, amended 2026-11-30).

A raw file is read only when it is a regular file whose real path lies inside the raw directory.
A link may lead to another place in the raw directory; one that leads outside it (a link to
`/etc/passwd`, or a year folder that is a link to somewhere else) is refused unread, and nothing
of where it leads is shown. A link loop, a link to nothing, a folder, pipe or device where a file
belongs, and a file whose name is not UTF-8 are refused too, each with one issue naming the file
(bytes of the name that are not UTF-8 shown escaped: `0483\\xff.csv`).

Every loader, the year discovery and the sensor's fingerprint list and open raw files through
here, so none of them follows a link out of the raw directory or crashes on a strange name.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .issues import FileRuleError

FILE_NAME_ENCODING = "file_name_encoding"
LINK_OUTSIDE_RAW = "link_outside_raw"
UNREADABLE = "unreadable"


def shown(name: str) -> str:
    """A name as issues show it: as it is when it is UTF-8, else with the other bytes escaped.

    Names that are not UTF-8 come from the file system with their bytes as lone surrogates
    (Python's surrogateescape); they cannot be stored or printed as they are."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        try:
            return os.fsencode(name).decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that is no escaped byte
            return name.encode("utf-8", "backslashreplace").decode("utf-8")


def name_is_utf8(name: str) -> bool:
    return shown(name) == name


def rel(path: Path, root: Path) -> str:
    """`path` as issues name it: relative to the raw directory, escaped where not UTF-8."""
    try:
        return shown(str(path.relative_to(root)))
    except ValueError:
        return shown(str(path))


def entries(folder: Path) -> list[Path]:
    """The entries of a raw folder in name order, hidden ones (`.name`) left out; none when the
    folder is missing or cannot be listed."""
    try:
        return sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return []


def _real_root(root: Path) -> Path:
    return root.resolve()


def refusal(path: Path, root: Path) -> FileRuleError | None:
    """Why `path` may not be read (a FileRuleError naming it, row and column null), or None."""
    file = rel(path, root)
    try:
        inner = str(path.relative_to(root))
    except ValueError:
        inner = str(path)
    if not name_is_utf8(inner):
        return FileRuleError(file, FILE_NAME_ENCODING,
                             "the file name is not UTF-8 (shown here with the other bytes escaped): rename the file")
    try:
        real = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a symlink loop so
        return FileRuleError(file, UNREADABLE, "the file is a link loop (it leads back to itself): it cannot be read")
    except OSError as e:
        if e.errno == errno.ELOOP:
            return FileRuleError(file, UNREADABLE, "the file is a link loop (it leads back to itself): it cannot be read")
        if path.is_symlink():
            return FileRuleError(file, UNREADABLE, "the file is a link that leads nowhere (its target does not exist)")
        return FileRuleError(file, UNREADABLE, f"the file cannot be read ({e.strerror or type(e).__name__})")
    if not real.is_relative_to(_real_root(root)):
        return FileRuleError(file, LINK_OUTSIDE_RAW,
                             "the file is a link leading outside the raw directory (the file or one of its folders): "
                             "it is not read; put the file itself in the raw directory")
    try:
        mode = real.stat().st_mode
    except OSError as e:
        return FileRuleError(file, UNREADABLE, f"the file cannot be read ({e.strerror or type(e).__name__})")
    if not stat.S_ISREG(mode):
        return FileRuleError(file, UNREADABLE, "not a regular file (a folder, pipe or device): it cannot be read")
    return None


def readable(path: Path, root: Path) -> bool:
    return refusal(path, root) is None


def fingerprint_stat(path: Path) -> tuple[int, int]:
    """(size, modification time) of an entry for the sensor's cursor, without following a link
    that leads nowhere or in a loop (then the link's own)."""
    try:
        st = path.stat()
    except OSError:
        try:
            st = path.lstat()
        except OSError:
            return (-1, -1)
    return st.st_size, st.st_mtime_ns
