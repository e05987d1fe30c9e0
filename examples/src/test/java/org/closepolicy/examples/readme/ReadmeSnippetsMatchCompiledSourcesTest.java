package org.closepolicy.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block of README.md and of the module READMEs is, verbatim, a tagged region of a test source
 * file that the build compiles ({@code // tag::NAME[]} ... {@code // end::NAME[]}, the regions of one name joined
 * with a blank line, each with its common indentation removed). A snippet that does not compile breaks the test
 * compilation; one that drifted from its source breaks this test.
 */
class ReadmeSnippetsMatchCompiledSourcesTest {

    private static final Pattern TAG = Pattern.compile("^\\s*// tag::([\\w.-]+)\\[\\]\\s*$");
    private static final Pattern END = Pattern.compile("^\\s*// end::([\\w.-]+)\\[\\]\\s*$");

    @Test
    void everyJavaBlockOfEveryReadmeIsACompiledSnippet() throws IOException {
        Path root = repositoryRoot();
        Map<String, String> snippets = snippets(root);
        List<String> problems = new ArrayList<>();
        int blocks = 0;
        for (Path readme : readmes(root)) {
            for (Block b : javaBlocks(readme)) {
                blocks++;
                if (!snippets.containsValue(b.text)) {
                    problems.add(root.relativize(readme) + ":" + b.line + " is not a tagged region of any src/test/java file"
                            + " (closest: " + closest(b.text, snippets) + "):\n" + b.text);
                }
            }
        }
        assertThat(problems).as("README java blocks out of sync with their compiled sources").isEmpty();
        assertThat(blocks).as("java blocks found in the READMEs").isGreaterThanOrEqualTo(8);
    }

    private record Block(int line, String text) {
    }

    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("bom")) && Files.exists(p.resolve("README.md")))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no repository root (a directory with bom/ and README.md) above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** README.md and the README.md of every module and of every project under examples/. */
    private static List<Path> readmes(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root, 3)) {
            return s.filter(p -> p.getFileName().toString().equals("README.md"))
                    .filter(p -> root.relativize(p).getNameCount() <= 2 || root.relativize(p).startsWith("examples"))
                    .filter(p -> !root.relativize(p).toString().contains("target"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static List<Block> javaBlocks(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals("```java")) {
                int start = i + 1;
                int end = start;
                while (end < lines.size() && !lines.get(end).trim().equals("```")) {
                    end++;
                }
                blocks.add(new Block(start, normalise(dedent(lines.subList(start, end)))));
                i = end;
            }
        }
        return blocks;
    }

    /** Tagged regions of every src/test/java file in the repository, by name. */
    static Map<String, String> snippets(Path root) throws IOException {
        Map<String, List<String>> regions = new LinkedHashMap<>();
        List<Path> sources;
        try (Stream<Path> s = Files.walk(root)) {
            sources = s.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/test/java/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .sorted()
                    .collect(Collectors.toList());
        }
        for (Path f : sources) {
            Map<String, List<String>> open = new LinkedHashMap<>();
            for (String line : read(f)) {
                Matcher t = TAG.matcher(line);
                Matcher e = END.matcher(line);
                if (t.matches()) {
                    open.put(t.group(1), new ArrayList<>());
                } else if (e.matches()) {
                    List<String> body = open.remove(e.group(1));
                    if (body == null) {
                        throw new IllegalStateException(f + ": end::" + e.group(1) + "[] without tag::");
                    }
                    regions.computeIfAbsent(e.group(1), k -> new ArrayList<>()).add(dedent(body));
                } else {
                    open.values().forEach(body -> body.add(line));
                }
            }
            if (!open.isEmpty()) {
                throw new IllegalStateException(f + ": tag without end: " + open.keySet());
            }
        }
        Map<String, String> joined = new LinkedHashMap<>();
        regions.forEach((name, parts) -> joined.put(name, normalise(String.join("\n\n", parts))));
        return joined;
    }

    private static List<String> read(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String dedent(List<String> lines) {
        int indent = Integer.MAX_VALUE;
        for (String l : lines) {
            if (!l.isBlank()) {
                indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
        }
        int cut = indent == Integer.MAX_VALUE ? 0 : indent;
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(cut)).collect(Collectors.joining("\n"));
    }

    private static String normalise(String text) {
        return text.lines().map(String::stripTrailing).collect(Collectors.joining("\n")).strip();
    }

    private static String closest(String text, Map<String, String> snippets) {
        String best = "none";
        int bestShared = -1;
        for (Map.Entry<String, String> e : snippets.entrySet()) {
            int shared = 0;
            for (String line : text.lines().collect(Collectors.toList())) {
                if (e.getValue().contains(line.strip())) {
                    shared++;
                }
            }
            if (shared > bestShared) {
                bestShared = shared;
                best = e.getKey();
            }
        }
        return best;
    }
}
