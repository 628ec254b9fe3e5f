package dev.arbiter.appliance.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Byte-level helpers for the raw-socket peers of the tests (scripted backends and policy servers). */
public final class Wire {

    private Wire() {
    }

    /**
     * Reads a message head up to and including the blank line that ends it, byte by byte (so
     * nothing after it is consumed), as ISO-8859-1 text; null when the stream ends first.
     */
    public static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The bytes of {@code s}, one per character (ISO-8859-1). */
    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
