package dev.arbiter.appliance.admin;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import dev.arbiter.appliance.os.Libc;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Tells the service manager how the appliance is doing, by the systemd notify protocol
 * ({@code sd_notify(3)}): one datagram per state change on the socket systemd names.
 *
 * <pre>
 *   appliance                        systemd (unit Type=notify, WatchdogSec=N)
 *      |  READY=1      listeners bound   |  start job done; ordering of later units
 *      |  WATCHDOG=1   every N/4         |  no ping for N: SIGABRT, then Restart=
 *      |  STOPPING=1   shutdown begins   |
 *      +--> AF_UNIX SOCK_DGRAM to $NOTIFY_SOCKET (a path, or @name in the abstract namespace)
 * </pre>
 *
 * Outside a notify unit ($NOTIFY_SOCKET unset) there is no notifier: {@link #fromEnvironment}
 * returns null. A datagram that cannot be sent is dropped: the service manager's own timeouts
 * decide what that means, never the data plane.
 */
public final class SystemdNotifier implements AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** {@code struct sockaddr_un}: a 2-byte family, then up to 108 bytes of path. */
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_BYTES = 108;

    private interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final LibC LIBC = Libc.load(LibC.class);

    private final String socketName;
    private final byte[] address;
    private final long watchdogMicros;
    private int fd = -1;

    private SystemdNotifier(String socketName, long watchdogMicros) {
        this.socketName = socketName;
        this.address = sockaddrUn(socketName);
        this.watchdogMicros = watchdogMicros;
    }

    /**
     * The notifier the service manager asked for in {@code env}, or null when it asked for none
     * ($NOTIFY_SOCKET unset or empty, or not Linux). The watchdog interval is $WATCHDOG_USEC when
     * $WATCHDOG_PID is unset or names {@code pid}, else 0 (no watchdog).
     *
     * @throws IllegalArgumentException if $NOTIFY_SOCKET or $WATCHDOG_USEC cannot be used
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> env, long pid) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty() || LIBC == null) {
            return null;
        }
        long watchdogMicros = 0;
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec != null && !usec.isEmpty() && (forPid == null || forPid.isEmpty() || forPid.equals(Long.toString(pid)))) {
            try {
                watchdogMicros = Long.parseLong(usec);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("WATCHDOG_USEC=" + usec + " is not a number of microseconds");
            }
            if (watchdogMicros <= 0) {
                throw new IllegalArgumentException("WATCHDOG_USEC=" + usec + " must be above 0");
            }
        }
        return new SystemdNotifier(socket, watchdogMicros);
    }

    /** The service watchdog interval systemd expects pings within, in microseconds; 0 for none. */
    public long watchdogMicros() {
        return watchdogMicros;
    }

    /** The socket datagrams go to, as systemd named it. */
    public String socketName() {
        return socketName;
    }

    /** Sends {@code state} (e.g. {@code READY=1}); returns null when sent, else why not. */
    public synchronized String send(String state) {
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        try {
            if (fd < 0) {
                fd = LIBC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            }
            LIBC.sendto(fd, message, message.length, MSG_NOSIGNAL, address, address.length);
            return null;
        } catch (LastErrorException e) {
            return "sendto(" + socketName + ") failed: errno " + e.getErrorCode();
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            try {
                LIBC.close(fd);
            } catch (LastErrorException e) {
                // nothing left to do with a descriptor the kernel refuses to close
            }
            fd = -1;
        }
    }

    /**
     * {@code struct sockaddr_un} for {@code name}, as long as the name needs: for an abstract
     * name ({@code @...}, a leading NUL on the wire) every byte counts, so no trailing NUL.
     */
    static byte[] sockaddrUn(String name) {
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = path.length > 0 && path[0] == '@';
        int length = path.length + (abstractName ? 0 : 1);
        if (length > SUN_PATH_BYTES) {
            throw new IllegalArgumentException("NOTIFY_SOCKET=" + name + " is longer than " + SUN_PATH_BYTES + " bytes");
        }
        if (!abstractName && path.length > 0 && path[0] != '/') {
            throw new IllegalArgumentException("NOTIFY_SOCKET=" + name + " is neither an absolute path nor @abstract");
        }
        byte[] addr = new byte[SUN_PATH_OFFSET + length];
        addr[0] = (byte) AF_UNIX; // sa_family_t, little-endian on every platform this runs on
        System.arraycopy(path, 0, addr, SUN_PATH_OFFSET, path.length);
        if (abstractName) {
            addr[SUN_PATH_OFFSET] = 0;
        }
        return addr;
    }
}
