package dev.arbiter.tools.policy.rules;

import java.util.List;
import java.util.stream.Collectors;

/** A rules file that cannot be used; carries every problem found, one line each. */
public final class RulesException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * One problem.
     *
     * @param source file name
     * @param line   1-based line, 0 when unknown
     * @param key    where in the document, e.g. {@code rules[2].match.client-cidr}
     * @param message what is wrong and what is allowed
     */
    public record Problem(String source, int line, String key, String message) {

        @Override
        public String toString() {
            return source + (line > 0 ? ":" + line : "") + ": " + (key.isEmpty() ? "" : key + ": ") + message;
        }
    }

    private final transient List<Problem> problems;

    public RulesException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
