package dev.arbiter.tools.policy.rules;

/** A query parameter name, or a prefix when written with a trailing {@code *} ({@code utm_*}). */
record QueryParamPattern(String text) {

    QueryParamPattern {
        int star = text.indexOf('*');
        if (text.isEmpty() || text.equals("*") || (star >= 0 && star != text.length() - 1)) {
            throw new IllegalArgumentException(
                "\"" + text + "\" must be a parameter name, optionally ending in one \"*\" (e.g. \"utm_*\")");
        }
    }

    boolean matches(String name) {
        return text.endsWith("*") ? name.startsWith(text.substring(0, text.length() - 1)) : name.equals(text);
    }
}
