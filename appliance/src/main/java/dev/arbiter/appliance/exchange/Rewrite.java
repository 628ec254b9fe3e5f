package dev.arbiter.appliance.exchange;

/** Applies a decision's path and query rewrite to a request target (protocol section 2.4). */
final class Rewrite {

    private Rewrite() {
    }

    /**
     * @param uri   the request target as received (origin form)
     * @param path  the new path part, or null to keep it
     * @param query the new query, {@code ""} to drop it, or null to keep it
     */
    static String uri(String uri, String path, String query) {
        int q = uri.indexOf('?');
        String oldPath = q < 0 ? uri : uri.substring(0, q);
        String oldQuery = q < 0 ? null : uri.substring(q + 1);
        String p = path != null ? path : oldPath;
        String qs = query != null ? query : oldQuery;
        return qs == null || qs.isEmpty() ? p : p + "?" + qs;
    }
}
