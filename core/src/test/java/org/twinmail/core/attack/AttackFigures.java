package org.twinmail.core.attack;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The one log line an attack test writes with what it measured (docs/anti-abuse.md, "What each
 * attack test measures"), so a run's figures can be taken from its output:
 *
 * <pre>ATTACK-MEASURE test=ImapDefencesTest#guessing load=3.12 cpus=2 checks_per_s=1.3 owner_login_ms=41</pre>
 *
 * {@code load} is the machine's one-minute load average when the figures were taken (timings on a
 * loaded machine are inflated: read them with it). The figures are {@code name=value} pairs in the
 * order given; names are lower case with underscores, values have no spaces.
 * {@code grep -rh ATTACK-MEASURE --include=*-output.txt .} in the reactor collects a run's lines (surefire keeps each test class's output in target/surefire-reports).
 */
public final class AttackFigures {
    public static final String PREFIX = "ATTACK-MEASURE";

    private AttackFigures() {
    }

    /** Prints (and returns) the line for {@code test} with {@code figures}: name, value, name, value... */
    public static String report(String test, Object... figures) {
        if (figures.length % 2 != 0) throw new IllegalArgumentException("figures come as name, value pairs");
        StringBuilder b = new StringBuilder(PREFIX).append(" test=").append(test);
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        b.append(String.format(Locale.ROOT, " load=%.2f cpus=%d", load, Runtime.getRuntime().availableProcessors()));
        for (int i = 0; i < figures.length; i += 2) {
            String name = String.valueOf(figures[i]);
            if (!name.matches("[a-z0-9_]+")) throw new IllegalArgumentException("a figure's name is lower case with underscores: " + name);
            Object v = figures[i + 1];
            String value = v instanceof Double || v instanceof Float ? String.format(Locale.ROOT, "%.2f", ((Number) v).doubleValue())
                    : String.valueOf(v).replace(' ', '_');
            b.append(' ').append(name).append('=').append(value);
        }
        String line = b.toString();
        System.out.println(line);
        return line;
    }
}
