package dev.arbiter.appliance.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The appliance's response reader against Netty's decoder on generated well-formed responses:
 * random fields, bodies framed by length or in random chunks, fed in random pieces. Both must
 * agree on the status, on every end-to-end field and on the body bytes.
 */
class ResponseParserAgreementTest {

    private static final String[] NAMES = {"Content-Type", "Cache-Control", "ETag", "Set-Cookie", "X-Request-Id",
        "Last-Modified", "Vary", "Server", "Date", "X-Empty"};

    @Test
    void shouldAgreeWithNettysDecoderOnGeneratedResponses() {
        Random random = new Random(20261126);
        for (int n = 0; n < 400; n++) {
            byte[] body = new byte[random.nextInt(5) == 0 ? 0 : random.nextInt(20_000)];
            random.nextBytes(body);
            int status = new int[] {200, 201, 203, 206, 404, 500, 503}[random.nextInt(7)];
            List<String> fields = new ArrayList<>();
            for (int f = random.nextInt(8); f > 0; f--) {
                String name = NAMES[random.nextInt(NAMES.length)];
                fields.add(name + ":" + (random.nextBoolean() ? " " : "") + (name.equals("X-Empty") ? "" : "v" + random.nextInt(1_000_000)));
            }
            boolean chunked = random.nextBoolean();
            String response = build(status, fields, body, chunked, random);
            String label = "case " + n + ":\n" + response.substring(0, response.indexOf("\r\n\r\n"));

            Decoded ours = ours(response, random);
            Decoded netty = netty(response);
            assertThat(ours.status).as(label).isEqualTo(netty.status).isEqualTo(status);
            assertThat(ours.fields).as(label).isEqualTo(netty.fields);
            assertThat(ours.body).as(label).isEqualTo(body).isEqualTo(netty.body);
        }
    }

    private static String build(int status, List<String> fields, byte[] body, boolean chunked, Random random) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(" Reason\r\n");
        for (String f : fields) {
            sb.append(f).append("\r\n");
        }
        String data = new String(body, StandardCharsets.ISO_8859_1);
        if (!chunked) {
            return sb.append("Content-Length: ").append(body.length).append("\r\n\r\n").append(data).toString();
        }
        sb.append("Transfer-Encoding: chunked\r\n\r\n");
        int at = 0;
        while (at < body.length) {
            int size = Math.min(body.length - at, 1 + random.nextInt(4096));
            sb.append(Integer.toHexString(size)).append(random.nextInt(4) == 0 ? ";x=y" : "").append("\r\n")
                    .append(data, at, at + size).append("\r\n");
            at += size;
        }
        return sb.append("0\r\n").append(random.nextBoolean() ? "X-Trailer: t\r\n" : "").append("\r\n").toString();
    }

    private record Decoded(int status, List<String> fields, byte[] body) {
    }

    /** Our parser, dechunking, fed in random pieces; the fields as relayed, Via and framing aside. */
    private static Decoded ours(String response, Random random) {
        ResponseParser p = new ResponseParser();
        p.reset(false);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] status = new int[1];
        List<String> fields = new ArrayList<>();
        boolean[] ended = new boolean[1];
        ResponseParser.Listener l = new ResponseParser.Listener() {
            @Override
            public void onResponseHead(ResponseParser head) {
                status[0] = head.status();
                head.dechunk();
                ByteBuf out = Unpooled.buffer();
                head.writeRelayedHead(out, "1.1 test".getBytes(StandardCharsets.US_ASCII));
                String[] lines = out.toString(StandardCharsets.ISO_8859_1).split("\r\n");
                out.release();
                for (int i = 1; i < lines.length; i++) {
                    String lower = lines[i].toLowerCase(Locale.ROOT);
                    if (!lower.startsWith("via:") && !lower.startsWith("content-length:") && !lower.startsWith("transfer-encoding:")) {
                        fields.add(normalise(lines[i]));
                    }
                }
            }

            @Override
            public void onResponseBody(ByteBuf buf, int index, int length) {
                body.write(ByteBufUtil.getBytes(buf, index, length), 0, length);
            }

            @Override
            public void onResponseEnd() {
                ended[0] = true;
            }

            @Override
            public void onResponseMalformed(String why) {
                throw new AssertionError(why);
            }
        };
        byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
        int at = 0;
        while (at < bytes.length) {
            int n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 64 : 8192));
            ByteBuf piece = Unpooled.wrappedBuffer(bytes, at, n);
            p.feed(piece, l);
            piece.release();
            at += n;
        }
        assertThat(ended[0]).as("the response ended").isTrue();
        return new Decoded(status[0], fields, body.toByteArray());
    }

    private static Decoded netty(String response) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        ch.writeInbound(Unpooled.copiedBuffer(response, StandardCharsets.ISO_8859_1));
        FullHttpResponse r = ch.readInbound();
        try {
            List<String> fields = new ArrayList<>();
            r.headers().forEach(e -> {
                String lower = e.getKey().toLowerCase(Locale.ROOT);
                if (!lower.equals("content-length") && !lower.equals("transfer-encoding")) {
                    fields.add(normalise(e.getKey() + ": " + e.getValue()));
                }
            });
            return new Decoded(r.status().code(), fields, ByteBufUtil.getBytes(r.content()));
        } finally {
            r.release();
            ch.finishAndReleaseAll();
        }
    }

    /** {@code Name: value} with the optional whitespace after the colon taken out. */
    private static String normalise(String line) {
        int colon = line.indexOf(':');
        return line.substring(0, colon) + ": " + line.substring(colon + 1).trim();
    }
}
