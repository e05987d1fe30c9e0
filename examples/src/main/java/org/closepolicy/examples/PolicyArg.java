package org.closepolicy.examples;

import org.closepolicy.ClosePolicy;
import org.closepolicy.StandardClosePolicy;
import picocli.CommandLine;

/**
 * A close policy given on the command line: a preset name or spec text, with the parsed policy.
 *
 * <p>Thread-safety: immutable.
 *
 * @param text   as written
 * @param policy parsed
 */
record PolicyArg(String text, StandardClosePolicy policy) {

    /** Parses with the core parser; its message becomes the CLI's error message (exit code 2). */
    static final class Converter implements CommandLine.ITypeConverter<PolicyArg> {
        @Override
        public PolicyArg convert(String value) {
            try {
                return new PolicyArg(value.trim(), ClosePolicy.parse(value));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
