/**
 * The Netty adapter of closepolicy: {@link org.closepolicy.netty.ClosePolicyHandler} for HTTP/1.x
 * (in place of {@code HttpServerKeepAliveHandler}), {@link org.closepolicy.netty.Http2ClosePolicyHandler} for
 * HTTP/2 (graceful {@code GOAWAY}, drain, then who/how), {@link org.closepolicy.netty.TcpCloseHandler} with
 * {@link org.closepolicy.netty.CloseControl} for other protocols, all made by one
 * {@link org.closepolicy.netty.NettyClosePolicy} per server; TLS ({@code SslHandler}) in front of any of them.
 * <pre>{@code
 * NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.safeReset()).build();
 * ch.pipeline().addLast(new HttpServerCodec());
 * closePolicy.installHttp(ch.pipeline());
 * ch.pipeline().addLast(new MyHandler());
 * }</pre>
 * Works on the NIO and epoll transports; the epoll jar is optional at run time.
 */
package org.closepolicy.netty;
