package org.twinmail.bench.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * CPU time and memory of a server read from /proc: the given processes and all their
 * descendants, so a multi-process server (Postfix's master, Dovecot's master) counts
 * whole. CPU is utime + stime + cutime + cstime over the live tree: a child that exits
 * and is reaped inside the tree moves its time into its parent's cutime, so the
 * difference of two samples is exact. Memory is the sum of PSS (shared pages split
 * between their users) where smaps_rollup is readable, else of RSS.
 */
public final class ProcessTree {
    /** USER_HZ: the unit of /proc/[pid]/stat times; 100 on every Linux architecture we run on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessTree() {}

    public record Sample(double cpuSeconds, long memoryBytes, int processes) { }

    public static Sample sample(List<Long> roots) {
        Map<Long, Long> parent = new HashMap<>();
        Map<Long, String> stats = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    long pid = Long.parseLong(name);
                    stats.put(pid, stat);
                    parent.put(pid, Long.parseLong(fields(stat)[1]));
                } catch (IOException | RuntimeException gone) {
                    // the process exited between listing and reading: its time is in its parent's cutime
                }
            }
        } catch (IOException e) {
            return new Sample(0, 0, 0);
        }
        Set<Long> tree = new HashSet<>(roots);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<Long, Long> e : parent.entrySet()) {
                if (!tree.contains(e.getKey()) && tree.contains(e.getValue())) grew = tree.add(e.getKey()) || grew;
            }
        }
        double ticks = 0;
        long memory = 0;
        int n = 0;
        for (long pid : tree) {
            String stat = stats.get(pid);
            if (stat == null) continue;
            String[] f = fields(stat);
            // after the command: f[0]=state, f[11..14] = utime stime cutime cstime (stat fields 14-17)
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            memory += memory(pid);
            n++;
        }
        return new Sample(ticks / TICKS_PER_SECOND, memory, n);
    }

    /** The fields after "(comm)", which may itself contain spaces and parentheses. */
    private static String[] fields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    }

    private static long memory(long pid) {
        for (String file : new String[] {"smaps_rollup", "status"}) {
            String key = file.equals("status") ? "VmRSS:" : "Pss:";
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
                    if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
                }
            } catch (IOException | RuntimeException e) {
                // not readable (another user's process, or gone): try the next source
            }
        }
        return 0;
    }

    /** The pids of the given comma-separated list. */
    public static List<Long> parsePids(String list) {
        List<Long> out = new ArrayList<>();
        for (String s : list.split(",")) if (!s.isBlank()) out.add(Long.parseLong(s.trim()));
        return out;
    }
}
