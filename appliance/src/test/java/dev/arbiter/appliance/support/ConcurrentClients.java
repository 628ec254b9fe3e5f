package dev.arbiter.appliance.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Many keep-alive clients at once, each sending its requests in turn; collects what went wrong. */
public final class ConcurrentClients {

    /** One request of one client: send it on {@code c} and return what was wrong with the answer, or null. */
    public interface Exchange {
        String run(RawHttp c, int request) throws Exception;
    }

    private ConcurrentClients() {
    }

    /**
     * Runs {@code clients} threads, each with its own connection to {@code app}, each doing
     * {@code perClient} exchanges; waits at most 60 s.
     *
     * @return the problems reported (empty when every answer was right)
     */
    public static List<String> run(RunningAppliance app, int clients, int perClient, Exchange exchange)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(clients);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < clients; t++) {
            Thread th = new Thread(() -> {
                try (RawHttp c = app.connect()) {
                    for (int i = 0; i < perClient; i++) {
                        String problem = exchange.run(c, i);
                        if (problem != null) {
                            problems.add(problem);
                        }
                    }
                } catch (Exception e) {
                    problems.add(e.toString());
                } finally {
                    done.countDown();
                }
            }, "test-client-" + t);
            th.start();
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            problems.add("clients still running after 60 s");
        }
        return new ArrayList<>(problems);
    }
}
