package org.closepolicy.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The heap a close policy adds per open connection, from four {@code jcmd PID GC.class_histogram} outputs (each taken
 * after the full GC that command runs): the bare server before and after it holds its connections, and the server with
 * the policy before and after. Bytes per connection = (after − before) / connections for each server; the policy adds
 * the difference. Prints both, and the classes whose growth per connection differs most between the two.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.closepolicy.benchmarks.HeapHistogramDiff \
 *     bare-before.txt bare-after.txt 10000 policy-before.txt policy-after.txt 10000
 * </pre>
 *
 * <p>Thread-safety: a program with one thread.
 */
public final class HeapHistogramDiff {

    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final int TOP = 15;

    private HeapHistogramDiff() {
    }

    /** Instances and bytes of one class. */
    private record Count(long instances, long bytes) {
        Count minus(Count o) {
            return new Count(instances - o.instances, bytes - o.bytes);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 6) {
            throw new IllegalArgumentException("use: BARE_BEFORE BARE_AFTER BARE_CONNECTIONS POLICY_BEFORE POLICY_AFTER POLICY_CONNECTIONS");
        }
        Map<String, Count> bare = growth(Path.of(args[0]), Path.of(args[1]));
        long bareN = Long.parseLong(args[2]);
        Map<String, Count> policy = growth(Path.of(args[3]), Path.of(args[4]));
        long policyN = Long.parseLong(args[5]);
        double bareBytes = sum(bare) / (double) bareN;
        double policyBytes = sum(policy) / (double) policyN;
        System.out.printf(Locale.ROOT, "bare:   %.0f B per connection (%d connections)%n", bareBytes, bareN);
        System.out.printf(Locale.ROOT, "policy: %.0f B per connection (%d connections)%n", policyBytes, policyN);
        System.out.printf(Locale.ROOT, "added by the policy: %.0f B per connection%n", policyBytes - bareBytes);
        Set<String> names = new HashSet<>(bare.keySet());
        names.addAll(policy.keySet());
        List<String[]> rows = new ArrayList<>();
        List<Double> keys = new ArrayList<>();
        for (String name : names) {
            Count b = bare.getOrDefault(name, new Count(0, 0));
            Count p = policy.getOrDefault(name, new Count(0, 0));
            double bytes = p.bytes / (double) policyN - b.bytes / (double) bareN;
            double instances = p.instances / (double) policyN - b.instances / (double) bareN;
            if (Math.abs(bytes) >= 0.5) {
                keys.add(bytes);
                rows.add(new String[] {name, String.format(Locale.ROOT, "%+.2f", instances), String.format(Locale.ROOT, "%+.1f", bytes)});
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        order.sort((x, y) -> Double.compare(Math.abs(keys.get(y)), Math.abs(keys.get(x))));
        System.out.println("| class | instances per connection, policy − bare | bytes per connection, policy − bare |");
        System.out.println("|---|---|---|");
        for (int i = 0; i < Math.min(TOP, order.size()); i++) {
            String[] r = rows.get(order.get(i));
            System.out.printf("| `%s` | %s | %s |%n", r[0], r[1], r[2]);
        }
    }

    private static long sum(Map<String, Count> m) {
        long s = 0;
        for (Count c : m.values()) {
            s += c.bytes;
        }
        return s;
    }

    private static Map<String, Count> growth(Path before, Path after) throws IOException {
        Map<String, Count> b = read(before);
        Map<String, Count> a = read(after);
        Map<String, Count> d = new HashMap<>();
        Set<String> names = new HashSet<>(a.keySet());
        names.addAll(b.keySet());
        for (String n : names) {
            d.put(n, a.getOrDefault(n, new Count(0, 0)).minus(b.getOrDefault(n, new Count(0, 0))));
        }
        return d;
    }

    private static Map<String, Count> read(Path histogram) throws IOException {
        Map<String, Count> m = new HashMap<>();
        for (String line : Files.readAllLines(histogram)) {
            Matcher r = ROW.matcher(line);
            if (r.find()) {
                m.merge(r.group(3), new Count(Long.parseLong(r.group(1)), Long.parseLong(r.group(2))),
                        (x, y) -> new Count(x.instances + y.instances, x.bytes + y.bytes));
            }
        }
        if (m.isEmpty()) {
            throw new IOException(histogram + " has no histogram rows (expected the output of jcmd PID GC.class_histogram)");
        }
        return m;
    }
}
