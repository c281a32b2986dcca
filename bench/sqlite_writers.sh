#!/usr/bin/env bash
# `repwatch run` on SQLite with everything due every minute (6 RSS sources on a loopback server, the
# alert check, the digest, tagging) while other processes loop over 4 writing commands (alerts
# snooze/unsnooze, mentions import, alerts check). Prints how often anything hit "database is locked".
#   bench/sqlite_writers.sh [SECONDS]        (default 100; run from the repository root)
set -u
seconds=${1:-100}
root=$PWD
python=${PYTHON:-python}
work=$(mktemp -d)
mkdir "$work/www"
"$python" - "$work" <<'PY'
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
work, now = sys.argv[1], datetime.now(UTC)
for feed in range(6):
    items = "".join(
        f"<item><title>Acme {feed}-{n}</title><link>https://example.com/{feed}/{n}</link><guid>g{feed}-{n}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=n * 30 + feed))}</pubDate>"
        f"<description>Acme kept me on hold for an hour ({feed}-{n})</description></item>" for n in range(40))
    with open(f"{work}/www/feed{feed}.xml", "w") as out:
        out.write(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>')
sources = "".join(f"  - {{name: feed{n}, kind: rss, brand: Acme, every: 1m, "
                  f"params: {{urls: ['http://127.0.0.1:8765/feed{n}.xml']}}}}\n" for n in range(6))
with open(f"{work}/config.yaml", "w") as out:
    out.write(f"database: {{url: 'sqlite:///{work}/r.db'}}\nbrands: [{{name: Acme, keywords: [Acme]}}]\n"
              f"sources:\n{sources}network: {{allow_private_hosts: true, min_seconds_between_requests: 0}}\n"
              f"alerts: {{check_every: 1m, min_count: 3}}\ndigest: {{schedule: '* * * * *', output_dir: {work}/digests}}\n")
with open(f"{work}/tickets.csv", "w") as out:
    out.write("id,published_at,text\n" + "".join(f"t{n},2026-11-2{n % 7}T10:00:00Z,ticket {n} waiting\n"
                                                 for n in range(200)))
PY
repwatch() { PYTHONPATH=$root "$python" -m repwatch.cli --config "$work/config.yaml" "$@"; }
(cd "$work/www" && exec "$python" -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
sleep 1
timeout -s TERM "$seconds" bash -c "PYTHONPATH=$root $python -m repwatch.cli --config $work/config.yaml run" \
  >"$work/run.out" 2>"$work/run.err" &
scheduler=$!
sleep 8
rounds=0
end=$((SECONDS + seconds - 15))
while [ $SECONDS -lt $end ]; do
  repwatch alerts snooze slow_response --for 2h >>"$work/cli.out" 2>>"$work/cli.err" &
  repwatch alerts unsnooze slow_response >>"$work/cli.out" 2>>"$work/cli.err" &
  repwatch mentions import "$work/tickets.csv" --source helpdesk >>"$work/cli.out" 2>>"$work/cli.err" &
  repwatch alerts check >>"$work/cli.out" 2>>"$work/cli.err" &
  for job in $(jobs -p); do [ "$job" != "$server" ] && [ "$job" != "$scheduler" ] && wait "$job"; done
  rounds=$((rounds + 1))
done
wait "$scheduler"
kill "$server"
count() { grep -c "$1" "$2"; }
echo "run ($seconds s): database is locked $(count 'database is locked' "$work/run.err"), tracebacks" \
     "$(count Traceback "$work/run.err"), ERROR lines $(count ' ERROR ' "$work/run.err")"
echo "commands ($rounds rounds of 4): database is locked $(count 'database is locked' "$work/cli.err"), tracebacks" \
     "$(count Traceback "$work/cli.err")"
echo "logs in $work"
