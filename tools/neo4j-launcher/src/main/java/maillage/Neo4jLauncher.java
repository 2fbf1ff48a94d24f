package maillage;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs Neo4j Community in this JVM with only the Bolt connector open.
 *
 * <p>Standard output carries exactly one line, {@code BOLT READY bolt://HOST:PORT}, once the default
 * database accepts work; Neo4j's own log goes to standard error (and to DATA_DIR/logs). The server stops
 * cleanly on SIGTERM/SIGINT (shutdown hook) and, with {@code --watch-stdin}, when standard input closes,
 * so that a parent that dies does not leave the JVM behind.
 */
public final class Neo4jLauncher {

    static final String READY_PREFIX = "BOLT READY ";

    private static final String USAGE = String.join("\n",
            "usage: java -jar neo4j-launcher.jar [options]",
            "  --port N              Bolt port (default 7687)",
            "  --host ADDR           Bolt listen address (default 127.0.0.1)",
            "  --data-dir PATH       Neo4j home: databases, transaction logs, logs (default ./neo4j-data)",
            "  --password PW         enable auth; user 'neo4j' gets this password (at least 8 chars)",
            "  --page-cache SIZE     page cache, e.g. 256m (default 256m)",
            "  --tx-memory SIZE      memory for all running transactions (default 60% of max heap)",
            "  --tx-memory-max SIZE  memory for one transaction (default 50% of max heap)",
            "  --setting KEY=VALUE   any other Neo4j setting, as in neo4j.conf (repeatable)",
            "  --log-level LEVEL     DEBUG, INFO, WARN, ERROR or NONE for the log on stderr (default INFO)",
            "  --watch-stdin         shut down when standard input reaches end of file",
            "  --help                this text");

    private static final class Options {
        String host = "127.0.0.1";
        int port = 7687;
        Path dataDir = Path.of("neo4j-data");
        String password;
        long pageCache = parseSize("256m");
        long txMemory = Runtime.getRuntime().maxMemory() / 10 * 6;
        long txMemoryMax = Runtime.getRuntime().maxMemory() / 2;
        Level logLevel = Level.INFO;
        boolean watchStdin;
        final java.util.List<String> settings = new java.util.ArrayList<>();
    }

    private Neo4jLauncher() {}

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("neo4j-launcher: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(USAGE);
            return;
        }
        // Read by Netty when its classes load, which happens only once the server is built.
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        System.setProperty("log4j2.disable.jmx", "true");
        try {
            run(options);
        } catch (Throwable t) {
            System.err.println("neo4j-launcher: failed to start Neo4j: " + t);
            t.printStackTrace(System.err);
            System.err.flush();
            // halt: Neo4j may have left non-daemon threads running that would keep the JVM alive
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(Options options) throws Exception {
        Path home = options.dataDir.toAbsolutePath().normalize();
        Files.createDirectories(home);

        Log4jLogProvider userLog = new Log4jLogProvider(System.err, options.logLevel);
        SocketAddress bolt = new SocketAddress(options.host, options.port);
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(userLog)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, options.password != null)
                // no usage report: it would try to reach a host on the internet
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, options.pageCache)
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, options.txMemory)
                .setConfig(GraphDatabaseSettings.memory_transaction_max_size,
                        Math.min(options.txMemoryMax, options.txMemory))
                // no 256 MiB of zeroes per transaction log file: tests and laptops create many stores
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(5))
                // Netty waits a quiet period of 5 s per Bolt event loop group (two of them) before it
                // stops: 10 s of every shutdown. Connections are closed by then, so do not wait.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0);
        if (!options.settings.isEmpty()) {
            // read as neo4j.conf reads them, after the settings above: a setting given here wins
            Path conf = home.resolve("launcher-settings.conf");
            Files.write(conf, options.settings, StandardCharsets.UTF_8);
            builder.loadPropertiesFromFile(conf);
        }

        CountDownLatch built = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean(false);
        AtomicReference<DatabaseManagementService> holder = new AtomicReference<>();
        Thread hook = new Thread(() -> {
            if (stopping.compareAndSet(false, true)) {
                try {
                    // a signal during start-up: let the build finish so that the store is closed cleanly
                    built.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                DatabaseManagementService service = holder.get();
                if (service != null) {
                    System.err.println("neo4j-launcher: shutting down");
                    try {
                        service.shutdown();
                    } catch (RuntimeException e) {
                        e.printStackTrace(System.err);
                    }
                }
                userLog.close();
                System.err.println("neo4j-launcher: stopped");
                System.err.flush();
            }
            stopped.countDown();
        }, "neo4j-launcher-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        DatabaseManagementService service;
        try {
            service = builder.build();
            holder.set(service);
        } finally {
            built.countDown();
        }

        GraphDatabaseService db = service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        while (!db.isAvailable(TimeUnit.SECONDS.toMillis(5))) {
            if (stopping.get()) {
                stopped.await();
                return;
            }
            System.err.println("neo4j-launcher: waiting for database '" + db.databaseName() + "'");
        }
        if (options.password != null) {
            setPassword(service, options.password);
        }

        if (options.watchStdin) {
            Thread watcher = new Thread(() -> {
                drain(System.in);
                System.err.println("neo4j-launcher: standard input closed");
                System.exit(0); // runs the shutdown hook
            }, "neo4j-launcher-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }

        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(READY_PREFIX + "bolt://" + hostForUri(options.host) + ":" + options.port);
        out.flush();

        stopped.await();
    }

    /** Sets the password of the built-in user; the embedded API runs with full rights, auth or not. */
    private static void setPassword(DatabaseManagementService service, String password) {
        GraphDatabaseService system = service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (RuntimeException e) {
            // a store that was already started with this password
            String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (!message.contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static void drain(InputStream in) {
        byte[] buffer = new byte[1024];
        try {
            while (in.read(buffer) >= 0) {
                // discard: only end of file matters
            }
        } catch (IOException e) {
            // a broken stdin means the parent is gone, same as EOF
        }
    }

    private static String hostForUri(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Returns null when --help was asked. */
    static Options parse(String[] args) {
        Options options = new Options();
        boolean txMemoryMaxSet = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--help":
                case "-h":
                    return null;
                case "--watch-stdin":
                    options.watchStdin = true;
                    continue;
                default:
                    break;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + arg);
                }
                value = args[++i];
            }
            switch (arg) {
                case "--port":
                    options.port = parsePort(value);
                    break;
                case "--host":
                    options.host = value;
                    break;
                case "--data-dir":
                    options.dataDir = Path.of(value);
                    break;
                case "--password":
                    if (value.length() < 8) {
                        throw new IllegalArgumentException("--password needs at least 8 characters");
                    }
                    options.password = value;
                    break;
                case "--page-cache":
                    options.pageCache = parseSize(value);
                    break;
                case "--tx-memory":
                    options.txMemory = parseSize(value);
                    break;
                case "--tx-memory-max":
                    options.txMemoryMax = parseSize(value);
                    txMemoryMaxSet = true;
                    break;
                case "--setting":
                    if (value.indexOf('=') <= 0) {
                        throw new IllegalArgumentException("--setting needs KEY=VALUE: " + value);
                    }
                    options.settings.add(value);
                    break;
                case "--log-level":
                    try {
                        options.logLevel = Level.valueOf(value.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("unknown log level: " + value);
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        if (!txMemoryMaxSet) {
            options.txMemoryMax = Math.min(options.txMemoryMax, options.txMemory);
        }
        return options;
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number: " + value);
        }
    }

    /** "256m", "1g", "512k", "1048576": a byte count. */
    static long parseSize(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.endsWith("b")) {
            text = text.substring(0, text.length() - 1);
        }
        long factor = 1;
        if (!text.isEmpty()) {
            switch (text.charAt(text.length() - 1)) {
                case 'k':
                    factor = 1L << 10;
                    break;
                case 'm':
                    factor = 1L << 20;
                    break;
                case 'g':
                    factor = 1L << 30;
                    break;
                default:
                    break;
            }
        }
        if (factor != 1) {
            text = text.substring(0, text.length() - 1);
        }
        try {
            long number = Long.parseLong(text.trim());
            if (number < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(number, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: " + value);
        }
    }
}
