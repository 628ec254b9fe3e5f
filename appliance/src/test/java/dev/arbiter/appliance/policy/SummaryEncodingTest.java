package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The summaries the appliance writes, read back by the reference policy server's own reader:
 * the host lower-cased without its port, the client address in its one textual form, and the
 * same fields right when one encoder's memo of them has seen other hosts and clients in the
 * same slots before (protocol section 2.2).
 */
class SummaryEncodingTest {

    @AutoClose
    private final UnstartedStage fixture = UnstartedStage.create();
    private final DefaultHttpHeaders headers = new DefaultHttpHeaders();
    private final SummaryTexts texts = new SummaryTexts();
    private final dev.arbiter.tools.policy.protocol.NativeCodec reader = new dev.arbiter.tools.policy.protocol.NativeCodec();

    private PendingRequest request(long id, String rawHost, String uri, InetSocketAddress client) {
        return PendingRequest.summarise(id, 0, fixture.policy, "GET", rawHost, uri, client, 8080, headers, 0);
    }

    private List<RequestSummary> roundTrip(List<PendingRequest> batch) throws Exception {
        ByteBuf body = Unpooled.buffer();
        try {
            NativeCodec.encode(batch, body, texts);
            return reader.readBatch(body);
        } finally {
            body.release();
        }
    }

    @Test
    void shouldWriteTheHostLowerCasedWithoutItsPortAndTheClientAddressAsText() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress("198.51.100.7", 40001);
        InetSocketAddress v6 = new InetSocketAddress("2001:db8:0:0:0:0:0:1", 40002);
        List<RequestSummary> read = roundTrip(List.of(
                request(1, "Shop.Example.COM:8443", "/a?b=1", v4),
                request(2, "[2001:DB8::5]:8080", "http://shop/x", v6),
                request(3, null, "/", v4)));

        assertThat(read).extracting(RequestSummary::host)
                .containsExactly("shop.example.com", "[2001:db8::5]", "");
        assertThat(read).extracting(RequestSummary::clientAddress)
                .containsExactly("198.51.100.7", "2001:db8::1", "198.51.100.7");
        assertThat(read).extracting(RequestSummary::clientPort).containsExactly(40001, 40002, 40001);
        assertThat(read).extracting(RequestSummary::path).containsExactly("/a?b=1", "/x", "/");
    }

    @Test
    void shouldWriteEveryRequestsOwnHostAndClientWhenThereAreMoreThanTheMemoHasSlots() throws Exception {
        int n = SummaryTexts.SLOTS * 3;
        List<InetSocketAddress> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(new InetSocketAddress("10.0." + (i >> 8) + "." + (i & 255), 50000 + i));
        }
        // Three passes, each host and client in a different order: every slot is taken, lost
        // and taken again, and a field is only right if the memo compared its key.
        for (int pass = 0; pass < 3; pass++) {
            List<PendingRequest> batch = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                int i = (k * (2 * pass + 1) + pass) % n;
                batch.add(request(i, "Host-" + i + ".Example:80", "/" + i, clients.get(i)));
            }
            List<RequestSummary> read = roundTrip(batch);
            for (RequestSummary s : read) {
                int i = (int) s.id();
                assertThat(s.host()).isEqualTo("host-" + i + ".example");
                assertThat(s.clientAddress()).isEqualTo("10.0." + (i >> 8) + "." + (i & 255));
                assertThat(s.path()).isEqualTo("/" + i);
            }
            assertThat(read).hasSize(n);
        }
    }

    @Test
    void shouldWriteAHostLongerThanTheMemoKeepsAsWell() throws Exception {
        String label = "A".repeat(60);
        String longHost = String.join(".", label, label, label, label, label) + ":8080";
        InetSocketAddress c = new InetSocketAddress("192.0.2.1", 40000);
        List<RequestSummary> read = roundTrip(List.of(request(1, longHost, "/", c), request(2, "b", "/", c),
                request(3, longHost, "/", c)));
        String expected = String.join(".", label, label, label, label, label).toLowerCase(java.util.Locale.ROOT);
        assertThat(read).extracting(RequestSummary::host).containsExactly(expected, "b", expected);
    }

    @Test
    void shouldKeepTwoBusyClientsWhoseAddressesShareASetAndRenderAThirdRight() {
        // Three connections' addresses in one set of the memo (the set is SummaryTexts' own
        // function of the address object's identity), found among new objects.
        java.util.Map<Integer, List<InetSocketAddress>> bySet = new java.util.HashMap<>();
        List<InetSocketAddress> same = null;
        for (int port = 20000; same == null; port++) {
            InetSocketAddress c = new InetSocketAddress("192.0.2." + (port % 200 + 1), port);
            List<InetSocketAddress> set = bySet.computeIfAbsent(System.identityHashCode(c) & (SummaryTexts.SLOTS - 1),
                    k -> new ArrayList<>());
            set.add(c);
            same = set.size() == 3 ? set : null;
        }
        InetSocketAddress a = same.get(0);
        InetSocketAddress b = same.get(1);
        com.fasterxml.jackson.core.io.SerializedString textA = texts.client(a);
        com.fasterxml.jackson.core.io.SerializedString textB = texts.client(b);
        for (int i = 0; i < 3; i++) {
            assertThat(texts.client(a)).as("a's text kept while b is busy too").isSameAs(textA);
            assertThat(texts.client(b)).as("b's text kept while a is busy too").isSameAs(textB);
        }
        InetSocketAddress c = same.get(2);
        assertThat(texts.client(c).getValue()).isEqualTo(c.getAddress().getHostAddress());
        assertThat(texts.client(b)).as("b was used last: c took a's slot").isSameAs(textB);
        assertThat(texts.client(a).getValue()).isEqualTo(a.getAddress().getHostAddress());
    }

    @Test
    void shouldNotMistakeAnEqualLookingNewConnectionForAnOldOne() throws Exception {
        // A new connection from the same address and port as a closed one: a different object,
        // rendered on its own (and equal text).
        InetSocketAddress first = new InetSocketAddress("192.0.2.1", 40000);
        InetSocketAddress again = new InetSocketAddress("192.0.2.1", 40000);
        InetSocketAddress other = new InetSocketAddress("192.0.2.2", 40000);
        List<RequestSummary> read = roundTrip(List.of(request(1, "a", "/", first), request(2, "a", "/", again),
                request(3, "A:1", "/", other)));
        assertThat(read).extracting(RequestSummary::clientAddress)
                .containsExactly("192.0.2.1", "192.0.2.1", "192.0.2.2");
        assertThat(read).extracting(RequestSummary::host).containsExactly("a", "a", "a");
    }
}
