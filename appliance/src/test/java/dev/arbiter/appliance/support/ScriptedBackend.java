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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on loopback that answers each request with the exact bytes scripted for its path,
 * so tests can send what a well-behaved server library never would: odd framing, broken heads,
 * bytes past the end. A script whose answer ends with {@link #CLOSE} closes the connection
 * after writing it. Every request it reads is kept as it arrived, head and body, framing
 * included, for tests that check what a backend is sent.
 */
public final class ScriptedBackend implements AutoCloseable {

    /** Appended to a script: close the connection once it is written. */
    public static final String CLOSE = "\u0000close";

    private final ServerSocket server;
    private final Map<String, String> scripts = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
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

    /** The next request received, as raw text (ISO-8859-1), or null after 5 s. */
    public String nextRequest() throws InterruptedException {
        return requests.poll(5, TimeUnit.SECONDS);
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
                requests.add(head + readBody(in, head));
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

    /** The body by Content-Length, or the chunks with their framing and trailers, as raw text. */
    private static String readBody(InputStream in, String head) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("\r\ntransfer-encoding: chunked\r\n")) {
            while (true) {
                String sizeLine = readLine(in, body);
                int semi = sizeLine.indexOf(';');
                long n = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!readLine(in, body).isEmpty()) {
                        // trailer fields, kept in the raw text
                    }
                    return body.toString(StandardCharsets.ISO_8859_1);
                }
                body.write(in.readNBytes((int) n));
                readLine(in, body);
            }
        }
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                body.write(in.readNBytes(Integer.parseInt(line.substring(15).trim())));
            }
        }
        return body.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads a line into {@code raw} (with its CRLF) and returns it without the line end. */
    private static String readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            raw.write(c);
            if (c == '\n') {
                break;
            }
            line.write(c);
        }
        if (c < 0) {
            throw new IOException("connection closed mid-request");
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
