package dev.arbiter.appliance.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A byte-exact HTTP/1.1 client over a plain socket, for tests that must send what real clients
 * would not (malformed framing, pipelining, partial headers) and see exactly what comes back.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(15_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    public OutputStream output() {
        return out;
    }

    public void readTimeoutMillis(int millis) throws SocketException {
        socket.setSoTimeout(millis);
    }

    /** Sends a GET with Host and reads the response. */
    public Response get(String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
        return read();
    }

    /** Reads one response; the body is read by Content-Length, chunked framing, or until close. */
    public Response read() throws IOException {
        return read(false);
    }

    /** Reads one response to a HEAD request (no body whatever the headers say). */
    public Response readHead() throws IOException {
        return read(true);
    }

    private Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        Response r = new Response(status, headers);
        if (head || status == 204 || status == 304 || status / 100 == 1) {
            return r.body(new byte[0], true);
        }
        String te = r.header("transfer-encoding");
        String cl = r.header("content-length");
        if (te != null && te.equalsIgnoreCase("chunked")) {
            return readChunked(r);
        }
        if (cl != null) {
            long n = Long.parseLong(cl);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            long got = copy(body, n);
            return r.body(body.toByteArray(), got == n);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        copy(body, Long.MAX_VALUE);
        return r.body(body.toByteArray(), true);
    }

    private Response readChunked(Response r) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            if (size == null) {
                return r.body(body.toByteArray(), false);
            }
            int semi = size.indexOf(';');
            long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                String t;
                while ((t = line()) != null && !t.isEmpty()) {
                    // trailers are ignored
                }
                return r.body(body.toByteArray(), true);
            }
            if (copy(body, n) != n || line() == null) {
                return r.body(body.toByteArray(), false);
            }
        }
    }

    /** Reads and counts up to {@code n} bytes, discarding them; returns how many came before EOF. */
    public long drain(long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long got = 0;
        while (got < n) {
            int r;
            try {
                r = in.read(buf, 0, (int) Math.min(buf.length, n - got));
            } catch (SocketException e) {
                return got;
            }
            if (r < 0) {
                return got;
            }
            got += r;
        }
        return got;
    }

    private long copy(ByteArrayOutputStream to, long n) throws IOException {
        byte[] buf = new byte[8192];
        long got = 0;
        while (got < n) {
            int r;
            try {
                r = in.read(buf, 0, (int) Math.min(buf.length, n - got));
            } catch (SocketException e) {
                return got; // reset by peer
            }
            if (r < 0) {
                return got;
            }
            to.write(buf, 0, r);
            got += r;
        }
        return got;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while (true) {
            try {
                c = in.read();
            } catch (SocketException e) {
                c = -1;
            }
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
    }

    /** True when the server has closed the connection (EOF or reset) within the read timeout. */
    /** Whether the peer ended the connection with a FIN (end of stream), not a reset. */
    public boolean endedCleanly() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return false;
        }
    }

    public boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A parsed response. */
    public static final class Response {
        public final int status;
        public final Map<String, List<String>> headers;
        public byte[] body;
        public boolean complete;

        Response(int status, Map<String, List<String>> headers) {
            this.status = status;
            this.headers = headers;
        }

        Response body(byte[] b, boolean complete) {
            this.body = b;
            this.complete = complete;
            return this;
        }

        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + text();
        }
    }
}
