#!/usr/bin/env bash
# Start bin/mongodb-server in the background on a loopback port.
#
# Usage: start.sh DATA_DIR PID_FILE [PORT]
#
#   DATA_DIR  directory for the SQLite files (created if missing) and for
#             mongodb-server.log, which receives the server's stdout and stderr
#   PID_FILE  file that receives the server's process id
#   PORT      TCP port on 127.0.0.1; 0 or missing picks a free port
#
# Prints the connection URL, for example mongodb://127.0.0.1:40123/, once the
# server accepts TCP connections. Stop it with: kill "$(cat PID_FILE)"
# Run build.sh first.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
	echo "usage: start.sh DATA_DIR PID_FILE [PORT]" >&2
	exit 2
fi

data_dir="$1"
pid_file="$2"
port="${3:-0}"

if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || ((10#$port > 65535)); then
	echo "start.sh: invalid PORT '$port': expected a number from 0 to 65535" >&2
	exit 2
fi
port=$((10#$port))

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$here/bin/mongodb-server"

if [[ ! -x "$binary" ]]; then
	echo "start.sh: $binary not found. Run $here/build.sh first" >&2
	exit 1
fi

mkdir -p -- "$data_dir"
log_file="$data_dir/mongodb-server.log"

# Create the log before the background start, so the wait loop can read it
# even when the background shell has not opened it yet.
: >"$log_file"

# Arguments go to the binary as separate words and are never evaluated.
"$binary" -listen "127.0.0.1:$port" -dir "$data_dir" </dev/null >"$log_file" 2>&1 &
pid=$!
echo "$pid" >"$pid_file"

# The binary prints "listening 127.0.0.1:PORT" once the listener is bound.
timeout_seconds=30
address=""
for ((attempt = 0; attempt < timeout_seconds * 10; attempt++)); do
	address="$(sed -n 's/^listening \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$log_file")"
	if [[ -n "$address" ]]; then
		break
	fi

	if ! kill -0 "$pid" 2>/dev/null; then
		echo "start.sh: mongodb-server (pid $pid) exited before listening. Its output follows" >&2
		cat "$log_file" >&2
		rm -f -- "$pid_file"
		exit 1
	fi

	sleep 0.1
done

if [[ -z "$address" ]]; then
	echo "start.sh: mongodb-server (pid $pid) did not listen within $timeout_seconds s, so it is being stopped. See $log_file" >&2
	kill "$pid" 2>/dev/null || true
	rm -f -- "$pid_file"
	exit 1
fi

# Check that the port accepts a TCP connection, not only that it is bound.
if ! exec 3<>"/dev/tcp/${address%:*}/${address##*:}"; then
	echo "start.sh: mongodb-server (pid $pid) printed $address but rejected a TCP connection, so it is being stopped. See $log_file" >&2
	kill "$pid" 2>/dev/null || true
	rm -f -- "$pid_file"
	exit 1
fi
exec 3>&-

echo "mongodb://$address/"
