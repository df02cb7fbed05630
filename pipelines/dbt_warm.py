"""A warm dbt: one process that has imported dbt once forks a child for each dbt command.

Before dbt does anything, its Python start-up imports ~2 s of modules, and `followup run` runs
one dbt command per year (18 at national scale). For the length of a run, `followup run` keeps
a server (`serve`) that imports dbt once and then waits on a Unix socket. dagster-dbt starts the
executable `followup-dbt-warm` (`client`, standard library only, ~30 ms) instead of `dbt`: it
sends its arguments, environment and working folder to the server, which forks a child that runs
the command exactly as the `dbt` executable does (`dbt.cli.main.cli`, a fresh process state of
its own), its output going back through the client's stdout and its exit code becoming the
client's. dagster-dbt sees the same process contract as with `dbt`.

Without a server (FOLLOWUP_DBT_WARM_SOCKET unset or nobody listening, e.g. under `dagster dev`)
the client simply becomes the real `dbt` (exec), so nothing depends on the server being there.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOCKET_ENV = "FOLLOWUP_DBT_WARM_SOCKET"
CLIENT = "followup-dbt-warm"
_EXIT = b"\x00followup-dbt-warm-exit:"
_HOLD = 64  # bytes held back from the client's stdout until the end: the exit trailer


# ---------------------------------------------------------------------------------- client

def _real_dbt() -> str:
    return os.path.join(os.path.dirname(sys.executable), "dbt")


def client(argv: list[str] | None = None) -> int:
    """The `followup-dbt-warm` executable: run one dbt command through the warm server, or as
    the real dbt when there is none."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = os.environ.get(SOCKET_ENV)
    conn = None
    if path:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(path)
        except OSError:
            conn.close()
            conn = None
    if conn is None:
        os.execv(_real_dbt(), ["dbt", *args])
    request = {"args": args, "env": dict(os.environ), "cwd": os.getcwd()}
    conn.sendall(json.dumps(request).encode() + b"\n")
    out = sys.stdout.buffer
    held, code = b"", None
    while chunk := conn.recv(65536):
        if code is not None:  # after the exit code: late output of the child's helpers (stderr)
            sys.stderr.buffer.write(chunk)
            continue
        held += chunk
        i = held.find(_EXIT)
        if i >= 0 and b"\n" in held[i:]:
            out.write(held[:i])
            line, _, rest = held[i + len(_EXIT):].partition(b"\n")
            code = int(line.strip() or 1)
            sys.stderr.buffer.write(rest)
            held = b""
        elif len(held) > _HOLD:
            out.write(held[:-_HOLD])
            held = held[-_HOLD:]
        out.flush()
    conn.close()
    out.write(held)
    out.flush()
    if code is None:
        print("followup-dbt-warm: the dbt child ended without an exit code", file=sys.stderr)
        return 1
    return code


# ---------------------------------------------------------------------------------- server

def _run_child(conn: socket.socket, request: dict) -> None:
    """In the forked child: become the dbt command of `request`, writing into `conn`."""
    code = 1
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        os.dup2(conn.fileno(), 1)
        os.dup2(conn.fileno(), 2)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - the child's stdout until it exits
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.argv = ["dbt", *request["args"]]
        from dbt.cli.main import cli

        try:
            cli()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:  # noqa: BLE001 - report anything, then give the code
        with contextlib.suppress(Exception):
            print(f"followup-dbt-warm: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(Exception):  # what a normal exit would do: release dbt's semaphores
            import multiprocessing.util

            multiprocessing.util._exit_function()
        with contextlib.suppress(Exception):
            os.write(1, b"\n" + _EXIT + str(code).encode() + b"\n")
        os._exit(code)


def serve(path: str) -> None:
    """Listen on `path`; fork a child per request. Runs until terminated, or until the process
    that started it ends (even killed outright: Linux sends this one SIGTERM then)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the starter already ended before the line above
        return
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    # import dbt (and its DuckDB adapter) once; every child starts from here
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.cli.main  # noqa: F401

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    while True:
        conn, _ = listener.accept()
        with conn.makefile("rb") as f:
            request = json.loads(f.readline())
        pid = os.fork()
        if pid == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _run_child(conn, request)
        conn.close()


@contextlib.contextmanager
def warm_dbt():
    """Keep a warm dbt server for the block; dbt commands started inside it (through
    `followup-dbt-warm`) use it. The server is stopped when the block ends."""
    if os.environ.get(SOCKET_ENV):
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="followup-dbt-"))
    path = str(folder / "dbt.sock")
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.dbt_warm", "serve", path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not os.path.exists(path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.environ[SOCKET_ENV] = path
    try:
        yield
    finally:
        os.environ.pop(SOCKET_ENV, None)
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(OSError):
            os.unlink(path)
            folder.rmdir()


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2])
    else:
        sys.exit(client())
