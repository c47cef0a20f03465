#!/usr/bin/env bash
# Run the whole test suite twice: on the embedded store, then on MongoDB.
#
# The MongoDB run uses PAAS_TEST_MONGODB_URL when it is set. Otherwise it builds and starts
# the FerretDB wire-protocol server of test/mongodb-server on a loopback port, and stops it at
# the end. Missing Debian tools (kdig, dig, logger, rsyslogd, curl) are installed when running
# as root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

need_packages=()
command -v kdig >/dev/null 2>&1 || need_packages+=(knot-dnsutils)
command -v dig >/dev/null 2>&1 || need_packages+=(dnsutils)
command -v logger >/dev/null 2>&1 || need_packages+=(bsdutils)
command -v rsyslogd >/dev/null 2>&1 || need_packages+=(rsyslog)
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
if ((${#need_packages[@]} > 0)); then
	if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
		echo "run-all: installing ${need_packages[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
	else
		echo "run-all: install the Debian packages ${need_packages[*]} first; the tests use them as real clients and peers" >&2
		exit 1
	fi
fi

npm run build

results="$(mktemp)"
server_dir=""
cleanup() {
	rm -f -- "$results"
	if [[ -n "$server_dir" && -f "$server_dir/pid" ]]; then
		kill "$(cat "$server_dir/pid")" 2>/dev/null || true
	fi
	if [[ -n "$server_dir" ]]; then
		rm -rf -- "$server_dir"
	fi
}
trap cleanup EXIT

echo "run-all: test run 1 of 2, store backend: embedded (SQLite)"
embedded_status=0
env -u PAAS_TEST_MONGODB_URL node --test --test-concurrency=1 dist/test/ | tee -a "$results" || embedded_status=$?

mongodb_url="${PAAS_TEST_MONGODB_URL:-}"
if [[ -z "$mongodb_url" ]]; then
	bash test/mongodb-server/build.sh
	server_dir="$(mktemp -d)"
	mongodb_url="$(bash test/mongodb-server/start.sh "$server_dir/data" "$server_dir/pid")"
	echo "run-all: started FerretDB at $mongodb_url"
fi

echo "run-all: test run 2 of 2, store backend: mongodb ($mongodb_url)"
mongodb_status=0
PAAS_TEST_MONGODB_URL="$mongodb_url" node --test --test-concurrency=1 dist/test/ | tee -a "$results" || mongodb_status=$?

echo "run-all: embedded run exit ${embedded_status}, mongodb run exit ${mongodb_status}"
passed=$(awk '/^# pass / { sum += $3 } END { print sum + 0 }' "$results")
failed=$(awk '/^# fail / { sum += $3 } END { print sum + 0 }' "$results")
echo "run-all: ${passed} passed, ${failed} failed"
if ((embedded_status != 0 || mongodb_status != 0)); then
	exit 1
fi
