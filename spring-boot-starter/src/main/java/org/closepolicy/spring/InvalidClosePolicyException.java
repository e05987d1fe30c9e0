package org.closepolicy.spring;

/**
 * {@code closepolicy.policy} could not be parsed; {@link InvalidClosePolicyFailureAnalyzer} turns it into a short
 * startup failure report.
 *
 * <p>Thread-safety: immutable.
 */
public class InvalidClosePolicyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String value;

    /** The property {@code property} holds {@code value}, which the parser rejected with {@code cause}. */
    public InvalidClosePolicyException(String property, String value, IllegalArgumentException cause) {
        super(property + "=" + value + ": " + cause.getMessage(), cause);
        this.property = property;
        this.value = value;
    }

    /** The property name, {@code closepolicy.policy}. */
    public String property() {
        return property;
    }

    /** The property's value as given. */
    public String value() {
        return value;
    }

    /** The parser's message: the key, the value and what is allowed. */
    public String reason() {
        return getCause().getMessage();
    }
}
