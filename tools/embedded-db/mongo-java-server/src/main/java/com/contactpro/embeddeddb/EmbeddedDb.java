package com.contactpro.embeddeddb;

import de.bwaldvogel.mongo.MongoServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import sun.misc.Signal;

/**
 * Runs mongo-java-server (a MongoDB wire-protocol server) over an H2 MVStore file, so that the API and its
 * tests have a database that keeps its data across restarts with nothing but a JDK installed.
 *
 * <p>Same contract as the FerretDB launcher: flags {@code --listen HOST:PORT --data DIR --log-level LEVEL
 * --watch-stdin}; one line {@code listening mongodb://HOST:PORT/} on stdout once it accepts connections; a
 * clean exit on SIGTERM, SIGINT or end of stdin. Any failure to start is one line on stderr and exit code 1.
 */
public final class EmbeddedDb {
  private static final String DATA_FILE = "contactpro.mv";
  /**
   * How long an acknowledged write may stay in memory only. MVStore commits in the background (by default
   * once a second), and the parent SIGKILLs this process when it exits without stopping it: that is what
   * such an exit can lose. Committing after every command instead made 20 000 single inserts 3x slower and
   * the file up to 35x bigger (each commit is a chunk, kept for MVStore's 45 s retention). SIGTERM and the
   * end of stdin lose nothing: closing the store commits.
   */
  private static final int COMMIT_DELAY_MS = 100;
  /**
   * netty threads that run the commands. mongo-java-server answers each command on its connection's event
   * loop thread, and a query waits there for its collection's lock: with netty's default (2 per core) a
   * driver's heartbeat shares a thread with queued queries, misses its timeout under load, and the driver
   * then drops every connection. Connections are spread over the threads in turn, so with this many each
   * of the API's connections (50 in its pool, plus the monitors) has a thread of its own.
   */
  private static final int WORKER_THREADS = 64;
  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

  public static void main(String[] args) {
    try {
      start(args);
    } catch (RuntimeException | Error e) {
      // Whatever else goes wrong while starting is still one line and exit 1, never a half-started process.
      throw fatal("cannot start: " + describe(e));
    }
  }

  private static void start(String[] args) {
    String listen = "127.0.0.1:0";
    String dataDir = ".data/db";
    String logLevel = "warn";
    boolean watchStdin = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      switch (name) {
        case "--watch-stdin" -> watchStdin = true;
        case "--listen", "--data", "--log-level" -> {
          String value;
          if (arg.contains("=")) {
            value = arg.substring(arg.indexOf('=') + 1);
          } else if (i + 1 < args.length) {
            value = args[++i];
          } else {
            throw fatal(name + " needs a value");
          }
          if (name.equals("--listen")) listen = value;
          else if (name.equals("--data")) dataDir = value;
          else logLevel = value.toLowerCase(Locale.ROOT);
        }
        default -> throw fatal("unknown flag " + arg
            + " (usage: --listen HOST:PORT --data DIR --log-level LEVEL --watch-stdin)");
      }
    }
    if (!LOG_LEVELS.contains(logLevel)) {
      throw fatal("bad --log-level " + logLevel + " (want one of " + LOG_LEVELS + ")");
    }
    configureLogging(logLevel);

    InetSocketAddress address = parseListen(listen);
    Path file = openableDataFile(Path.of(dataDir).toAbsolutePath().normalize());
    MVStore store = openStore(file);
    MongoServer server = new MongoServer(new ContactProBackend(store));
    try {
      server.bind(address, 1, WORKER_THREADS);
    } catch (Exception e) {
      // netty rethrows the checked BindException undeclared, past MongoServer's own cleanup: without this
      // shutdown its event loop threads would keep the process alive, neither listening nor exiting.
      server.shutdownNow();
      throw fatal("cannot listen on " + listen + ": " + describeBindFailure(e));
    }

    // Closing the backend closes the MVStore, which writes the last changes and leaves a consistent file.
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "embedded-db-shutdown"));
    // A requested stop is a clean exit (0, as the FerretDB launcher), not the JVM's default 128 + signal.
    // sun.misc.Signal is the JDK's only signal API; javac warns that it is internal, and it is here to stay.
    for (String signal : new String[] {"TERM", "INT"}) Signal.handle(new Signal(signal), s -> System.exit(0));
    if (watchStdin) watchStdin();

    InetSocketAddress bound = server.getLocalAddress();
    String host = address.getHostString();
    if (host.contains(":")) host = "[" + host + "]";
    System.out.println("listening mongodb://" + host + ":" + bound.getPort() + "/");
    System.out.flush();
    // netty's non-daemon event loop threads keep the process alive until a signal or stdin EOF.
  }

  private static void configureLogging(String level) {
    // slf4j-simple reads these once, when the first logger is made: before any netty or H2 class loads.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
  }

  private static InetSocketAddress parseListen(String listen) {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) throw fatal("bad --listen " + listen + " (want HOST:PORT)");
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) throw fatal("bad --listen " + listen + " (port must be 0..65535)");
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) throw fatal("bad --listen " + listen + " (unknown host " + host + ")");
    return address;
  }

  /** Creates the data folder and checks up front what MVStore would report late or not at all. */
  private static Path openableDataFile(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw fatal("cannot create data folder " + dir + ": " + reason(e));
    }
    Path file = dir.resolve(DATA_FILE);
    if (!Files.isWritable(dir)) throw fatal("data folder " + dir + " is not writable");
    // MVStore opens a read-only file read-only without a word, and every write would then fail.
    if (Files.exists(file) && !Files.isWritable(file)) throw fatal("data file " + file + " is not writable");
    return file;
  }

  private static MVStore openStore(Path file) {
    AtomicBoolean opened = new AtomicBoolean();
    try {
      MVStore store = new MVStore.Builder()
          .fileName(file.toString())
          // A failed background write means acknowledged data may not reach the file: stop rather than go
          // on as if it had. halt, not exit: exit runs the shutdown hook, which waits for this very thread.
          // Errors while opening also pass through here, and are thrown to the catch below as well.
          .backgroundExceptionHandler((thread, error) -> {
            if (!opened.get()) return;
            System.err.println("embedded-db: writing " + file + " failed: " + error);
            Runtime.getRuntime().halt(1);
          })
          // MVStore keeps read pages decoded in this cache; its default of 16 MiB held fewer than 5 000 of
          // the service's contacts, so that every query of a larger collection decoded most of the file
          // again (a first page of 20 000 contacts: 1.4 s, against 90 ms with the cache at a quarter heap).
          .cacheSize((int) Math.max(16, Runtime.getRuntime().maxMemory() / 4 / (1024 * 1024)))
          .open();
      opened.set(true);
      store.setAutoCommitDelay(COMMIT_DELAY_MS);
      return store;
    } catch (MVStoreException e) {
      throw fatal(switch (e.getErrorCode()) {
        case DataUtils.ERROR_FILE_LOCKED ->
            "data file " + file + " is locked: another embedded database is using this data folder";
        case DataUtils.ERROR_FILE_CORRUPT,
            DataUtils.ERROR_UNSUPPORTED_FORMAT,
            DataUtils.ERROR_CHUNK_NOT_FOUND ->
            "data file " + file + " is corrupt or not an H2 MVStore file (left as it is; move it away to"
                + " start with an empty database): " + e.getMessage();
        default -> "cannot open data file " + file + ": " + e.getMessage();
      });
    } catch (RuntimeException e) {
      // MVStore reports some damage as plain runtime exceptions from deep inside its readers.
      throw fatal("cannot open data file " + file + " (damaged? it was left as it is): " + describe(e));
    }
  }

  private static void watchStdin() {
    Thread watcher = new Thread(() -> {
      InputStream in = System.in;
      byte[] buffer = new byte[256];
      try {
        while (in.read(buffer) >= 0) {
          // the parent writes nothing; we only wait for the end of the pipe
        }
      } catch (IOException e) {
        // a broken stdin means the same as its end: the parent is gone
      }
      System.exit(0);
    }, "embedded-db-stdin");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static String describeBindFailure(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) {
        return "address already in use or not available (" + cause.getMessage() + ")";
      }
    }
    return describe(error);
  }

  /** The reason alone: a FileSystemException's message repeats the path, which the caller already names. */
  private static String reason(IOException error) {
    if (error instanceof FileSystemException fileError) {
      if (fileError.getReason() != null) return fileError.getReason();
      if (error instanceof AccessDeniedException) return "permission denied";
      if (error instanceof FileAlreadyExistsException) return "a file of that name is in the way";
    }
    return describe(error);
  }

  private static String describe(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null) root = root.getCause();
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }

  /** Prints one line and exits 1; returned as an exception only so that callers can write {@code throw}. */
  private static RuntimeException fatal(String message) {
    System.err.println("embedded-db: " + message);
    System.err.flush();
    System.exit(1);
    return new IllegalStateException(message);
  }

  private EmbeddedDb() {}
}
