#!/usr/bin/env bash
# Build bin/mongodb-server (embedded FerretDB with SQLite) from this folder.
#
# The build is skipped when bin/mongodb-server is newer than main.go, go.mod
# and go.sum, so repeated test runs on one machine reuse the binary.
# Set MONGODB_SERVER_REBUILD=1 to build anyway.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$here/bin/mongodb-server"

if ! command -v go >/dev/null 2>&1; then
	echo "build.sh: go not found in PATH. Install Go 1.24 or newer" >&2
	exit 1
fi

if [[ "${MONGODB_SERVER_REBUILD:-0}" != "1" && -x "$binary" ]]; then
	stale=0
	for source in main.go go.mod go.sum; do
		if [[ "$here/$source" -nt "$binary" ]]; then
			stale=1
		fi
	done

	if [[ "$stale" == "0" ]]; then
		echo "build.sh: $binary is newer than main.go, go.mod and go.sum; skipping the build"
		exit 0
	fi
fi

mkdir -p "$here/bin"

echo "build.sh: building $binary; without a warm Go build cache this downloads and compiles FerretDB and its dependencies"
start=$(date +%s)

# -mod=readonly makes go build fail instead of editing go.mod, and go.sum
# pins the checksum of every module it downloads.
(
	cd "$here"
	CGO_ENABLED=0 go build -mod=readonly -trimpath -o "$binary" .
)

echo "build.sh: built $binary in $(($(date +%s) - start)) s"
