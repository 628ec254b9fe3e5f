package dev.arbiter.appliance.policy;

import java.net.InetAddress;

/**
 * One event loop's cache of policy decisions (protocol section 3), looked up before anything is
 * published to the ring, so a hit costs neither a hand-off nor a call.
 *
 * <p>Owned by its loop: no locks, no atomics. A key is the virtual service plus the values of the
 * fields in the decision's scope. Because the scope comes with the answer, each service
 * remembers the few scopes its decisions used (at most {@value #SCOPES_PER_SERVICE}) and a
 * lookup tries each. Slots are an open-addressing table of at least four times as many slots as
 * entries, so probe runs stay short, probed at most {@value #PROBES} deep. A new decision takes
 * the first free slot; when its probes are all live, or the cache already holds
 * {@code maxEntries}, an expired entry among them, else the least recently used, gives way (a
 * sampled LRU: a decision that keeps being hit stays while the one-off ones around it turn
 * over). Entries are reused in place, so neither a lookup nor, after warm-up, an insert allocates.
 */
public final class DecisionCache {

    static final int PROBES = 16;
    /**
     * When full, a new decision looks at this many live entries at least (up to
     * {@value #SAMPLE_SLOTS} slots from its home) and the least recently used gives way: with the
     * table a quarter full, its own probes alone often hold only one or two.
     */
    static final int SAMPLE = 5;
    static final int SAMPLE_SLOTS = 64;
    static final int SCOPES_PER_SERVICE = 4;
    private static final String SCHEME = "http";

    private final Entry[] slots;
    private final int mask;
    private final int maxEntries;
    private long[] scopes = new long[0];
    private byte[] scopeCounts = new byte[0];
    private Object generation;
    private int size;
    public long hits;
    public long misses;
    public long expiries;
    public long inserts;

    /** @param maxEntries how many decisions it holds at most (0 disables the cache) */
    public DecisionCache(int maxEntries) {
        this.maxEntries = maxEntries;
        // the power of two at or above four times the entries: the table is never more than a
        // quarter full, so a run of taken slots longer than the probe depth is rare
        int cap = maxEntries == 0 ? 0 : Integer.highestOneBit(Math.max(8, maxEntries) * 4 - 1) << 1;
        this.slots = new Entry[cap];
        this.mask = cap - 1;
    }

    public boolean enabled() {
        return slots.length > 0;
    }

    public int size() {
        return size;
    }

    /**
     * Empties the cache when the routing snapshot changed (a reload empties it, protocol section 3).
     *
     * @param generation the current snapshot
     * @param services   how many services it has
     */
    public void ensureGeneration(Object generation, int services) {
        if (this.generation == generation) {
            return;
        }
        this.generation = generation;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) {
                slots[i].clear();
            }
        }
        size = 0;
        scopes = new long[services * SCOPES_PER_SERVICE];
        scopeCounts = new byte[services];
    }

    /** The live decision for this request, or null. */
    public Decision lookup(ServicePolicy sp, String method, String rawHost, String uri, InetAddress client,
                           String[] headerValues, long nowNanos) {
        if (slots.length == 0) {
            return null;
        }
        int svc = sp.index();
        int n = scopeCounts[svc];
        for (int k = 0; k < n; k++) {
            long scope = scopes[svc * SCOPES_PER_SERVICE + k];
            long h = hash(sp, scope, method, rawHost, uri, client, headerValues);
            int i = (int) h & mask;
            for (int probe = 0; probe < PROBES; probe++, i = (i + 1) & mask) {
                Entry e = slots[i];
                if (e == null || e.policy == null) {
                    break;
                }
                if (e.hash == h && e.policy == sp && e.scope == scope
                        && e.matches(method, rawHost, uri, client, headerValues)) {
                    if (nowNanos - e.expiresNanos >= 0) {
                        remove(i);
                        expiries++;
                        break;
                    }
                    hits++;
                    e.usedNanos = nowNanos;
                    return e.decision;
                }
            }
        }
        misses++;
        return null;
    }

    /** Files {@code d} (cacheable) for the request {@code r} described. */
    public void insert(PendingRequest r, Decision d, long nowNanos) {
        if (slots.length == 0 || !d.cacheable()) {
            return;
        }
        ServicePolicy sp = r.policy;
        long scope = d.scope().bits();
        rememberScope(sp.index(), scope);
        InetAddress client = r.client.getAddress();
        long h = hash(sp, scope, r.method, r.rawHost, r.uri, client, r.headerValues);
        int home = (int) h & mask;
        int empty = -1;      // the first free slot: lookups stop there, so a new entry goes no further
        int oldest = -1;     // the least recently used live entry before it
        long oldestUse = 0;  // its last use (read only once oldest is set)
        int beyond = -1;     // when full: the least recently used live entry after it
        long beyondUse = 0;
        int sampled = 0;     // live entries seen: the candidates to give way
        int reach = Math.min(SAMPLE_SLOTS, slots.length);
        for (int probe = 0; probe < reach; probe++) {
            if (probe >= PROBES && (empty < 0 || sampled >= SAMPLE)) {
                break;       // past the probe depth only to find enough candidates when full
            }
            int i = (home + probe) & mask;
            Entry e = slots[i];
            if (e == null || e.policy == null) {
                if (empty >= 0) {
                    continue;
                }
                empty = i;
                if (size < maxEntries) {
                    break;
                }
                continue;
            }
            sampled++;
            if (empty >= 0) {
                if (e.usedNanos - beyondUse < 0 || beyond < 0) {
                    beyondUse = e.usedNanos;
                    beyond = i;
                }
            } else if (nowNanos - e.expiresNanos >= 0 || e.policy == sp && e.hash == h && e.scope == scope
                    && e.matches(r.method, r.rawHost, r.uri, client, r.headerValues)) {
                oldest = i;          // the same key, or an expired entry: replaced in place
                break;
            } else if (e.usedNanos - oldestUse < 0 || oldest < 0) {
                oldestUse = e.usedNanos;
                oldest = i;
            }
        }
        int slot;
        if (empty < 0) {
            slot = oldest;           // every probe live (or the same key, or expired): replaced in place
        } else if (size < maxEntries) {
            slot = empty;
            size++;
        } else if (oldest >= 0 && (beyond < 0 || oldestUse - beyondUse <= 0)) {
            slot = oldest;           // full: the least recently used among the probes gives way
        } else if (beyond >= 0) {
            remove(beyond);          // ... and when it lies past the free slot, the new one takes that slot
            slot = empty;
            size++;
        } else {
            return;                  // full, and nothing live among the probes: not cached
        }
        Entry e = slots[slot];
        if (e == null) {
            e = new Entry();    // a slot gets its entry when first used, and keeps it
            slots[slot] = e;
        }
        e.set(h, sp, scope, r.method, r.rawHost, r.uri, client, r.headerValues, d, nowNanos + d.ttlMillis() * 1_000_000L,
                nowNanos);
        inserts++;
    }

    /**
     * Empties slot {@code j} and moves later entries of its probe run back into the gap
     * (backward-shift deletion), so every entry stays reachable from its home slot without
     * passing a free one.
     */
    private void remove(int j) {
        slots[j].clear();
        size--;
        for (int i = (j + 1) & mask; ; i = (i + 1) & mask) {
            Entry e = slots[i];
            if (e == null || e.policy == null) {
                return;
            }
            int home = (int) e.hash & mask;
            boolean staysPut = j <= i ? j < home && home <= i : j < home || home <= i;
            if (!staysPut) {
                slots[i] = slots[j];
                slots[j] = e;
                j = i;
            }
        }
    }

    private void rememberScope(int svc, long scope) {
        if (svc >= scopeCounts.length) {
            return; // the decision belongs to a snapshot this cache no longer serves
        }
        int n = scopeCounts[svc];
        for (int k = 0; k < n; k++) {
            if (scopes[svc * SCOPES_PER_SERVICE + k] == scope) {
                return;
            }
        }
        if (n < SCOPES_PER_SERVICE) {
            scopes[svc * SCOPES_PER_SERVICE + n] = scope;
            scopeCounts[svc] = (byte) (n + 1);
        } else {
            // Rotate the oldest scope out; its entries simply stop being found and expire.
            System.arraycopy(scopes, svc * SCOPES_PER_SERVICE + 1, scopes, svc * SCOPES_PER_SERVICE, n - 1);
            scopes[svc * SCOPES_PER_SERVICE + n - 1] = scope;
        }
    }

    static long hash(ServicePolicy sp, long scope, String method, String rawHost, String uri, InetAddress client,
                     String[] headerValues) {
        long h = mix(sp.index() * 0x9E3779B97F4A7C15L + scope);
        if ((scope & Scope.METHOD) != 0) {
            h = mix(h ^ method.hashCode());
        }
        if ((scope & Scope.SCHEME) != 0) {
            h = mix(h ^ SCHEME.hashCode());
        }
        if ((scope & Scope.HOST) != 0) {
            h = mix(h ^ hostHash(rawHost));
        }
        int q = uri.indexOf('?');
        if ((scope & Scope.PATH) != 0) {
            h = mix(h ^ regionHash(uri, 0, q < 0 ? uri.length() : q));
        }
        if ((scope & Scope.QUERY) != 0) {
            h = mix(h ^ (q < 0 ? 0 : regionHash(uri, q + 1, uri.length())));
        }
        if ((scope & Scope.CLIENT_ADDRESS) != 0) {
            h = mix(h ^ client.hashCode());
        }
        long headerBits = scope >>> Scope.HEADER_SHIFT;
        for (int i = 0; headerBits != 0; i++, headerBits >>>= 1) {
            if ((headerBits & 1) != 0) {
                String v = headerValues[i];
                h = mix(h ^ (v == null ? 0x5bd1e995L : v.hashCode()));
            }
        }
        return h;
    }

    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return k;
    }

    private static int regionHash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    /** Hash of the host lower-cased, without its port. */
    private static int hostHash(String raw) {
        if (raw == null) {
            return 0;
        }
        int end = hostEnd(raw);
        int h = 0;
        for (int i = 0; i < end; i++) {
            h = 31 * h + Character.toLowerCase(raw.charAt(i));
        }
        return h;
    }

    static int hostEnd(String raw) {
        if (raw.startsWith("[")) {
            int close = raw.indexOf(']');
            return close < 0 ? raw.length() : close + 1;
        }
        int colon = raw.indexOf(':');
        return colon < 0 ? raw.length() : colon;
    }

    /** One cached decision and the scoped field values it was filed under. */
    private static final class Entry {
        long hash;
        ServicePolicy policy;
        long scope;
        String method;
        String rawHost;
        String uri;
        InetAddress client;
        String[] headerValues;
        Decision decision;
        long expiresNanos;
        /** When it was filed or last hit: the least recently used among a new decision's probes gives way. */
        long usedNanos;

        void set(long hash, ServicePolicy policy, long scope, String method, String rawHost, String uri,
                 InetAddress client, String[] headerValues, Decision decision, long expiresNanos, long usedNanos) {
            this.hash = hash;
            this.policy = policy;
            this.scope = scope;
            this.method = method;
            this.rawHost = rawHost;
            this.uri = uri;
            this.client = client;
            if (this.headerValues == null || this.headerValues.length < headerValues.length) {
                this.headerValues = new String[Math.max(headerValues.length, 1)];
            }
            System.arraycopy(headerValues, 0, this.headerValues, 0, headerValues.length);
            this.decision = decision;
            this.expiresNanos = expiresNanos;
            this.usedNanos = usedNanos;
        }

        void clear() {
            policy = null;
            decision = null;
            method = null;
            rawHost = null;
            uri = null;
            client = null;
        }

        boolean matches(String m, String host, String u, InetAddress c, String[] hv) {
            long s = scope;
            if ((s & Scope.METHOD) != 0 && !method.equals(m)) {
                return false;
            }
            if ((s & Scope.HOST) != 0 && !sameHost(rawHost, host)) {
                return false;
            }
            if ((s & (Scope.PATH | Scope.QUERY)) != 0 && !sameUriParts(s, uri, u)) {
                return false;
            }
            if ((s & Scope.CLIENT_ADDRESS) != 0 && !client.equals(c)) {
                return false;
            }
            long headerBits = s >>> Scope.HEADER_SHIFT;
            for (int i = 0; headerBits != 0; i++, headerBits >>>= 1) {
                if ((headerBits & 1) != 0 && !java.util.Objects.equals(headerValues[i], hv[i])) {
                    return false;
                }
            }
            return true;
        }

        private static boolean sameHost(String a, String b) {
            if (a == null || b == null) {
                return a == b;
            }
            int ea = hostEnd(a);
            return ea == hostEnd(b) && a.regionMatches(true, 0, b, 0, ea);
        }

        private static boolean sameUriParts(long s, String a, String b) {
            int qa = a.indexOf('?');
            int qb = b.indexOf('?');
            int pa = qa < 0 ? a.length() : qa;
            int pb = qb < 0 ? b.length() : qb;
            if ((s & Scope.PATH) != 0 && (pa != pb || !a.regionMatches(0, b, 0, pa))) {
                return false;
            }
            if ((s & Scope.QUERY) != 0) {
                int la = qa < 0 ? 0 : a.length() - qa - 1;
                int lb = qb < 0 ? 0 : b.length() - qb - 1;
                return la == lb && (la == 0 || a.regionMatches(qa + 1, b, qb + 1, la));
            }
            return true;
        }
    }
}
