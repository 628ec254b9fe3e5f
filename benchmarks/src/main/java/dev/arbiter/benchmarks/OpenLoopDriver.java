package dev.arbiter.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Open-loop HTTP/1.1 load driver: requests are due at a fixed rate whether or not earlier ones
 * have been answered, and each latency is recorded from the request's <em>intended</em> send time
 * (coordinated-omission correction, as in wrk2). A due request goes out on an idle keep-alive
 * connection; when all are busy it waits, and that wait counts in its latency.
 *
 * <pre>
 * time ─┬────┬────┬────┬────┬───▶   intended send times, 1/rate apart
 *       │    │    │    │    │
 *       ▼    ▼    ▼    ▼    ▼       sent on an idle connection (or queued until one frees)
 *       ◀─── latency = response complete − intended time ───▶
 * </pre>
 *
 * <p>One event loop thread drives every connection; the result is one JSON line on stdout:
 * {@code {"rate":..,"achieved_rps":..,"count":..,"errors":..,"p50_us":..,...,"spectrum":{..}}}.
 *
 * <pre>
 * java -cp benchmarks.jar dev.arbiter.benchmarks.OpenLoopDriver URL RATE DURATION_S [CONNECTIONS] [WARMUP_S]
 * </pre>
 */
public final class OpenLoopDriver {

    private static final double[] SPECTRUM = {0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.875, 97.5,
        98.4375, 99, 99.21875, 99.5, 99.609375, 99.8, 99.9, 99.95, 99.99, 99.999, 100};

    private final long intervalNanos;
    private final ByteBuf request;
    private final ArrayDeque<Conn> idle = new ArrayDeque<>();
    private final ArrayDeque<long[]> due = new ArrayDeque<>();
    private final Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    /** How late requests left the driver (its own lag, plus waiting for a free connection). */
    private final Histogram sendLag = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    private long nextIntendedNanos;
    private long endNanos;
    private long recordFromNanos;
    private long errors;
    private long completed;
    private long outstanding;
    private int connectionsLost;
    private final CountDownLatch done = new CountDownLatch(1);
    private Channel anyChannel;

    private OpenLoopDriver(double rate, URI uri) {
        this.intervalNanos = (long) (1e9 / rate);
        String host = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        String path = uri.getRawPath() + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
        this.request = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
                "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: arbiter-open-loop\r\n\r\n",
                StandardCharsets.US_ASCII));
    }

    /** One keep-alive connection: at most one request in flight, started at {@code intendedNanos}. */
    private final class Conn extends SimpleChannelInboundHandler<HttpObject> {
        private Channel channel;
        private long intendedNanos;
        private boolean ok;
        private boolean busy;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            idle.add(this);
        }

        void send(long intended) {
            intendedNanos = intended;
            ok = false;
            busy = true;
            outstanding++;
            if (intended >= recordFromNanos && intended < endNanos) {
                sendLag.recordValue(Math.max(0, (System.nanoTime() - intended) / 1000));
            }
            channel.writeAndFlush(request.retainedDuplicate());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                ok = r.status().code() == 200;
            }
            if (msg instanceof LastHttpContent) {
                long now = System.nanoTime();
                busy = false;
                outstanding--;
                if (intendedNanos >= recordFromNanos && intendedNanos < endNanos && done.getCount() > 0) {
                    histogram.recordValue(Math.max(1, (now - intendedNanos) / 1000));
                    completed++;
                    if (!ok) {
                        errors++;
                    }
                }
                onIdle(this);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            idle.remove(this);
            if (done.getCount() > 0) {
                connectionsLost++;
            }
            if (busy) {
                busy = false;
                outstanding--;
                errors++;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors++;
            ctx.close();
        }
    }

    private void onIdle(Conn c) {
        long[] next = due.poll();
        if (next != null) {
            c.send(next[0]);
        } else {
            idle.add(c);
        }
    }

    /** Sends or queues every request whose intended time has come, then sleeps until the next one. */
    private void tick() {
        long now = System.nanoTime();
        while (nextIntendedNanos <= now && nextIntendedNanos < endNanos) {
            Conn c = idle.poll();
            if (c != null) {
                c.send(nextIntendedNanos);
            } else {
                due.add(new long[] {nextIntendedNanos});
            }
            nextIntendedNanos += intervalNanos;
        }
        if (nextIntendedNanos < endNanos) {
            anyChannel.eventLoop().schedule(this::tick, Math.max(0, nextIntendedNanos - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        } else {
            // Give stragglers up to 5 s to finish, then report.
            anyChannel.eventLoop().schedule(this::finishWhenDrained, 10, TimeUnit.MILLISECONDS);
        }
    }

    private long drainDeadline;

    private void finishWhenDrained() {
        if (drainDeadline == 0) {
            drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        }
        if ((outstanding == 0 && due.isEmpty()) || System.nanoTime() > drainDeadline) {
            errors += due.size() + outstanding;
            done.countDown();
        } else {
            anyChannel.eventLoop().schedule(this::finishWhenDrained, 10, TimeUnit.MILLISECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: OpenLoopDriver URL RATE DURATION_S [CONNECTIONS=64] [WARMUP_S=2]");
            System.exit(2);
        }
        URI uri = URI.create(args[0]);
        double rate = Double.parseDouble(args[1]);
        double durationS = Double.parseDouble(args[2]);
        int connections = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        double warmupS = args.length > 4 ? Double.parseDouble(args[4]) : 2;
        if (rate <= 0 || durationS <= 0 || durationS > 600 || connections < 1 || connections > 20000) {
            System.err.println("rate > 0, 0 < duration <= 600 s, 1 <= connections <= 20000");
            System.exit(2);
        }
        System.out.println(new OpenLoopDriver(rate, uri).run(uri, connections, durationS, warmupS, rate));
    }

    private String run(URI uri, int connections, double durationS, double warmupS, double rate) throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            Bootstrap b = new Bootstrap().group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpResponseDecoder(), new Conn());
                        }
                    });
            int port = uri.getPort() > 0 ? uri.getPort() : 80;
            for (int i = 0; i < connections; i++) {
                anyChannel = b.connect(uri.getHost(), port).sync().channel();
            }
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            recordFromNanos = start + (long) (warmupS * 1e9);
            endNanos = recordFromNanos + (long) (durationS * 1e9);
            nextIntendedNanos = start;
            anyChannel.eventLoop().execute(this::tick);
            if (!done.await((long) (warmupS + durationS + 30), TimeUnit.SECONDS)) {
                throw new IllegalStateException("driver did not finish");
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        // The loop has terminated: the histograms are no longer written.
        return json(rate, durationS, connections);
    }

    private String json(double rate, double durationS, int connections) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(String.format(Locale.ROOT,
                "{\"rate\":%.0f,\"duration_s\":%.1f,\"connections\":%d,\"achieved_rps\":%.1f,\"count\":%d,\"errors\":%d,"
                        + "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"p999_us\":%d,\"max_us\":%d,\"mean_us\":%.1f,"
                        + "\"send_lag_p50_us\":%d,\"send_lag_p99_us\":%d,\"connections_lost\":%d,\"spectrum\":{",
                rate, durationS, connections, completed / durationS, completed, errors,
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue(),
                histogram.getMean(), sendLag.getValueAtPercentile(50), sendLag.getValueAtPercentile(99),
                connectionsLost));
        for (int i = 0; i < SPECTRUM.length; i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(SPECTRUM[i]).append("\":")
                    .append(histogram.getValueAtPercentile(SPECTRUM[i]));
        }
        return sb.append("}}").toString();
    }
}
