// Command mongodb-server runs an embedded FerretDB with the SQLite backend,
// so tests can talk to a real MongoDB wire-protocol server without MongoDB.
//
// It prints exactly one line to stdout, "listening HOST:PORT", once the TCP
// listener is bound, and logs to stderr. SIGTERM or SIGINT stops it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/build/version"
	"github.com/FerretDB/FerretDB/ferretdb"
)

// ferretDBModule is the module path whose version buildInfo reports.
const ferretDBModule = "github.com/FerretDB/FerretDB"

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on, as host:port; port 0 picks a free port")
	dir := flag.String("dir", "", "directory for the SQLite database files; created if missing (required)")
	logLevel := flag.String("log-level", "warn", "minimum level of log lines written to stderr: debug, info, warn or error")
	flag.Parse()

	if err := run(*listen, *dir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "mongodb-server: %v\n", err)
		os.Exit(1)
	}
}

func run(listen, dir, logLevel string) error {
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: pass options only as -listen, -dir and -log-level", flag.Args())
	}

	if dir == "" {
		return errors.New("missing -dir: give the directory for the SQLite database files")
	}

	if _, _, err := net.SplitHostPort(listen); err != nil {
		return fmt.Errorf("invalid -listen %q: expected host:port, for example 127.0.0.1:0: %w", listen, err)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: use debug, info, warn or error", logLevel)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	setFerretDBVersion()

	sqliteURL, err := prepareSQLiteURL(dir)
	if err != nil {
		return err
	}

	// ferretdb.New binds the listener before it returns, so a port of 0 is
	// already resolved below. The embedded package never starts the telemetry
	// reporter and marks telemetry as disabled in its state (FerretDB v1.24.2).
	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return fmt.Errorf("failed to start FerretDB on %s with data in %s: %w", listen, dir, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	done := make(chan error, 1)

	go func() {
		done <- server.Run(ctx)
	}()

	uri, err := url.Parse(server.MongoDBURI())
	if err != nil {
		return fmt.Errorf("failed to parse the MongoDB URI of the listener: %w", err)
	}

	// The harness waits for this line, so it is the only output on stdout.
	fmt.Printf("listening %s\n", uri.Host)

	logger.Info("mongodb-server started", slog.String("address", uri.Host), slog.String("dir", dir))

	err = <-done
	logger.Info("mongodb-server stopped", slog.String("address", uri.Host))

	return err
}

// prepareSQLiteURL creates dir if needed and returns the "file:" URI that the
// FerretDB SQLite backend expects: an absolute directory path ending with "/".
func prepareSQLiteURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("invalid -dir %q: %w", dir, err)
	}

	// FerretDB v1.24.2 builds each database's SQLite URI from the unescaped
	// directory path, so SQLite would read '?' and '#' as URI delimiters and
	// '%' as an escape, and store every database in one wrong file.
	if strings.ContainsAny(abs, "?#%") {
		return "", fmt.Errorf("invalid -dir %q: the path must not contain '?', '#' or '%%'", abs)
	}

	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("failed to create -dir %q: %w", abs, err)
	}

	if !strings.HasSuffix(abs, "/") {
		abs += "/"
	}

	return (&url.URL{Scheme: "file", Path: abs}).String(), nil
}

// setFerretDBVersion copies the FerretDB module version from the build
// information into the version that the buildInfo command returns as
// ferretdbVersion. Without it, an embedded FerretDB returns "unknown".
func setFerretDBVersion() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}

	for _, dep := range info.Deps {
		if dep.Path == ferretDBModule {
			version.Get().Version = dep.Version
			return
		}
	}
}
