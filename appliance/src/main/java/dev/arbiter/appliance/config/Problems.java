package dev.arbiter.appliance.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects the errors of one validation pass, in file order. */
final class Problems {

    private final String file;
    private final List<ConfigError> errors = new ArrayList<>();

    Problems(String file) {
        this.file = file;
    }

    void add(int line, String keyPath, String problem, String allowed) {
        errors.add(new ConfigError(file, line, keyPath, problem, allowed));
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    List<ConfigError> sorted() {
        List<ConfigError> out = new ArrayList<>(errors);
        out.sort(Comparator.comparingInt(ConfigError::line));
        return out;
    }
}
