#!/usr/bin/env bash
# bench/run.sh — strata-server vs redis-server, side by side (`make bench`).
#
# Starts both servers with persistence off (--save "" --appendonly no), each on
# its own free loopback port in a scratch dir, then runs redis-benchmark
# (--csv) for every row of ROWS against both, alternating strata and redis
# run by run (the order flips each round so neither always goes first), for
# BENCH_ROUNDS rounds. The figure per row and server is the MEDIAN
# requests/second over the rounds; the ratio is the MEDIAN of the per-round
# ratios (each from two back-to-back runs, so a machine that gets busier
# during the run moves both sides of a ratio together), with its min-max
# over the rounds as a noise gauge. Prints one markdown table:
#   test | pipeline | strata rps | redis rps | strata/redis | range
# Servers are killed on exit (trap), every redis-benchmark run is bounded by
# BENCH_TIMEOUT seconds. Exit status: 0 ok, 1 a server or run failed, 2 a
# ratio is below BENCH_MIN_RATIO (only when that is set).
#
# Environment (defaults):
#   BENCH_N=200000 requests per run      BENCH_ROUNDS=3 (at least 2)
#   BENCH_CLIENTS=50   BENCH_DATA=64 (-d bytes)   BENCH_KEYSPACE=100000 (-r; 0: off)
#   BENCH_TIMEOUT=120  BENCH_MIN_RATIO=(unset)    BENCH_ROWS="set:1 get:1 ..." (override)
#   STRATA_SERVER=./bin/strata-server  REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI (PATH)
#
# Extending: add "test:pipeline" words to ROWS, where test is a redis-benchmark
# -t name (lpush, hset, sadd, zadd, lrange_100, ...).
set -u

ROWS=(set:1 get:1 set:16 get:16 incr:1 lpush:1 lrange_100:1 hset:1 sadd:1 zadd:1)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRATA_SERVER=${STRATA_SERVER:-$ROOT/bin/strata-server}
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || true)}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-$(command -v redis-benchmark || true)}
REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli || true)}
N=${BENCH_N:-200000}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-50}
DATA=${BENCH_DATA:-64}
KEYSPACE=${BENCH_KEYSPACE:-100000}
TIMEOUT=${BENCH_TIMEOUT:-120}
MIN_RATIO=${BENCH_MIN_RATIO:-}
if [ -n "${BENCH_ROWS:-}" ]; then read -r -a ROWS <<<"$BENCH_ROWS"; fi
[ "$ROUNDS" -ge 2 ] 2>/dev/null || ROUNDS=2

die() { echo "bench: $*" >&2; exit 1; }
for b in "$STRATA_SERVER" "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI"; do
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		die "missing executable: '${b}' (STRATA_SERVER / REDIS_SERVER / REDIS_BENCHMARK / REDIS_CLI)"
	fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-XXXXXX") || die "mktemp failed"
declare -A PID PORT
FAILED=0

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
	for name in "${!PID[@]}"; do
		local pid=${PID[$name]}
		kill "$pid" 2>/dev/null || continue
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "$FAILED" -eq 0 ]; then rm -rf "$WORK"; else echo "bench: logs kept in $WORK" >&2; fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 1' INT TERM

free_port() {
	perl -MIO::Socket::INET -e \
		'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0) or exit 1; print $s->sockport, "\n"' \
		2>/dev/null || echo $((20000 + RANDOM % 20000))
}

# start_server NAME BINARY: sets PID[NAME] and PORT[NAME], or fails.
start_server() {
	local name=$1 bin=$2 dir=$WORK/$1 port pid reply
	mkdir -p "$dir"
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		"$bin" --port "$port" --bind 127.0.0.1 --daemonize no --save "" --appendonly no \
			--dir "$dir" --logfile "$dir/server.log" >>"$dir/stdio.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			reply=$("$REDIS_CLI" -h 127.0.0.1 -p "$port" ping 2>/dev/null)
			if [ "$reply" = PONG ]; then
				# someone else's server on this port? (INFO process_id, if any)
				local other
				other=$("$REDIS_CLI" -h 127.0.0.1 -p "$port" info server 2>/dev/null |
					tr -d '\r' | sed -n 's/^process_id://p')
				if [ -z "$other" ] || [ "$other" = "$pid" ]; then
					PID[$name]=$pid
					PORT[$name]=$port
					return 0
				fi
				break
			fi
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	echo "bench: cannot start $name ($bin); last log lines:" >&2
	tail -n 20 "$dir/server.log" "$dir/stdio.log" >&2 2>/dev/null
	FAILED=1
	return 1
}

# run_one NAME TEST PIPELINE: prints the requests/second, or nothing.
run_one() {
	local name=$1 test=$2 pipe=$3 out
	local args=(-h 127.0.0.1 -p "${PORT[$name]}" -c "$CLIENTS" -n "$N" -d "$DATA" -P "$pipe" -t "$test" --csv)
	[ "$KEYSPACE" -gt 0 ] 2>/dev/null && args+=(-r "$KEYSPACE")
	if ! out=$(timeout "$TIMEOUT" "$REDIS_BENCHMARK" "${args[@]}" 2>>"$WORK/benchmark.err"); then
		echo "bench: redis-benchmark ${args[*]} against $name failed" >&2
		return 1
	fi
	# "test","rps",...  then  "SET","123456.79",...
	printf '%s\n' "$out" | awk -F'","' 'NR == 2 { gsub(/"/, "", $2); print $2; exit }'
}

median() {
	sort -g | awk 'NF { v[++n] = $1 } END {
		if (n == 0) { print ""; exit }
		if (n % 2) printf "%.2f\n", v[(n + 1) / 2]
		else printf "%.2f\n", (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

start_server strata "$STRATA_SERVER" || exit 1
start_server redis "$REDIS_SERVER" || exit 1

declare -A SAMPLES RATIOS
for round in $(seq "$ROUNDS"); do
	if [ $((round % 2)) -eq 1 ]; then order=(strata redis); else order=(redis strata); fi
	for row in "${ROWS[@]}"; do
		test=${row%%:*} pipe=${row##*:}
		declare -A got=()
		for name in "${order[@]}"; do
			rps=$(run_one "$name" "$test" "$pipe")
			[ -n "$rps" ] || FAILED=1
			got[$name]=$rps
			SAMPLES[$name,$row]+="$rps"$'\n'
			printf 'bench: round %d/%d %-8s -P %-3s %-6s %s\n' "$round" "$ROUNDS" "$test" "$pipe" \
				"$name" "${rps:-FAILED}" >&2
		done
		if [ -n "${got[strata]}" ] && [ -n "${got[redis]}" ]; then
			RATIOS[$row]+=$(awk -v s="${got[strata]}" -v r="${got[redis]}" \
				'BEGIN { if (r > 0) printf "%.4f", s / r }')$'\n'
		fi
	done
done

redis_version=$("$REDIS_SERVER" --version 2>/dev/null | sed -n 's/.*v=\([^ ]*\).*/\1/p')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo
echo "strata ($STRATA_SERVER) vs redis-server ${redis_version:-?}, $(nproc) CPU(s) ${cpu:+($cpu)}"
echo "redis-benchmark -c $CLIENTS -n $N -d $DATA$([ "$KEYSPACE" -gt 0 ] 2>/dev/null && echo " -r $KEYSPACE") --csv;" \
	"median of $ROUNDS alternating rounds"
echo
echo "| test | pipeline | strata rps | redis rps | strata/redis | range |"
echo "|------|---------:|-----------:|----------:|-------------:|-------|"
LOW=0
for row in "${ROWS[@]}"; do
	test=${row%%:*} pipe=${row##*:}
	s=$(printf '%s' "${SAMPLES[strata,$row]:-}" | median)
	r=$(printf '%s' "${SAMPLES[redis,$row]:-}" | median)
	ratio=$(printf '%s' "${RATIOS[$row]:-}" | median)
	range=$(printf '%s' "${RATIOS[$row]:-}" | sort -g | awk 'NF { v[++n] = $1 } END {
		if (n) printf "%.2f-%.2f", v[1], v[n] }')
	ratio=$(awk -v x="$ratio" 'BEGIN { if (x == "") print "n/a"; else printf "%.2f", x }')
	printf '| %s | %s | %s | %s | %s | %s |\n' "$(echo "$test" | tr '[:lower:]' '[:upper:]')" \
		"$pipe" "${s:-FAILED}" "${r:-FAILED}" "$ratio" "${range:-n/a}"
	if [ -n "$MIN_RATIO" ] && [ "$ratio" != n/a ] &&
		awk -v a="$ratio" -v m="$MIN_RATIO" 'BEGIN { exit !(a < m) }'; then LOW=1; fi
done

[ "$FAILED" -eq 0 ] || exit 1
[ "$LOW" -eq 0 ] || { echo "bench: a ratio is below BENCH_MIN_RATIO=$MIN_RATIO" >&2; exit 2; }
exit 0
