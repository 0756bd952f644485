package org.twinmail.bench.run;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates the bench's users on the server under test: on TwinMail through its admin
 * REST API (the endpoint and token a running node publishes in data/run/admin.json);
 * on Dovecot as lines of a passwd-file.
 */
public final class Provision {
    private Provision() {}

    /** Every address the bench uses: the population and the probe mailboxes, with their passwords. */
    public static List<String[]> accounts(Target t, int users, int probes) {
        List<String[]> a = new ArrayList<>(users + probes);
        for (int u = 0; u < users; u++) a.add(new String[] {t.address(u), t.password(u)});
        for (int p = 0; p < probes; p++) a.add(new String[] {t.probeAddress(p), t.probePassword(p)});
        return a;
    }

    /** POSTs the domain (an existing one is fine) and every account, {@code parallel} requests at a time. */
    public static int twinmail(Path adminJson, String domain, List<String[]> accounts, int parallel) throws IOException, InterruptedException {
        String json = Files.readString(adminJson);
        String url = field(json, "url"), token = field(json, "token");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        int domainStatus = post(http, url, token, "domains", "{\"name\":\"" + domain + "\"}");
        if (domainStatus != 201 && domainStatus != 409) throw new IOException("POST /api/admin/domains " + domain + ": HTTP " + domainStatus);
        AtomicInteger next = new AtomicInteger(), created = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int k; failure.get() == null && (k = next.getAndIncrement()) < accounts.size(); ) {
                    String[] a = accounts.get(k);
                    try {
                        int st = post(http, url, token, "users", "{\"address\":\"" + a[0] + "\",\"password\":\"" + a[1] + "\"}");
                        if (st == 201) created.incrementAndGet();
                        else if (st != 409) failure.compareAndSet(null, "POST /api/admin/users " + a[0] + ": HTTP " + st);
                    } catch (IOException | InterruptedException e) {
                        failure.compareAndSet(null, "POST /api/admin/users " + a[0] + ": " + e);
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (failure.get() != null) throw new IOException(failure.get());
        return created.get();
    }

    /** Dovecot passwd-file lines "user:{PLAIN}password" (the peer's own scheme choice is the script's). */
    public static void passwdFile(Path file, List<String[]> accounts, String scheme) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String[] a : accounts) b.append(a[0]).append(':').append(scheme == null ? "{PLAIN}" + a[1] : scheme).append('\n');
        Files.writeString(file, b);
    }

    private static int post(HttpClient http, String url, String token, String path, String body) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/admin/" + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A string field of a small flat JSON object; enough for admin.json, which we do not otherwise parse. */
    static String field(String json, String name) throws IOException {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) throw new IOException("no \"" + name + "\" in admin.json");
        return m.group(1);
    }
}
