package org.twinmail.core.fuzz;

import java.io.PrintWriter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one {@code @FuzzTest} method in this JVM, without Maven: {@code bin/fuzz --ci} starts one
 * JVM per target on the module's test class path, so that CI's short coverage-guided run costs a
 * JVM start per target, not a Maven build. With {@code JAZZER_FUZZ=1} Jazzer fuzzes the method for
 * {@code JAZZER_MAX_DURATION} and writes a finding into the target's Inputs directory (relative to
 * the working directory: run it from the module's directory). Exit status: 0 passed, 1 failed (a
 * finding, or a regression input that fails), 2 nothing ran.
 *
 * <pre>java -XX:+EnableDynamicAgentLoading -cp ... org.twinmail.core.fuzz.FuzzOne org.twinmail.mail.MailParsersFuzzTest#header</pre>
 */
public final class FuzzOne {
    private FuzzOne() {
    }

    public static void main(String[] args) {
        if (args.length != 1 || !args[0].contains("#")) {
            System.err.println("usage: FuzzOne fully.qualified.Class#method");
            System.exit(2);
        }
        String className = args[0].substring(0, args[0].indexOf('#'));
        String methodName = args[0].substring(args[0].indexOf('#') + 1);
        java.lang.reflect.Method method;
        Class<?> type;
        try {
            type = Class.forName(className);
            method = java.util.Arrays.stream(type.getDeclaredMethods()).filter(m -> m.getName().equals(methodName)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no method " + methodName + " in " + className));
        } catch (ClassNotFoundException | IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectMethod(type, method)).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        summary.printFailuresTo(out, 20);
        out.printf("%s: %d run, %d failed, %d skipped%n", args[0], summary.getTestsStartedCount(),
                summary.getTotalFailureCount(), summary.getTestsSkippedCount());
        System.exit(summary.getTotalFailureCount() > 0 ? 1 : summary.getTestsSucceededCount() == 0 ? 2 : 0);
    }
}
