import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;

/**
 * Starts DynamoDB Local bound to 127.0.0.1.
 *
 * DynamoDB Local has no option for the listen address and always binds
 * 0.0.0.0, which would expose an unauthenticated database to the network.
 * This launcher builds the server exactly as DynamoDBLocal.jar's own main does
 * (same command-line flags), then sets the host of its Jetty connectors
 * before starting it. internal/devstack runs it with Java's single-file
 * source launcher, so there is nothing to compile or commit besides this file.
 */
public class DynamoDBLoopback {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        java.lang.reflect.Field f = DynamoDBProxyServer.class.getDeclaredField("server");
        f.setAccessible(true);
        Server server = (Server) f.get(proxy);
        for (Connector c : server.getConnectors()) c.setHost("127.0.0.1");
        try {
            proxy.start();
        } catch (Exception e) {
            // Jetty's threads would keep a JVM without a port alive, and a
            // readiness probe could then be answered by another stack's
            // emulator on that port: exit instead.
            e.printStackTrace();
            System.exit(1);
        }
        // devstack sets this when it owns the process: its end of our stdin
        // closes when it exits, even on SIGKILL or a test timeout, so the
        // emulator never outlives it. Detached stacks leave it unset.
        if ("1".equals(System.getenv("PARCELGATE_EXIT_ON_STDIN_EOF"))) {
            while (System.in.read() != -1) {
                // Nothing is ever written; we only wait for end of file.
            }
            System.exit(0);
        }
    }
}
