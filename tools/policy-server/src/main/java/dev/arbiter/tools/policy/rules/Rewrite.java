package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code rewrite} block: a fixed path, and either a fixed query or the request's query with
 * some parameters dropped. Dropping keeps the other parameters byte for byte and in their
 * order, so two URLs that differ only in the dropped ones rewrite to the same canonical URL.
 *
 * @param path        new path, or null to keep it
 * @param query       new query ("" removes it), or null
 * @param dropParams  parameters to remove from the request's query; empty when unused
 */
record Rewrite(String path, String query, List<QueryParamPattern> dropParams) {

    Rewrite {
        dropParams = List.copyOf(dropParams);
    }

    /** The query to send upstream, or null to leave it as it was. */
    String queryFor(RequestSummary request) {
        if (query != null) {
            return query;
        }
        return dropParams.isEmpty() ? null : dropFrom(request.query());
    }

    String dropFrom(String query) {
        StringBuilder kept = new StringBuilder(query.length());
        for (String param : query.split("&")) {
            if (param.isEmpty() || isDropped(param)) {
                continue;
            }
            if (kept.length() > 0) {
                kept.append('&');
            }
            kept.append(param);
        }
        return kept.toString();
    }

    private boolean isDropped(String param) {
        int eq = param.indexOf('=');
        String name = eq < 0 ? param : param.substring(0, eq);
        String decoded = decode(name);
        for (QueryParamPattern pattern : dropParams) {
            if (pattern.matches(name) || pattern.matches(decoded)) {
                return true;
            }
        }
        return false;
    }

    // utm%5Fsource is utm_source to the application, so it is dropped too.
    private static String decode(String name) {
        if (name.indexOf('%') < 0 && name.indexOf('+') < 0) {
            return name;
        }
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformedEscape) {
            return name;
        }
    }
}
