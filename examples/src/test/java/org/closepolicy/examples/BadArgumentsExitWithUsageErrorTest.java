package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every mistake on the command line ends with exit code 2 and one clear message, never a stack trace. */
class BadArgumentsExitWithUsageErrorTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            serve --policy bogus                          | 'bogus' for key 'preset'
            serve --policy close.first=sideways           | close.first
            serve --policy client-first,reuse.jitter=90%  | reuse.jitter
            serve --server tomcat                         | tomcat
            serve --port 70000                            | out of range
            serve --port abc                              | abc
            serve --server jetty --transport epoll        | Jetty uses NIO
            serve --drain forever                         | not a duration
            demo --concurrency 0                          | --concurrency 0
            demo --policies server-fin,nope               | unknown preset 'nope'
            demo --requests -5                            | --requests -5
            demo --duration 5x                            | not a duration
            demo --json /no/such/folder/out.json          | does not exist
            diagnose --port abc                           | abc
            diagnose --port 0                             | out of range
            frobnicate                                    | frobnicate
            demo --frobnicate                             | --frobnicate
            """)
    void badArgumentsExitWith2AndAMessage(String args, String message) {
        CliRun run = CliRun.of(args.trim().split("\\s+"));

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains(message).contains("--help").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "help", "demo", "serve", "diagnose"})
    void everyCommandHasHelp(String command) {
        CliRun run = command.isEmpty() ? CliRun.of("--help") : CliRun.of(command, "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: closepolicy");
    }

    @org.junit.jupiter.api.Test
    void noCommandIsAUsageError() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing command");
    }
}
