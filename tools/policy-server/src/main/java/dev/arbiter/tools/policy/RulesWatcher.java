package dev.arbiter.tools.policy;

import dev.arbiter.tools.policy.rules.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Supplier;

/**
 * {@code --watch}: polls the rules file's modification time once a second and swaps in the new
 * rules when they load; polling, not WatchService, because editors replace files by rename.
 */
final class RulesWatcher {

    private static final long INTERVAL_MS = 1000;

    private final Path file;
    private final PolicyServer server;
    private final Supplier<RuleSet> loader;

    RulesWatcher(Path file, PolicyServer server, Supplier<RuleSet> loader) {
        this.file = file;
        this.server = server;
        this.loader = loader;
    }

    void start() {
        Thread thread = new Thread(this::pollForever, "rules-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void pollForever() {
        FileTime seen = modified();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
            FileTime now = modified();
            if (now != null && !now.equals(seen)) {
                seen = now;
                RuleSet rules = loader.get();
                if (rules != null) {
                    server.rules(rules);
                    System.out.println("policy server reloaded " + file + " (" + rules.size() + " rules)");
                }
            }
        }
    }

    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }
}
