import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;

/**
 * The MongoDB stand-in for tests: mongo-java-server's memory backend on a loopback port.
 * Prints "PORT n" once listening. Reads commands on stdin: "stop" drops every connection and stops
 * listening while keeping the data (an outage the store must survive), "start" listens on the same
 * port again. End of stdin (the test runner went away) shuts it down for good.
 */
public final class MongoServerMain {
  /** The backend outlives stop/start; only the final shutdown may close it. */
  static final class KeptBackend extends MemoryBackend {
    volatile boolean closing;

    @Override
    public void close() {
      if (closing) super.close();
    }
  }

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    KeptBackend backend = new KeptBackend();
    MongoServer server = new MongoServer(backend);
    server.bind(host, port);
    port = server.getLocalAddress().getPort();
    System.out.println("PORT " + port);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      switch (line.trim()) {
        case "stop" -> {
          server.shutdownNow();
          System.out.println("STOPPED");
        }
        case "start" -> {
          server = new MongoServer(backend);
          server.bind(new InetSocketAddress(host, port));
          System.out.println("STARTED");
        }
        default -> System.out.println("UNKNOWN " + line);
      }
      System.out.flush();
    }
    backend.closing = true;
    server.shutdownNow();
  }
}
