package org.closepolicy.examples;

import org.closepolicy.ClosePolicy;
import org.closepolicy.StandardClosePolicy;
import picocli.CommandLine;

/**
 * A close policy given on the command line: a preset name or spec text, with the parsed policy, or
 * {@value #NONE}: the bare framework without closepolicy (the baseline of a comparison).
 *
 * <p>Thread-safety: immutable.
 *
 * @param text   as written
 * @param policy parsed; null for {@value #NONE}
 */
record PolicyArg(String text, StandardClosePolicy policy) {

    /** The word that selects the bare framework. */
    static final String NONE = "none";

    /** Parses with the core parser; its message becomes the CLI's error message (exit code 2). */
    static final class Converter implements CommandLine.ITypeConverter<PolicyArg> {
        @Override
        public PolicyArg convert(String value) {
            if (value.trim().equalsIgnoreCase(NONE)) {
                return new PolicyArg(NONE, null);
            }
            try {
                return new PolicyArg(value.trim(), ClosePolicy.parse(value));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
