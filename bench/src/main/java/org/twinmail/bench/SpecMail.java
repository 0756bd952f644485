package org.twinmail.bench;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.twinmail.bench.model.Workload;
import org.twinmail.bench.run.MaximumSearch;
import org.twinmail.bench.run.Prepopulate;
import org.twinmail.bench.run.Provision;
import org.twinmail.bench.run.SpecMailRun;
import org.twinmail.bench.run.Target;
import org.twinmail.bench.run.WarmLogins;
import org.twinmail.bench.stats.ProcessTree;

/**
 * The SPECmail2001 workload against any SMTP + POP3 server.
 *
 * <pre>
 * java -cp twinmail-bench.jar org.twinmail.bench.SpecMail --smtp 127.0.0.1:2525 --pop3 127.0.0.1:2110 \
 *     --domain bench.test --users 100000 --load 1.0 --duration 600 [--remote-out 0] \
 *     [--provision-twinmail data/run/admin.json | --passwd-file users.passwd] [--prepopulate] \
 *     [--server-pid 1234] [--maximum --step 60] [--warm-logins] [--setup-only] [--sink-port 2599]
 * </pre>
 * Exit status 0 when every exercised QoS category passed, 2 when one failed.
 */
public final class SpecMail {
    private SpecMail() {}

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        Target target = new Target(a.address("--smtp", "127.0.0.1:2525"), a.address("--pop3", "127.0.0.1:2110"), null,
                a.string("--domain", "bench.test"), a.string("--user-pattern", "user%d"), a.string("--password", "bench-password-%d"),
                Duration.ofSeconds(a.number("--timeout", 60)));
        int users = (int) a.number("--users", 1000);
        Workload w = Workload.spec(users, a.decimal("--load", 1.0));
        if (a.has("--rate")) w = w.withRate(a.decimal("--rate", 0));
        w = new Workload(users, w.msgsPerMinute(), a.decimal("--remote-out", Workload.REMOTE_SHARE),
                a.decimal("--remote-in", Workload.REMOTE_SHARE), a.decimal("--retry-pool", Workload.RETRY_POOL_SHARE));
        int probes = (int) a.number("--probe-mailboxes", 4);
        SpecMailRun.Options o = new SpecMailRun.Options(w, Duration.ofSeconds(a.number("--duration", 60)), a.number("--seed", 1),
                (int) a.number("--max-sessions", 4000), a.decimal("--probe-share", 0.05), probes,
                Duration.ofMillis(a.number("--probe-interval-ms", 2000)), Duration.ofSeconds(a.number("--drain", 60)),
                a.string("--remote-domain", "remote.bench.invalid"), (int) a.number("--sink-port", 0),
                a.has("--server-pid") ? ProcessTree.parsePids(a.string("--server-pid", "")) : List.of());
        Duration step = Duration.ofSeconds(a.number("--step", 60));
        int maxSteps = (int) a.number("--max-steps", 8);
        int provisionParallel = (int) a.number("--provision-parallel", 32);
        a.done();

        if (a.provisionTwinmail != null) {
            long t0 = System.nanoTime();
            int n = Provision.twinmail(Path.of(a.provisionTwinmail), target.domain(), Provision.accounts(target, users, probes), provisionParallel);
            System.out.printf("provisioned %,d accounts through the admin API in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        }
        if (a.passwdFile != null) {
            Provision.passwdFile(Path.of(a.passwdFile), Provision.accounts(target, users, probes), a.passwdScheme);
            System.out.printf("wrote %,d accounts to %s%n", users + probes, a.passwdFile);
        }
        if (a.prepopulate) {
            Prepopulate.Result p = Prepopulate.run(target, users, o.seed(), 50, 4);
            System.out.printf("pre-populated %,d deliveries in %,d messages in %.1f s%n", p.deliveries(), p.messages(), p.seconds());
        }
        if (a.warmLogins) {
            WarmLogins.Result wl = WarmLogins.run(target, users, probes, 20);
            System.out.printf("warm-up: %,d logins over POP3 (every user once) in %.1f s, not measured%n", wl.logins(), wl.seconds());
        }
        if (a.setupOnly) return;
        if (a.maximum) {
            MaximumSearch.Result m = MaximumSearch.run(target, o, step, maxSteps, System.out);
            System.out.printf("maximum with QoS: %.0f msgs/min (%d users)%n", m.bestPerMinute(), users);
            System.exit(m.bestPerMinute() > 0 ? 0 : 2);
        }
        SpecMailRun.Result r = new SpecMailRun(target, o).run();
        System.out.print(r.report());
        System.exit(r.passed() ? 0 : 2);
    }

    /** Flags of the form --name value; unknown flags are an error, so a typo never runs a different benchmark. */
    static final class Args {
        private final java.util.Map<String, String> values = new java.util.HashMap<>();
        private final java.util.Set<String> used = new java.util.HashSet<>();
        String provisionTwinmail, passwdFile, passwdScheme;
        boolean prepopulate, maximum, setupOnly, warmLogins;

        Args(String[] argv) {
            for (int i = 0; i < argv.length; i++) {
                String k = argv[i];
                switch (k) {
                    case "--prepopulate" -> prepopulate = true;
                    case "--maximum" -> maximum = true;
                    case "--setup-only" -> setupOnly = true;
                    case "--warm-logins" -> warmLogins = true;
                    default -> {
                        if (!k.startsWith("--") || i + 1 >= argv.length) throw new IllegalArgumentException("expected --name value at " + k);
                        values.put(k, argv[++i]);
                    }
                }
            }
            provisionTwinmail = take("--provision-twinmail");
            passwdFile = take("--passwd-file");
            passwdScheme = take("--passwd-scheme");
        }

        private String take(String k) {
            used.add(k);
            return values.get(k);
        }

        boolean has(String k) {
            return values.containsKey(k);
        }

        String string(String k, String def) {
            used.add(k);
            return values.getOrDefault(k, def);
        }

        long number(String k, long def) {
            return Long.parseLong(string(k, Long.toString(def)));
        }

        double decimal(String k, double def) {
            return Double.parseDouble(string(k, Double.toString(def)));
        }

        InetSocketAddress address(String k, String def) {
            String v = string(k, def);
            int colon = v.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException(k + " needs host:port, got " + v);
            return new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
        }

        void done() {
            for (String k : values.keySet()) if (!used.contains(k)) throw new IllegalArgumentException("unknown option " + k);
        }
    }
}
