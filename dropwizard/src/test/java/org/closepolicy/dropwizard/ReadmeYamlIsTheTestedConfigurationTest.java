package org.closepolicy.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The YAML a user copies from the READMEs (this module's and the Quick start's Dropwizard section) is the configuration
 * the client-first test runs ({@code client-first.yml}, there with both ports overridden to 0).
 */
class ReadmeYamlIsTheTestedConfigurationTest {

    @Test
    void everyDropwizardYamlBlockIsTheTestedConfiguration() throws IOException {
        String tested;
        try (InputStream in = getClass().getResourceAsStream("/client-first.yml")) {
            tested = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> blocks = new ArrayList<>(yamlBlocks(Path.of("README.md")));
        blocks.addAll(yamlBlocks(Path.of("..", "README.md")).stream().filter(b -> b.contains("closepolicy-http")).toList());

        assertThat(blocks).hasSizeGreaterThanOrEqualTo(2).allSatisfy(b -> assertThat(b).isEqualTo(tested));
    }

    private static List<String> yamlBlocks(Path readme) throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String line : Files.readAllLines(readme)) {
            if (block == null && line.trim().equals("```yaml")) {
                block = new StringBuilder();
            } else if (block != null && line.trim().equals("```")) {
                blocks.add(block.toString());
                block = null;
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return blocks;
    }
}
