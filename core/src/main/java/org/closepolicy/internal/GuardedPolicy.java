package org.closepolicy.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseSettings;
import org.closepolicy.ConnectionView;
import org.closepolicy.Decision;
import org.closepolicy.Preset;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy that never fails: exceptions and null decisions become the safe default, logged once.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class GuardedPolicy implements ClosePolicy {

    private static final Logger LOG = LoggerFactory.getLogger(ClosePolicy.class);

    /** Server-first lingering close, reason POLICY_ERROR. */
    public static final Retire SAFE_DEFAULT = CloseSettings.of(Preset.LINGERING).retire(RetireReason.POLICY_ERROR);

    private final ClosePolicy delegate;
    private final AtomicBoolean logged = new AtomicBoolean();
    private final LongAdder failures = new LongAdder();

    private GuardedPolicy(ClosePolicy delegate) {
        this.delegate = delegate;
    }

    /** Wraps a policy (no-op if already wrapped). */
    public static ClosePolicy wrap(ClosePolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return policy instanceof GuardedPolicy ? policy : new GuardedPolicy(policy);
    }

    @Override
    public Decision decide(ConnectionView view, long nowNanos) {
        Decision d;
        try {
            d = delegate.decide(view, nowNanos);
        } catch (RuntimeException | LinkageError e) {
            fail(e, null);
            return SAFE_DEFAULT;
        }
        if (d == null) {
            fail(null, "returned null");
            return SAFE_DEFAULT;
        }
        return d;
    }

    private void fail(Throwable e, String what) {
        failures.increment();
        if (logged.compareAndSet(false, true)) {
            if (e != null) {
                LOG.error("close policy {} threw; applying the safe default (server-first lingering close) to this and later"
                        + " failures, which are not logged again", delegate, e);
            } else {
                LOG.error("close policy {} {}; applying the safe default (server-first lingering close) to this and later"
                        + " failures, which are not logged again", delegate, what);
            }
        }
    }

    /** How often the wrapped policy failed. */
    public long failures() {
        return failures.sum();
    }

    /** The wrapped policy. */
    public ClosePolicy delegate() {
        return delegate;
    }

    @Override
    public String toSpec() {
        return delegate.toSpec();
    }

    @Override
    public String toString() {
        return "guarded(" + delegate + ")";
    }
}
