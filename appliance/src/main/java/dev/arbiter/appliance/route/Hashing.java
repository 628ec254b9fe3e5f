package dev.arbiter.appliance.route;

/** Allocation-free hashing of request keys. */
final class Hashing {

    private Hashing() {
    }

    /** MurmurHash3's 64-bit finaliser: spreads every input bit over the result. */
    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** FNV-1a over the UTF-16 units of {@code s[from, to)}. */
    static long chars(CharSequence s, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
