package org.closepolicy.reliability;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** Client JVMs started from the test classpath, and this JVM's own resource counts. */
final class Jvm {

    private Jvm() {
    }

    /** The command that runs {@code main} of the test classpath in a small JVM. */
    static List<String> command(Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        return cmd;
    }

    /** Starts {@code main} in a JVM on this host; its standard error goes to the test output. */
    static Process start(Class<?> main, List<String> args) {
        try {
            return new ProcessBuilder(command(main, args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + main.getName(), e);
        }
    }

    /**
     * Descriptors, threads and heap in use (after a collection) of this JVM.
     *
     * @param fds     open file descriptors
     * @param threads live threads
     * @param heapMb  heap in use after {@code System.gc()}, in MiB
     */
    record Snapshot(int fds, int threads, long heapMb) {
        static Snapshot take() {
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            return new Snapshot(org.closepolicy.testkit.Fds.openCount(), ManagementFactory.getThreadMXBean().getThreadCount(),
                    heap >> 20);
        }

        @Override
        public String toString() {
            return fds + " fds, " + threads + " threads, " + heapMb + " MiB heap";
        }
    }
}
