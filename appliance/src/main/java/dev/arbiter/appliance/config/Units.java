package dev.arbiter.appliance.config;

import java.util.Locale;
import java.util.StringJoiner;

/** Parsing and printing of the units the config accepts: durations, sizes and enum names. */
public final class Units {

    private Units() {
    }

    /** {@code 250ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 1d}, or a bare number of milliseconds; null when malformed. */
    static Long parseDurationMillis(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long mult;
        String digits;
        if (t.endsWith("ms")) {
            mult = 1;
            digits = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            mult = 1000;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            mult = 60_000;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            mult = 3_600_000;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("d")) {
            mult = 86_400_000;
            digits = t.substring(0, t.length() - 1);
        } else {
            mult = 1;
            digits = t;
        }
        try {
            return Math.multiplyExact(Long.parseLong(digits.trim()), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    static String formatDuration(long millis) {
        if (millis != 0 && millis % 86_400_000 == 0) {
            return millis / 86_400_000 + "d";
        }
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis != 0 && millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    /** {@code 512}, {@code 8k}/{@code 8KiB}, {@code 1m}/{@code 1MiB}, {@code 2g}/{@code 2GiB} (binary units); null when malformed. */
    static Long parseBytes(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace("_", "");
        long mult = 1;
        String[][] suffixes = {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"}, {"tib", "1099511627776"},
            {"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"},
            {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}};
        for (String[] suf : suffixes) {
            if (t.endsWith(suf[0])) {
                mult = Long.parseLong(suf[1]);
                t = t.substring(0, t.length() - suf[0].length()).trim();
                break;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    static String formatBytes(long b) {
        if (b != 0 && b % (1L << 40) == 0) {
            return (b >> 40) + "TiB";
        }
        if (b != 0 && b % 1_073_741_824L == 0) {
            return b / 1_073_741_824L + "GiB";
        }
        if (b != 0 && b % 1_048_576 == 0) {
            return b / 1_048_576 + "MiB";
        }
        if (b != 0 && b % 1024 == 0) {
            return b / 1024 + "KiB";
        }
        return Long.toString(b);
    }

    /** The config spelling of an enum constant: lower case with dashes ({@code LEAST_OUTSTANDING} -> {@code least-outstanding}). */
    public static String enumName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String enumNames(Class<? extends Enum<?>> type) {
        StringJoiner j = new StringJoiner(", ");
        for (Enum<?> e : type.getEnumConstants()) {
            j.add(enumName(e));
        }
        return j.toString();
    }
}
