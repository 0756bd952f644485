package org.twinmail.bench;

import org.twinmail.bench.stats.ProcessTree;

/**
 * Prints the memory (PSS, MiB) and CPU seconds so far of the process trees under the
 * given comma-separated pids: {@code java -cp twinmail-bench.jar org.twinmail.bench.ServerCost 123,456}.
 */
public final class ServerCost {
    private ServerCost() {}

    public static void main(String[] args) {
        if (args.length != 1) throw new IllegalArgumentException("usage: ServerCost pid[,pid...]");
        ProcessTree.Sample s = ProcessTree.sample(ProcessTree.parsePids(args[0]));
        System.out.printf("%,d MiB (%d processes, %.1f s CPU)%n", s.memoryBytes() >> 20, s.processes(), s.cpuSeconds());
    }
}
