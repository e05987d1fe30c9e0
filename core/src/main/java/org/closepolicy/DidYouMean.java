package org.closepolicy;

import java.util.Locale;

/**
 * The nearest valid word to a misspelt one (edit distance at most 2, or 3 for long words), for error messages.
 *
 * <p>Thread-safety: stateless.
 */
final class DidYouMean {

    private DidYouMean() {
    }

    /** {@code "; did you mean 'x'?"} for the nearest candidate close enough to {@code word}, else {@code ""}. */
    static String suggest(String word, Iterable<String> candidates) {
        String w = word.trim().toLowerCase(Locale.ROOT);
        int limit = w.length() >= 12 ? 3 : 2;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(w, c);
            if (d > 0 && d <= limit && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
