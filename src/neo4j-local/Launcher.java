import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs Neo4j Community embedded with the Bolt connector on 127.0.0.1, so the API and the
 * tests use the real database engine on machines without Docker.
 *
 * Usage: java -cp '<classes>:lib/*' Launcher <home-dir> <bolt-port> (launcher.ts compiles it once)
 *
 * Prints "PEDIGREE_NEO4J_READY bolt://127.0.0.1:<port>" once Bolt accepts connections, and
 * "PEDIGREE_NEO4J_FAILED <reason>" (exit 2) when it cannot start. It stops cleanly on
 * SIGTERM/SIGINT and also when its standard input closes, so a parent that dies without
 * signalling does not leave an orphan holding the store lock.
 *
 * Sizes are chosen for a 2-core, 24 GiB machine shared with the API and the tests;
 * PEDIGREE_NEO4J_PAGECACHE and PEDIGREE_NEO4J_TX_TIMEOUT override the two that matter.
 */
public class Launcher {
    public static void main(String[] args) {
        if (args.length != 2) {
            fail("usage: Launcher <home-dir> <bolt-port>");
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);

        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home)
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(GraphDatabaseSettings.pagecache_memory, envLong("PEDIGREE_NEO4J_PAGECACHE", 2L << 30))
                    .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, 2L << 30)
                    .setConfig(GraphDatabaseSettings.memory_transaction_max_size, 1L << 30)
                    .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(envLong("PEDIGREE_NEO4J_TX_TIMEOUT", 60)))
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 64L << 20)
                    // Bolt's event loops otherwise wait out a 5 s quiet period twice after the
                    // databases have stopped, with nothing left to drain: every stop took 11 s
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .build();
        } catch (RuntimeException e) {
            fail(explain(e));
            return;
        }

        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));
        try {
            GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            db.executeTransactionally("RETURN 1");
        } catch (RuntimeException e) {
            fail(explain(e));
        }
        System.out.println("PEDIGREE_NEO4J_READY bolt://127.0.0.1:" + port);
        System.out.flush();
        watchStdin();
    }

    /** Exits (running the shutdown hook) when the parent closes our standard input. */
    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() != -1) {
                    // input is ignored; only its end matters
                }
            } catch (IOException ignored) {
                // a broken pipe means the parent is gone too
            }
            System.exit(0);
        }, "stdin-watcher");
        watcher.setDaemon(false);
        watcher.start();
    }

    private static String explain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("lock file has been locked") || m.contains("locked by another process")) {
                return "the store is already used by another Neo4j process (stop it or choose another PEDIGREE_DATA_DIR): " + m;
            }
            if (m.contains("already in use") || t instanceof java.net.BindException) {
                return "the Bolt port is taken (stop what listens there or set PEDIGREE_LOCAL_NEO4J_PORT): " + m;
            }
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return e + (root != e ? " (cause: " + root + ")" : "");
    }

    private static long envLong(String name, long fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Long.parseLong(v.trim());
    }

    private static void fail(String reason) {
        System.out.println("PEDIGREE_NEO4J_FAILED " + reason.replace('\n', ' '));
        System.out.flush();
        Runtime.getRuntime().halt(2);
    }
}
