package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.netty.ClosePolicyHandler;
import org.closepolicy.netty.Http2ClosePolicyHandler;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/** The HTTP/2 handler sits right after the frame codec: after ALPN for h2 over TLS, at init for h2c prior knowledge. */
class ReactorHttp2HandlerPlacementTest {

    @Test
    void h2OverTlsGetsTheHandlerAfterTheAlpnHandshake() {
        SelfSignedCertificate cert = SelfSignedCertificate.get();
        Http2SslContextSpec tls = Http2SslContextSpec.forServer(cert.keyManagerFactory());
        try (ReactorServer server = new ReactorServer(ClosePolicies.clientFirst(),
                s -> s.protocol(HttpProtocol.H2, HttpProtocol.HTTP11).secure(spec -> spec.sslContext(tls)))) {
            HttpClient client = HttpClient.create()
                    .protocol(HttpProtocol.H2)
                    .secure(spec -> spec.sslContext(Http2SslContextSpec.forClient()
                            .configure(b -> b.trustManager(InsecureTrustManagerFactory.INSTANCE))));
            assertBodyArrives(client, server);
            assertThat(server.pipelines.get(0)).containsSubsequence(
                    NettyPipeline.SslHandler, NettyPipeline.HttpCodec, Http2ClosePolicyHandler.NAME, NettyPipeline.H2MultiplexHandler);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.closePolicy.stats().opened() == 1);
        }
    }

    @Test
    void http11OverTlsWithH2OfferedGetsTheHttp1HandlerWhenAlpnPicksIt() {
        SelfSignedCertificate cert = SelfSignedCertificate.get();
        Http2SslContextSpec tls = Http2SslContextSpec.forServer(cert.keyManagerFactory());
        try (ReactorServer server = new ReactorServer(ClosePolicies.clientFirst(),
                s -> s.protocol(HttpProtocol.H2, HttpProtocol.HTTP11).secure(spec -> spec.sslContext(tls)))) {
            HttpClient client = HttpClient.create()
                    .protocol(HttpProtocol.HTTP11)
                    .secure(spec -> spec.sslContext(Http11SslContextSpec.forClient()
                            .configure(b -> b.trustManager(InsecureTrustManagerFactory.INSTANCE))));
            assertBodyArrives(client, server);
            assertThat(server.pipelines.get(0)).containsSubsequence(
                    NettyPipeline.SslHandler, NettyPipeline.HttpCodec, ClosePolicyHandler.NAME, NettyPipeline.HttpTrafficHandler);
        }
    }

    @Test
    void h2cWithPriorKnowledgeGetsTheHandlerAtInit() {
        try (ReactorServer server = new ReactorServer(ClosePolicies.clientFirst(), s -> s.protocol(HttpProtocol.H2C))) {
            HttpClient client = HttpClient.create().protocol(HttpProtocol.H2C);
            assertBodyArrives(client, server);
            assertThat(server.pipelines.get(0)).containsSubsequence(
                    NettyPipeline.HttpCodec, Http2ClosePolicyHandler.NAME, NettyPipeline.H2MultiplexHandler);
        }
    }

    @Test
    void anHttp11AndH2cServerServesHttp11UnderThePolicyAndPassesH2cThrough() {
        try (ReactorServer server = new ReactorServer(ClosePolicies.clientFirst(),
                s -> s.protocol(HttpProtocol.HTTP11, HttpProtocol.H2C))) {
            assertBodyArrives(HttpClient.create().protocol(HttpProtocol.HTTP11), server);
            assertThat(server.pipelines.get(0)).containsSubsequence(ClosePolicyHandler.NAME, NettyPipeline.HttpTrafficHandler);
            assertBodyArrives(HttpClient.create().protocol(HttpProtocol.H2C), server);
        }
    }

    private static void assertBodyArrives(HttpClient client, ReactorServer server) {
        String scheme = client.configuration().sslProvider() != null ? "https" : "http";
        byte[] body = client.get()
                .uri(scheme + "://127.0.0.1:" + server.port() + "/")
                .responseContent().aggregate().asByteArray()
                .block(Duration.ofSeconds(20));
        assertThat(DeterministicBytes.sha256Hex(body)).isEqualTo(DeterministicBytes.sha256Hex(ReactorServer.SMALL));
    }
}
