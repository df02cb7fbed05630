#!/usr/bin/env bash
# The demo's load as one run (issue 12), measured with farm-bench (medians, paired ratios):
#   1. `followup run --force --no-reports` (every year loaded) against the per-year design it
#      replaced (commit b51c60a, run from a git worktree of this repository);
#   2. `followup run --no-reports` with nothing changed against the full load;
#   3. `followup publish --no-reports` (models rebuilt from the landed data) against the full load.
# Usage: bench/one_run.sh [RUNS]   (default 5; about 15 minutes on a quiet 2-core machine)
# Needs farm-bench on PATH and the project's .venv (make run makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD RUNS=${1:-5} OLD=b51c60a
WORK=$(mktemp -d /tmp/followup-one-run.XXXXXX)
trap 'git -C "$REPO" worktree remove --force "$WORK/old" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
PY=$REPO/.venv/bin/python

git worktree add --detach "$WORK/old" "$OLD" >/dev/null 2>&1
# b51c60a's dagster-dbt started dbt through its console script `followup-dbt-warm`
mkdir -p "$WORK/bin"
cat > "$WORK/bin/followup-dbt-warm" <<SH
#!/bin/sh
PYTHONPATH=$WORK/old exec $PY -c "import sys; from pipelines.dbt_warm import client; sys.exit(client())" "\$@"
SH
chmod +x "$WORK/bin/followup-dbt-warm"

cat > "$WORK/old.sh" <<SH
#!/bin/sh
cd $WORK/old && PATH=$WORK/bin:$REPO/.venv/bin:\$PATH PYTHONPATH=$WORK/old FOLLOWUP_RAW_DIR=$REPO/raw \
FOLLOWUP_WAREHOUSE_DIR=$WORK/wh_old exec $PY -m pipelines.cli run --no-reports
SH
for what in "run --force --no-reports:full" "run --no-reports:noop" "publish --no-reports:publish"; do
  cat > "$WORK/${what##*:}.sh" <<SH
#!/bin/sh
cd $REPO && FOLLOWUP_RAW_DIR=$REPO/raw FOLLOWUP_WAREHOUSE_DIR=$WORK/wh_new exec $PY -m pipelines.cli ${what%%:*}
SH
done
chmod +x "$WORK"/*.sh

echo "== 1. the demo's load, every year, without reports: now (A) against b51c60a's per-year runs (B)"
farm-bench -n "$RUNS" --timeout 3600 --vs "$WORK/old.sh" -- "$WORK/full.sh"
echo "== 2. nothing changed (A) against the full load (B); each full load leaves nothing changed for the next A"
farm-bench -n "$RUNS" --timeout 3600 --vs "$WORK/full.sh" -- "$WORK/noop.sh"
echo "== 3. followup publish (A) against the full load (B)"
farm-bench -n "$RUNS" --timeout 3600 --vs "$WORK/full.sh" -- "$WORK/publish.sh"
