package dev.arbiter.appliance.os;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The C library's functions through JNA, for the few system calls the JDK does not offer
 * (CPU affinity, the systemd notify socket). Each caller declares the functions it uses as its
 * own {@link Library} interface; they all bind to the one libc.
 */
public final class Libc {

    private Libc() {
    }

    /** {@code functions} bound to libc, or null where there is none to bind (not Linux, no JNA native part). */
    public static <T extends Library> T load(Class<T> functions) {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return Native.load("c", functions);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }
}
