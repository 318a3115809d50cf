#!/usr/bin/env bash
# demo.sh: zeroplug's command-line tool in a few seconds (`make demo` installs what it needs,
# libzmq3-dev for zmqpeer among it, and builds bin/ first).
#
#   1. PUB/SUB over tcp     a SUB with a prefix filter gets only the matching lines
#   2. REQ/REP over ipc     a REP --echo, and a REQ printing each reply
#   3. PUSH/PULL, tcp+ipc   one PUSH, two PULL workers sharing the lines round-robin
#   4. interop              libzmq's zmqpeer sending to zeroplug (when bin/zmqpeer exists)
#
# Every step checks its output; the script exits 1 if one did not show what it should.
# Processes and files it made are removed on exit. ZEROPLUG and ZMQPEER override the paths
# of bin/zeroplug and bin/zmqpeer.
set -euo pipefail

cd "$(dirname "$0")/.."
zeroplug=${ZEROPLUG:-bin/zeroplug}
zmqpeer=${ZMQPEER:-bin/zmqpeer}
if [ ! -x "$zeroplug" ]; then
	echo "demo: $zeroplug not found: run \`make build\` (or \`make demo\`) first" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zeroplug-demo.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=0
bold='' green='' red='' plain=''
if [ -t 1 ]; then
	bold=$'\033[1m' green=$'\033[32m' red=$'\033[31m' plain=$'\033[0m'
fi
heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '  $ %s\n' "$*"; }
ok() { printf '  %sok%s: %s\n' "$green" "$plain" "$*"; }
bad() {
	printf '  %sFAILED%s: %s\n' "$red" "$plain" "$*"
	failed=1
}
indent() { sed 's/^/    | /' "$@"; }

# start FILE CMD...: runs CMD in the background, stdout to FILE.out, stderr to FILE.err.
start() {
	local name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	pids+=($!)
	last_pid=$!
}

# bound NAME: the endpoint a socket bound to a wildcard port reports on stderr.
bound() {
	local i
	for i in $(seq 100); do
		if grep -q ' bound to ' "$tmp/$1.err" 2>/dev/null; then
			sed -n 's/.* bound to //p' "$tmp/$1.err" | head -n1
			return
		fi
		sleep 0.05
	done
	echo "demo: $1 reported no endpoint; its stderr:" >&2
	indent "$tmp/$1.err" >&2
	return 1
}

# finish PID SECONDS: waits for PID to exit, killing it after SECONDS; its status.
finish() {
	local pid=$1 i
	for i in $(seq $(($2 * 20))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	local status=0
	wait "$pid" 2>/dev/null || status=$?
	return $status
}

# wait_ipc PATH: waits until a bound ipc socket's file exists.
wait_ipc() {
	local i
	for i in $(seq 100); do
		[ -S "$1" ] && return
		sleep 0.05
	done
}

heading "1. PUB/SUB over tcp: a SUB subscribed to \"weather.\" prints only the weather"
show "zeroplug cat -t SUB -b 'tcp://127.0.0.1:*' -s weather. -n 3 &"
start sub "$zeroplug" cat -t SUB -b 'tcp://127.0.0.1:*' -s weather. -n 3
sub_pid=$last_pid
ep=$(bound sub)
printf 'weather.paris|sunny\nsports.football|2-1\nweather.oslo|snow\nnews.today|all quiet\nweather.rome|hot\n' >"$tmp/pub.in"
show "(sleep 0.5; cat pub.in) | zeroplug cat -t PUB -c $ep   # pub.in:"
indent "$tmp/pub.in"
# The pause: a PUB drops what it sends before the SUB's subscription has reached it.
(sleep 0.5; cat "$tmp/pub.in") | "$zeroplug" cat -t PUB -c "$ep"
if finish "$sub_pid" 5; then :; else bad "the SUB did not exit after 3 messages"; fi
echo "  the SUB printed:"
indent "$tmp/sub.out"
if [ "$(cat "$tmp/sub.out")" = "$(grep '^weather\.' "$tmp/pub.in")" ]; then
	ok "3 weather lines, two frames each; sports and news filtered out by the PUB"
else
	bad "want exactly the weather lines"
fi

heading "2. REQ/REP over ipc: a REP --echo server, a REQ printing each reply"
ipc="ipc://$tmp/echo.ipc"
show "zeroplug cat -t REP -b $ipc --echo &"
start rep "$zeroplug" cat -t REP -b "$ipc" --echo
rep_pid=$last_pid
printf 'hello\nhow are you?\nmulti|part|message\n' >"$tmp/req.in"
show "zeroplug cat -t REQ -c $ipc   # stdin:"
indent "$tmp/req.in"
"$zeroplug" cat -t REQ -c "$ipc" <"$tmp/req.in" >"$tmp/req.out"
echo "  the REQ printed the replies:"
indent "$tmp/req.out"
if cmp -s "$tmp/req.in" "$tmp/req.out"; then
	ok "every request came back, in order, multipart included"
else
	bad "want the requests back"
fi
kill -INT "$rep_pid"
if finish "$rep_pid" 5; then
	ok "the REP --echo exited with status 0 on SIGINT"
else
	bad "the REP did not exit cleanly on SIGINT"
fi

heading "3. PUSH/PULL: one PUSH, two PULL workers (one over tcp, one over ipc) sharing the tasks"
work_ipc="ipc://$tmp/worker-b.ipc"
show "zeroplug cat -t PULL -b 'tcp://127.0.0.1:*' -n 3 &   # worker A"
start worker_a "$zeroplug" cat -t PULL -b 'tcp://127.0.0.1:*' -n 3
a_pid=$last_pid
show "zeroplug cat -t PULL -b $work_ipc -n 3 &   # worker B"
start worker_b "$zeroplug" cat -t PULL -b "$work_ipc" -n 3
b_pid=$last_pid
ep_a=$(bound worker_a)
wait_ipc "$tmp/worker-b.ipc"
printf 'task 1\ntask 2\ntask 3\ntask 4\ntask 5\ntask 6\n' >"$tmp/push.in"
show "zeroplug cat -t PUSH -c $ep_a -c $work_ipc   # stdin: task 1 ... task 6"
"$zeroplug" cat -t PUSH -c "$ep_a" -c "$work_ipc" <"$tmp/push.in"
finish "$a_pid" 5 || bad "worker A did not exit after 3 tasks"
finish "$b_pid" 5 || bad "worker B did not exit after 3 tasks"
echo "  worker A printed:"
indent "$tmp/worker_a.out"
echo "  worker B printed:"
indent "$tmp/worker_b.out"
if [ "$(wc -l <"$tmp/worker_a.out")" -eq 3 ] && [ "$(wc -l <"$tmp/worker_b.out")" -eq 3 ] &&
	[ "$(sort "$tmp/worker_a.out" "$tmp/worker_b.out")" = "$(sort "$tmp/push.in")" ]; then
	ok "3 tasks each, every task once: round-robin across both transports"
else
	bad "want 3 different tasks per worker, 6 in all"
fi

heading "4. Interop: libzmq's zmqpeer sends, zeroplug receives"
if [ -x "$zmqpeer" ]; then
	start interop "$zeroplug" cat -t PULL -b 'tcp://127.0.0.1:*' -n 2
	pull_pid=$last_pid
	ep=$(bound interop)
	show "zeroplug cat -t PULL -b 'tcp://127.0.0.1:*' -n 2 &   # bound to $ep"
	show "printf 'hello from libzmq\\na|b\\n' | $zmqpeer send PUSH connect $ep"
	printf 'hello from libzmq\na|b\n' | "$zmqpeer" send PUSH connect "$ep"
	finish "$pull_pid" 5 || bad "zeroplug did not exit after 2 messages"
	echo "  zeroplug printed:"
	indent "$tmp/interop.out"
	if [ "$(cat "$tmp/interop.out")" = "$(printf 'hello from libzmq\na|b')" ]; then
		ok "libzmq 4.3 and zeroplug speak the same ZMTP"
	else
		bad "want libzmq's two messages"
	fi
else
	echo "  skipped: $zmqpeer not found (\`make demo\` installs libzmq3-dev and builds it)"
fi

echo
if [ "$failed" -ne 0 ]; then
	echo "demo: some steps FAILED" >&2
	exit 1
fi
echo "demo: all steps ok"
