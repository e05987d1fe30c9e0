package org.closepolicy.reliability;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.closepolicy.testkit.DeterministicBytes;

/** The bodies the test servers send, generated once per size, and their hashes. */
final class Payloads {

    /** About the size of the seed's XML weather report. */
    static final int SMALL = 1_900;
    /** The large response of the loss and vanish scenarios. */
    static final int ONE_MB = 1_000_000;
    /** Uploads larger than this get an immediate 413 without their body being read. */
    static final int UPLOAD_LIMIT = 64 * 1024;
    /** Request headers larger than this are refused by both servers. */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    private static final Map<Integer, byte[]> BODIES = new ConcurrentHashMap<>();
    private static final Map<Long, String> HASHES = new ConcurrentHashMap<>();

    private Payloads() {
    }

    /** The first {@code n} deterministic bytes, shared: callers must not modify the array. */
    static byte[] body(int n) {
        return BODIES.computeIfAbsent(n, DeterministicBytes::generate);
    }

    /** SHA-256 of the first {@code n} deterministic bytes. */
    static String sha256(long n) {
        return HASHES.computeIfAbsent(n, DeterministicBytes::sha256Hex);
    }
}
