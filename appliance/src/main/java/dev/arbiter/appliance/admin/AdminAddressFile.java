package dev.arbiter.appliance.admin;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;

/**
 * Where the running admin API listens, for the system scripts ({@code systemctl reload}, the
 * boot check): one line, {@code 127.0.0.1:9090} or {@code [::1]:9090}. It is the address the
 * admin socket was bound to, so it stays right when the config file's {@code admin} section has
 * been edited but not yet restarted into, and when {@code admin.port} is 0.
 */
public final class AdminAddressFile {

    private static final Logger LOG = Logger.getLogger(AdminAddressFile.class.getName());

    private AdminAddressFile() {
    }

    /** The line written for {@code address}, without its newline. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Writes the file whole or not at all: a reader sees the old content, none, or the new. */
    public static void write(Path file, InetSocketAddress address) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, format(address) + "\n", StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes the file on the way out; null (no file asked for) does nothing. */
    public static void remove(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warning("admin address file " + file + ": cannot remove it: " + e);
        }
    }
}
