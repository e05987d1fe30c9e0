package org.closepolicy;

/**
 * The outcome of {@link ClosePolicy#decide}: keep the connection ({@link Reuse}) or retire it
 * ({@link Retire}).
 *
 * <pre>{@code
 * Decision d = policy.decide(view, ticker.nanos());
 * if (d instanceof Retire retire) {
 *     // add Connection: close, then carry out retire.closer() / retire.mode()
 * }
 * }</pre>
 *
 * <p>Thread-safety: all implementations are immutable.
 */
public sealed interface Decision permits Reuse, Retire {

    /** Whether this decision retires the connection. */
    boolean retires();
}
