// Command embedded-db runs FerretDB (a MongoDB-compatible database) embedded in one process,
// so that the API and its tests have a real database with nothing but Go installed.
//
// It prints one line "listening <mongodb uri>" on stdout once it accepts connections, and exits
// cleanly on SIGTERM, SIGINT or when its stdin closes (so it never outlives the process that started it).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free one)")
	handler := flag.String("handler", "sqlite", "storage backend: sqlite or postgresql")
	dataDir := flag.String("data", ".data/db", "data folder for the sqlite backend")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL URL for the postgresql backend")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	watchStdin := flag.Bool("watch-stdin", false, "exit when stdin reaches end of file (parent process gone)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fatal("bad -log-level: %v", err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	config := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   logger,
		Handler:  *handler,
	}

	switch *handler {
	case "sqlite":
		dir, err := filepath.Abs(*dataDir)
		if err != nil {
			fatal("bad -data: %v", err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			fatal("cannot create data folder: %v", err)
		}
		config.SQLiteURL = "file:" + dir + "/"
	case "postgresql":
		if *postgresURL == "" {
			fatal("-postgresql-url is required with -handler postgresql")
		}
		config.PostgreSQLURL = *postgresURL
	default:
		fatal("unknown -handler %q (want sqlite or postgresql)", *handler)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	db, err := ferretdb.New(config)
	if err != nil {
		fatal("cannot start: %v", err)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := db.Run(ctx); err != nil {
			logger.Error("stopped with an error", "error", err)
		}
	}()

	// MongoDBURI waits until the listener has its address.
	fmt.Printf("listening %s\n", db.MongoDBURI())

	<-done
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "embedded-db: "+format+"\n", args...)
	os.Exit(1)
}
