package org.twinmail.web.session;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.twinmail.http.Exchange;

/**
 * The static files of a web application (scripts, styles, icons, the manifest), read once from
 * the classpath into memory and served with the right type, a strong ETag (304 on
 * {@code If-None-Match}), gzip when the browser takes it (a {@code name.gz} beside the file is
 * used as it is; other text is compressed once at load) and caching by name:
 * <ul>
 *   <li>{@code app.js} is served with {@code Cache-Control: no-cache} (revalidated by ETag);</li>
 *   <li>{@code app.<8 hex of its SHA-256>.js} ({@link #url}) is the same file, cached for a year
 *       as {@code immutable}: a new version has a new name. A stale hash is 404.</li>
 * </ul>
 */
public final class StaticAssets {
    private static final Pattern HASHED = Pattern.compile("(.*)\\.([0-9a-f]{8})(\\.[A-Za-z0-9]+)");
    private static final int COMPRESS_MIN = 256;
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("txt", "text/plain; charset=utf-8"));

    /** One file: its bytes, gzipped bytes (or null), type and content hash. */
    public record Asset(String name, String type, byte[] bytes, byte[] gzip, String hash) {
        public String etag() {
            return "\"" + hash + "\"";
        }

        public String gzipEtag() {
            return "\"" + hash + "-gz\"";
        }
    }

    private final Map<String, Asset> assets;

    private StaticAssets(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** The files under classpath directory {@code root} (e.g. {@code org/twinmail/web/webmail/static}), by relative name. */
    public static StaticAssets fromClasspath(Class<?> anchor, String root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        URL url = anchor.getClassLoader().getResource(root);
        if (url == null) throw new IOException("no classpath directory " + root);
        URI uri;
        try {
            uri = url.toURI();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (uri.getScheme().equals("jar")) {
            FileSystem fs;
            boolean opened = false;
            try {
                fs = FileSystems.newFileSystem(uri, Map.of());
                opened = true;
            } catch (FileSystemAlreadyExistsException e) {
                fs = FileSystems.getFileSystem(uri);
            }
            try {
                readTree(fs.getPath(root), files);
            } finally {
                if (opened) fs.close();
            }
        } else {
            readTree(Path.of(uri), files);
        }
        return of(files);
    }

    /** The given files (name to bytes); a {@code name.gz} is taken as the precompressed form of {@code name}. */
    public static StaticAssets of(Map<String, byte[]> files) {
        Map<String, Asset> out = new HashMap<>();
        for (var e : files.entrySet()) {
            String name = e.getKey();
            if (name.endsWith(".gz") && files.containsKey(name.substring(0, name.length() - 3))) continue;
            byte[] bytes = e.getValue();
            String type = type(name);
            byte[] gz = files.get(name + ".gz");
            if (gz == null && bytes.length >= COMPRESS_MIN && compressible(type)) {
                gz = gzip(bytes);
                if (gz.length >= bytes.length) gz = null;
            }
            out.put(name, new Asset(name, type, bytes, gz, sha256(bytes).substring(0, 8)));
        }
        return new StaticAssets(Map.copyOf(out));
    }

    private static void readTree(Path dir, Map<String, byte[]> files) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                try (InputStream in = Files.newInputStream(p)) {
                    files.put(rel, in.readAllBytes());
                }
            }
        }
    }

    /** The file called {@code name} (unhashed), if there is one. */
    public Optional<Asset> asset(String name) {
        return Optional.ofNullable(assets.get(name));
    }

    /** Every file's name. */
    public List<String> names() {
        return assets.keySet().stream().sorted().toList();
    }

    /** The hashed name of {@code name} ({@code app.js} to {@code app.1a2b3c4d.js}), cached for ever by browsers. */
    public String url(String name) {
        Asset a = assets.get(name);
        if (a == null) throw new IllegalArgumentException("no asset " + name);
        int dot = name.lastIndexOf('.');
        int slash = name.lastIndexOf('/');
        if (dot <= slash + 1) return name + "." + a.hash();
        return name.substring(0, dot) + "." + a.hash() + name.substring(dot);
    }

    /**
     * Answers a GET or HEAD of {@code name} (relative, as after the application's prefix);
     * false when there is no such file (the caller answers 404).
     */
    public boolean serve(Exchange ex, String name) throws IOException {
        Asset a = assets.get(name);
        boolean immutable = false;
        if (a == null) {
            Matcher m = HASHED.matcher(name);
            if (!m.matches()) return false;
            a = assets.get(m.group(1) + m.group(3));
            if (a == null || !a.hash().equals(m.group(2))) return false;
            immutable = true;
        }
        ContentSecurityPolicy.securityHeaders(ex);
        ex.setHeader("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
        boolean gzip = a.gzip() != null && acceptsGzip(ex.header("Accept-Encoding"));
        if (a.gzip() != null) ex.setHeader("Vary", "Accept-Encoding");
        String etag = gzip ? a.gzipEtag() : a.etag();
        ex.setHeader("ETag", etag);
        if (matches(ex.header("If-None-Match"), etag)) {
            ex.send(304, null, null);
            return true;
        }
        if (gzip) ex.setHeader("Content-Encoding", "gzip");
        ex.send(200, a.type(), gzip ? a.gzip() : a.bytes());
        return true;
    }

    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) return false;
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.split(";");
            String coding = p[0].strip().toLowerCase(Locale.ROOT);
            if (!coding.equals("gzip") && !coding.equals("*")) continue;
            double q = 1;
            for (int i = 1; i < p.length; i++) {
                String param = p[i].strip();
                if (param.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(param.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            return q > 0;
        }
        return false;
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) return false;
        for (String t : ifNoneMatch.split(",")) {
            String s = t.strip();
            if (s.startsWith("W/")) s = s.substring(2);
            if (s.equals(etag) || s.equals("*")) return true;
        }
        return false;
    }

    static String type(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }

    private static boolean compressible(String type) {
        return type.startsWith("text/") || type.startsWith("application/json") || type.startsWith("application/manifest")
                || type.startsWith("image/svg");
    }

    private static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length / 3 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out) {{ def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION); }}) {
            gz.write(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
