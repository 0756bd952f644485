package org.twinmail.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * {@code <data>/run/admin.json}: where a running server's admin API listens and the
 * token it accepts. Readable by the owner only; the CLI uses it to send admin
 * commands to the running server instead of opening the store itself.
 */
public record RunFile(String url, String token, long pid) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path path(Path dataDir) {
        return dataDir.resolve("run").resolve("admin.json");
    }

    public void write(Path dataDir) throws IOException {
        Path file = path(dataDir);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("admin.json.tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, JSON.writeValueAsBytes(this));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static Optional<RunFile> read(Path dataDir) {
        Path file = path(dataDir);
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(JSON.readValue(file.toFile(), RunFile.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static void delete(Path dataDir) {
        try {
            Files.deleteIfExists(path(dataDir));
        } catch (IOException ignored) {
            // a stale run file is harmless: the CLI falls back when the URL does not answer
        }
    }

    public URI uri() {
        return URI.create(url);
    }
}
