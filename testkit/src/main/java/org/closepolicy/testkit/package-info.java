/**
 * Test fixtures on real sockets for closepolicy's integration tests and demo: a raw HTTP/1.x client with
 * configurable close behaviour ({@link org.closepolicy.testkit.RawHttpClient}), a load runner with body
 * verification ({@link org.closepolicy.testkit.LoadRunner}), TIME_WAIT counting per side
 * ({@link org.closepolicy.testkit.TimeWaitCounter}), deterministic bodies and hashing
 * ({@link org.closepolicy.testkit.DeterministicBytes}, {@link org.closepolicy.testkit.Sha256}) and open file
 * descriptor counting ({@link org.closepolicy.testkit.Fds}), and the real programs where installed: nginx in front
 * of a test server ({@link org.closepolicy.testkit.Nginx}) and ApacheBench ({@link org.closepolicy.testkit.ApacheBench}).
 *
 * <p>Every socket has a read timeout and every wait a deadline.
 */
package org.closepolicy.testkit;
