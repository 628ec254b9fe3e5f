package dev.arbiter.appliance.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on loopback that answers each request with the exact bytes scripted for its path,
 * so tests can send what a well-behaved server library never would: odd framing, broken heads,
 * bytes past the end. A script whose answer ends with {@link #CLOSE} closes the connection
 * after writing it.
 */
public final class ScriptedBackend implements AutoCloseable {

    /** Appended to a script: close the connection once it is written. */
    public static final String CLOSE = "\u0000close";

    private final ServerSocket server;
    private final Map<String, String> scripts = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    public ScriptedBackend() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "scripted-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Answers requests for {@code path} (without the query) with {@code response}, byte for byte (ISO-8859-1). */
    public ScriptedBackend on(String path, String response) {
        scripts.put(path, response);
        return this;
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "scripted-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                skipBody(in, head);
                String target = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                int q = target.indexOf('?');
                String script = scripts.getOrDefault(q < 0 ? target : target.substring(0, q),
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                boolean close = script.endsWith(CLOSE);
                out.write((close ? script.substring(0, script.length() - CLOSE.length()) : script)
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException gone) {
            // the appliance closed the connection: nothing more to serve
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            String s = b.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return null;
    }

    private static void skipBody(InputStream in, String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                long n = Long.parseLong(line.substring(15).trim());
                while (n > 0) {
                    long skipped = in.skip(n);
                    if (skipped <= 0) {
                        if (in.read() < 0) {
                            return;
                        }
                        skipped = 1;
                    }
                    n -= skipped;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
