package dev.arbiter.appliance.support;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The service manager's end of the notify protocol, for tests: an AF_UNIX datagram socket bound
 * to a path or an abstract {@code @name}, read with a timeout, as systemd reads $NOTIFY_SOCKET.
 */
public final class NotifySocket implements AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int EAGAIN = 11;

    private interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] addr, int addrLen) throws LastErrorException;

        int setsockopt(int fd, int level, int name, long[] value, int length) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    private final String name;
    private final Path path;
    private final int fd;

    private NotifySocket(String name, Path path, byte[] address) {
        this.name = name;
        this.path = path;
        this.fd = LIBC.socket(AF_UNIX, SOCK_DGRAM, 0);
        LIBC.bind(fd, address, address.length);
        LIBC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {0, 200_000}, 16); // struct timeval: 200 ms
    }

    /** A socket with the given name, bound at {@code address} (struct sockaddr_un bytes). */
    public static NotifySocket bound(String name, byte[] address) {
        Path path = name.startsWith("@") ? null : Path.of(name);
        return new NotifySocket(name, path, address);
    }

    /** $NOTIFY_SOCKET for this socket. */
    public String name() {
        return name;
    }

    /** The next datagram within {@code timeoutMillis}, or null. */
    public String receive(long timeoutMillis) {
        byte[] buf = new byte[4096];
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                long n = LIBC.recv(fd, buf, buf.length, 0);
                return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EAGAIN) {
                    throw e;
                }
            }
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        LIBC.close(fd);
        if (path != null) {
            Files.deleteIfExists(path);
        }
    }
}
