package org.twinmail.server.ha;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the HA fault suite in this JVM, without Maven, for {@code ha/repeat.sh}: the suite is built once and
 * each repetition is one JVM on the server module's test class path, not a Maven build of the reactor (about
 * 30 s a run on a quiet machine, minutes on a loaded one, spent before the lab is even up). The selection is
 * surefire's {@code -Dtest} syntax for one class: {@code HaLabTest} or {@code HaLabTest#oneTest+another}. Run it
 * from the server module's directory (the suite writes {@code target/ha-report.txt} and finds {@code ../ha}).
 * Exit status: 0 every selected test passed, 1 one failed, 2 nothing ran (a skipped suite: not root).
 * Unlike surefire, a failed test is not run again: a repetition reports what happened the first time.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:... org.twinmail.server.ha.HaLabRun 'HaLabTest#storageFrozenOnTheActive'</pre>
 */
public final class HaLabRun {
    private HaLabRun() {
    }

    public static void main(String[] args) throws ClassNotFoundException {
        String spec = args.length == 1 ? args[0] : "HaLabTest";
        String className = spec.contains("#") ? spec.substring(0, spec.indexOf('#')) : spec;
        Class<?> type = Class.forName(className.contains(".") ? className : HaLabRun.class.getPackageName() + "." + className);
        List<DiscoverySelector> selectors = new ArrayList<>();
        if (spec.contains("#")) {
            for (String method : spec.substring(spec.indexOf('#') + 1).split("\\+")) {
                if (Arrays.stream(type.getDeclaredMethods()).noneMatch(m -> m.getName().equals(method))) {
                    System.err.println("no test " + method + " in " + type.getName());
                    System.exit(2);
                }
                selectors.add(DiscoverySelectors.selectMethod(type, method));
            }
        } else {
            selectors.add(DiscoverySelectors.selectClass(type));
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        summary.printFailuresTo(out, 40);
        out.printf("%s: %d run, %d failed, %d skipped%n", spec, summary.getTestsStartedCount(), summary.getTotalFailureCount(),
                summary.getTestsSkippedCount() + summary.getTestsAbortedCount());
        System.exit(summary.getTotalFailureCount() > 0 ? 1 : summary.getTestsSucceededCount() == 0 ? 2 : 0);
    }
}
