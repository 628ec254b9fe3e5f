package dev.arbiter.appliance.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ClientAddressTest {

    private static String text(String literal) throws Exception {
        return ClientAddress.text(InetAddress.getByName(literal));
    }

    @Test
    void ipv4ShouldBeDotted() throws Exception {
        assertThat(text("127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(text("::ffff:203.0.113.9")).as("an IPv4-mapped address is the IPv4 client").isEqualTo("203.0.113.9");
    }

    @Test
    void ipv6ShouldTakeTheRfc5952Form() throws Exception {
        assertThat(text("::1")).isEqualTo("::1");
        assertThat(text("0:0:0:0:0:0:0:0")).isEqualTo("::");
        assertThat(text("2001:DB8:0:0:0:0:0:1")).isEqualTo("2001:db8::1");
        assertThat(text("2001:db8:0:0:1:0:0:1")).as("first of two equal runs").isEqualTo("2001:db8::1:0:0:1");
        assertThat(text("2001:0:0:1:0:0:0:1")).as("the longest run").isEqualTo("2001:0:0:1::1");
        assertThat(text("2001:db8:0:1:1:1:1:1")).as("a lone zero group stays").isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(text("fe80:0:0:0:0:0:0:1%1")).as("no zone").isEqualTo("fe80::1");
    }
}
