// SPDX-License-Identifier: Apache-2.0
// network::Transport over real TLS sockets on 127.0.0.1 (port 0), with certificates from
// network/certs.hpp: frames both ways (up to 10 MiB), broadcast among three nodes, the
// identity rules (another CA, no certificate, an expired one, a malformed identity URI, an
// unauthorised identity, our own identity), misbehaving clients (plain-TCP garbage, an
// oversized or zero length, a truncated frame) closed and counted while a good peer is still
// served, a peer that never reads (its queue fills and drops, others unaffected), reconnect
// after the other side restarts, and a simultaneous dial that keeps one connection.
#include "network/transport.hpp"

#include <gtest/gtest.h>

#include "test_pki.hpp"

namespace xl::network::test {
namespace {

std::unique_ptr<Transport> start_ok(const Config& c, Handler h) {
    auto t = Transport::start(c, std::move(h));
    EXPECT_TRUE(t) << (t ? "" : t.error());
    return t ? std::move(*t) : nullptr;
}

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(seed + i * 31 + (i >> 11));
    return b;
}

// Two transports: b dials a.
struct Pair {
    Pki pki;
    Identity ia = make_identity(Role::kValidator, "org0");
    Identity ib = make_identity(Role::kValidator, "org1");
    Events ea, eb;
    std::unique_ptr<Transport> a, b;
    PeerId a_sees_b = 0, b_sees_a = 0;

    void start(Config ca = {}, bool use_default = true) {
        Config c1 = use_default ? pki.config(ia, "a") : ca;
        a = start_ok(c1, ea.handler());
        ASSERT_TRUE(a);
        Config c2 = pki.config(ib, "b");
        c2.peers = {peer_address(a->port())};
        b = start_ok(c2, eb.handler());
        ASSERT_TRUE(b);
        a_sees_b = ea.wait_connected(ib.address);
        b_sees_a = eb.wait_connected(ia.address);
        ASSERT_NE(a_sees_b, 0u);
        ASSERT_NE(b_sees_a, 0u);
    }
};

TEST(Transport, TwoNodesExchangeFramesBothWays) {
    Pair p;
    p.start();
    EXPECT_EQ(p.a->self(), p.ia);
    EXPECT_EQ(p.b->self(), p.ib);

    const Bytes big = pattern(10 << 20, 7);
    ASSERT_TRUE(p.a->send(p.a_sees_b, 1, to_bytes("ping")));
    ASSERT_TRUE(p.a->send(p.a_sees_b, 2, {}));
    ASSERT_TRUE(p.a->send(p.a_sees_b, 3, big));
    ASSERT_TRUE(p.b->send(p.b_sees_a, 200, to_bytes("pong")));
    ASSERT_TRUE(p.eb.wait_frames(3));
    ASSERT_TRUE(p.ea.wait_frames(1));

    auto fb = p.eb.frames();
    ASSERT_EQ(fb.size(), 3u);
    EXPECT_EQ(fb[0].type, 1);
    EXPECT_EQ(fb[0].payload, to_bytes("ping"));
    EXPECT_EQ(fb[0].from, p.ia);  // identity from the certificate: role, address, O=
    EXPECT_EQ(fb[1].type, 2);
    EXPECT_TRUE(fb[1].payload.empty());
    EXPECT_EQ(fb[2].type, 3);
    EXPECT_TRUE(fb[2].payload == big) << "10 MiB frame differs";
    auto fa = p.ea.frames();
    ASSERT_EQ(fa.size(), 1u);
    EXPECT_EQ(fa[0].type, 200);
    EXPECT_EQ(fa[0].payload, to_bytes("pong"));
    EXPECT_EQ(fa[0].from, p.ib);

    auto pa = p.a->peers();
    ASSERT_EQ(pa.size(), 1u);
    EXPECT_EQ(pa[0].id, p.a_sees_b);
    EXPECT_EQ(pa[0].identity, p.ib);
    EXPECT_FALSE(pa[0].outbound);
    EXPECT_EQ(pa[0].frames_in, 1u);
    EXPECT_EQ(pa[0].bytes_in, kFrameHeaderSize + 4);
    auto pb = p.b->peers();
    ASSERT_EQ(pb.size(), 1u);
    EXPECT_TRUE(pb[0].outbound);
    EXPECT_EQ(pb[0].frames_in, 3u);
    EXPECT_EQ(pb[0].bytes_in, 3 * kFrameHeaderSize + 4 + big.size());
    EXPECT_EQ(pb[0].remote, peer_address(p.a->port()));

    const Stats s = p.a->stats();
    EXPECT_EQ(s.connections, 1u);
    EXPECT_EQ(s.handshakes_failed + s.refused_identity + s.bad_frames + s.truncated_frames, 0u);

    // An unknown peer id and an oversized frame are refused, not sent.
    EXPECT_FALSE(p.a->send(987654, 1, to_bytes("x")));
    EXPECT_FALSE(p.a->send(p.a_sees_b, 1, Bytes(kDefaultMaxFrame)));

    // stop() closes: the other side sees the disconnect; no handler runs afterwards.
    p.a->stop();
    EXPECT_TRUE(p.eb.wait_disconnected(p.b_sees_a));
    EXPECT_TRUE(p.ea.connected().empty());
}

TEST(Transport, ThreeNodesBroadcast) {
    Pki pki;
    Identity ids[3] = {make_identity(Role::kValidator, "org0"),
                       make_identity(Role::kValidator, "org1"),
                       make_identity(Role::kObserver, "org2")};
    Events ev[3];
    std::unique_ptr<Transport> t[3];
    t[0] = start_ok(pki.config(ids[0], "n0"), ev[0].handler());
    ASSERT_TRUE(t[0]);
    Config c1 = pki.config(ids[1], "n1");
    c1.peers = {peer_address(t[0]->port())};
    t[1] = start_ok(c1, ev[1].handler());
    ASSERT_TRUE(t[1]);
    Config c2 = pki.config(ids[2], "n2");
    c2.peers = {peer_address(t[0]->port()), peer_address(t[1]->port())};
    t[2] = start_ok(c2, ev[2].handler());
    ASSERT_TRUE(t[2]);
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
            if (i != j) {
                ASSERT_NE(ev[i].wait_connected(ids[j].address), 0u);
            }
        }
    }
    for (int i = 0; i < 3; ++i)
        t[i]->broadcast(static_cast<uint8_t>(10 + i), to_bytes("from " + std::to_string(i)));
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(ev[i].wait_frames(2));
        for (const auto& f : ev[i].frames()) {
            const int from = f.type - 10;
            ASSERT_TRUE(from >= 0 && from < 3 && from != i);
            EXPECT_EQ(f.from, ids[from]);
            EXPECT_EQ(f.payload, to_bytes("from " + std::to_string(from)));
        }
    }
    // broadcast skips `except`.
    const PeerId skip = ev[0].wait_connected(ids[1].address);
    t[0]->broadcast(50, to_bytes("only n2"), skip);
    ASSERT_TRUE(ev[2].wait_frames(3));
    EXPECT_EQ(ev[2].frames()[2].type, 50);
    // n1 gets the next frame from n0 and nothing in between.
    t[0]->broadcast(51, to_bytes("all"));
    ASSERT_TRUE(ev[1].wait_frames(3));
    EXPECT_EQ(ev[1].frames()[2].type, 51);
    for (auto& x : t)
        EXPECT_EQ(x->peers().size(), 2u);
}

// A raw TLS client refused by `node`: the TLS handshake or the first read fails, the node
// never reports a connection, and the counter moves.
void expect_refused(Transport& node, Events& ev, const Pki::Files* files, bool identity_refusal) {
    const Stats before = node.stats();
    const size_t connects = ev.connects();
    RawClient c(node.port());
    // The handshake may fail at once or only at the next read; either way, wait until the
    // server has closed the connection (it counts before it closes).
    if (c.tls(files)) c.hello();
    EXPECT_TRUE(c.closed_by_peer());
    const Stats after = node.stats();
    if (identity_refusal) {
        EXPECT_EQ(after.refused_identity, before.refused_identity + 1);
        EXPECT_EQ(after.handshakes_failed, before.handshakes_failed);
    } else {
        EXPECT_EQ(after.handshakes_failed, before.handshakes_failed + 1);
        EXPECT_EQ(after.refused_identity, before.refused_identity);
    }
    EXPECT_EQ(ev.connects(), connects);
}

TEST(Transport, PeersWithoutAValidIdentityAreRefused) {
    Pki pki;
    const Identity self = make_identity(Role::kValidator, "org0");
    const Identity allowed = make_identity(Role::kValidator, "org1");
    Config c = pki.config(self, "self");
    c.authorize = [&](const Identity& id) {
        return id.role == Role::kObserver || id.address == allowed.address;
    };
    Events ev;
    auto node = start_ok(c, ev.handler());
    ASSERT_TRUE(node);

    // Another CA.
    Pki other("another CA");
    auto foreign = other.issue(allowed, "foreign");
    expect_refused(*node, ev, &foreign, false);
    // No client certificate at all.
    expect_refused(*node, ev, nullptr, false);
    // Expired, from the right CA.
    CertOptions expired;
    expired.not_before_offset = -std::chrono::hours(48);
    expired.validity_days = 1;
    auto old = pki.issue(allowed, "expired", expired);
    expect_refused(*node, ev, &old, false);
    // No identity URI / a malformed one.
    for (const std::string san : {"-", "xinlian:validator:0x1234", "https://example.com"}) {
        CertOptions o;
        o.san_uri_override = san;
        auto bad = pki.issue(allowed, "bad", o);
        expect_refused(*node, ev, &bad, false);
    }
    // Certified but not authorised.
    auto stranger = pki.issue(make_identity(Role::kValidator, "org1"), "stranger");
    expect_refused(*node, ev, &stranger, true);
    // Our own identity, with another key and certificate of the same CA.
    auto twin = pki.issue(self, "twin");
    expect_refused(*node, ev, &twin, true);

    // An authorised validator and any observer get through.
    auto good = pki.issue(allowed, "good");
    RawClient g(node->port());
    ASSERT_TRUE(g.tls(&good));
    ASSERT_TRUE(g.hello());
    EXPECT_NE(ev.wait_connected(allowed.address), 0u);
    const Identity observer = make_identity(Role::kObserver, "org9");
    auto obs = pki.issue(observer, "observer");
    RawClient o(node->port());
    ASSERT_TRUE(o.tls(&obs));
    ASSERT_TRUE(o.hello());
    EXPECT_NE(ev.wait_connected(observer.address), 0u);
    EXPECT_EQ(node->peers().size(), 2u);
}

TEST(Transport, BadStartConfigurationsNameTheProblem) {
    Pki pki;
    Pki other("another CA");
    const Identity id = make_identity(Role::kValidator, "org0");
    Config c = pki.config(id, "n");
    Config wrong_ca = c;
    wrong_ca.ca_cert = other.ca_file();
    auto r = Transport::start(wrong_ca, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("does not verify"), std::string::npos) << r.error();
    Config missing = c;
    missing.key = "/nonexistent/node.key";
    r = Transport::start(missing, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("/nonexistent/node.key"), std::string::npos) << r.error();
    Config mismatched = c;
    mismatched.key = pki.config(id, "m").key;
    r = Transport::start(mismatched, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("does not match"), std::string::npos) << r.error();
    CertOptions o;
    o.san_uri_override = "-";
    Config no_uri = c;
    const auto files = pki.issue(id, "nouri", o);
    no_uri.cert = files.cert;
    no_uri.key = files.key;
    r = Transport::start(no_uri, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("identity URI"), std::string::npos) << r.error();
    Config bad_peer = c;
    bad_peer.peers = {"no-port"};
    EXPECT_FALSE(Transport::start(bad_peer, {}));
}

TEST(Transport, MisbehavingClientsAreClosedAndCountedWhileAGoodPeerIsServed) {
    Pair p;
    p.start();
    Events& ev = p.ea;
    Transport& node = *p.a;

    // Plain TCP garbage: the TLS handshake fails.
    {
        RawClient c(node.port());
        ASSERT_TRUE(c.write(as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
        EXPECT_TRUE(c.closed_by_peer());
        EXPECT_EQ(node.stats().handshakes_failed, 1u);
    }
    // After a good handshake: an oversized length, a zero length, a truncated frame.
    struct Case {
        Bytes bytes;
        uint64_t Stats::*counter;
    };
    Bytes truncated = frame_header(100, 1);  // and 10 of its 99 payload bytes
    truncated.resize(truncated.size() + 10, 0xaa);
    const Case cases[] = {
        {frame_header(0xffffffff, 1), &Stats::bad_frames},
        {frame_header(static_cast<uint32_t>(kDefaultMaxFrame + 1), 1), &Stats::bad_frames},
        {frame_header(0, 1), &Stats::bad_frames},
        {truncated, &Stats::truncated_frames},
    };
    int n = 0;
    for (const auto& k : cases) {
        const Identity id = make_identity(Role::kObserver, "org" + std::to_string(n));
        auto files = p.pki.issue(id, "bad" + std::to_string(n++));
        const Stats before = node.stats();
        RawClient c(node.port());
        ASSERT_TRUE(c.tls(&files));
        ASSERT_TRUE(c.hello());
        const PeerId peer = ev.wait_connected(id.address);
        ASSERT_NE(peer, 0u);
        ASSERT_TRUE(c.write(k.bytes));
        if (k.counter == &Stats::truncated_frames) {
            c.close();
        } else {
            EXPECT_TRUE(c.closed_by_peer());
        }
        ASSERT_TRUE(ev.wait_disconnected(peer));
        EXPECT_EQ(node.stats().*(k.counter), before.*(k.counter) + 1);
    }

    // The good peer is still served, both ways.
    ASSERT_TRUE(node.send(p.a_sees_b, 5, to_bytes("still here")));
    ASSERT_TRUE(p.b->send(p.b_sees_a, 6, to_bytes("me too")));
    ASSERT_TRUE(p.eb.wait_frames(1));
    ASSERT_TRUE(ev.wait_frames(1));
    EXPECT_EQ(p.eb.frames()[0].payload, to_bytes("still here"));
    EXPECT_EQ(ev.frames().back().payload, to_bytes("me too"));
    EXPECT_EQ(node.peers().size(), 1u);
}

TEST(Transport, SilentOrWrongHelloClientsAreClosedAfterTheHandshakeTimeout) {
    Pki pki;
    const Identity ia = make_identity(Role::kValidator, "org0");
    Config c = pki.config(ia, "a");
    c.handshake_timeout = 300ms;  // what is tested is the closing, not how soon
    Events ev;
    auto node = start_ok(c, ev.handler());
    ASSERT_TRUE(node);
    {
        RawClient silent(node->port());  // TCP only, never a ClientHello
        EXPECT_TRUE(silent.closed_by_peer());
        EXPECT_EQ(node->stats().handshakes_failed, 1u);
    }
    const Identity ib = make_identity(Role::kValidator, "org1");
    auto files = pki.issue(ib, "b");
    {
        RawClient no_hello(node->port());  // TLS, then nothing
        ASSERT_TRUE(no_hello.tls(&files));
        EXPECT_TRUE(no_hello.closed_by_peer());
        EXPECT_EQ(node->stats().handshakes_failed, 2u);
    }
    {
        RawClient wrong(node->port());  // TLS, then 16 bytes that are not a hello
        ASSERT_TRUE(wrong.tls(&files));
        ASSERT_TRUE(wrong.write(as_bytes("GET / HTTP/1.1\r\n\r\n")));
        EXPECT_TRUE(wrong.closed_by_peer());
        EXPECT_EQ(node->stats().handshakes_failed, 3u);
    }
    EXPECT_EQ(ev.connects(), 0u);
}

TEST(Transport, APeerThatNeverReadsFillsOnlyItsOwnQueue) {
    Pki pki;
    const Identity ia = make_identity(Role::kValidator, "org0");
    Config c = pki.config(ia, "a");
    c.max_queue_bytes = 1 << 20;
    c.max_queue_frames = 1000;
    Events ev;
    auto node = start_ok(c, ev.handler());
    ASSERT_TRUE(node);
    Events eg;
    const Identity ig = make_identity(Role::kValidator, "org1");
    Config cg = pki.config(ig, "good");
    cg.peers = {peer_address(node->port())};
    auto good = start_ok(cg, eg.handler());
    ASSERT_TRUE(good);
    const PeerId to_good = ev.wait_connected(ig.address);
    ASSERT_NE(to_good, 0u);

    const Identity is = make_identity(Role::kObserver, "org2");
    auto files = pki.issue(is, "slow");
    RawClient slow(node->port());
    ASSERT_TRUE(slow.tls(&files));
    ASSERT_TRUE(slow.hello());
    const PeerId to_slow = ev.wait_connected(is.address);
    ASSERT_NE(to_slow, 0u);

    // Socket buffers absorb a few MiB; then the 1 MiB queue fills and frames are dropped.
    // The writer may still move a frame into the socket between two drops (the kernel buffer
    // is not full yet), so keep sending until two frames were dropped.
    const Bytes chunk = pattern(64 << 10, 3);
    size_t sent = 0, drops = 0;
    for (int i = 0; i < 100'000 && drops < 2; ++i) {
        if (node->send(to_slow, 1, chunk)) {
            ++sent;
        } else {
            ++drops;
        }
    }
    ASSERT_EQ(drops, 2u) << "sent " << sent << " frames without the queue filling";
    EXPECT_GE(node->stats().dropped_out, 2u);
    uint64_t slow_dropped = 0;
    for (const auto& info : node->peers()) {
        if (info.id == to_slow) slow_dropped = info.dropped_out;
        if (info.id == to_good) {
            EXPECT_EQ(info.dropped_out, 0u);
        }
    }
    EXPECT_GE(slow_dropped, 2u);

    // The good peer is unaffected: frames to it (and broadcasts) arrive.
    // (10 x 64 KiB fit its 1 MiB queue whatever the pace of the writer.)
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(node->send(to_good, 9, chunk));
    node->broadcast(10, to_bytes("to all"));
    ASSERT_TRUE(eg.wait_frames(11));
    EXPECT_EQ(eg.frames().back().type, 10);
    EXPECT_EQ(node->peers().size(), 2u);
}

TEST(Transport, RedialsAfterTheOtherSideRestarts) {
    Pki pki;
    const Identity ia = make_identity(Role::kValidator, "org0");
    const Identity ib = make_identity(Role::kValidator, "org1");
    Config ca = pki.config(ia, "a");
    Events ea1;
    auto a = start_ok(ca, ea1.handler());
    ASSERT_TRUE(a);
    const uint16_t port = a->port();
    Events eb;
    Config cb = pki.config(ib, "b");
    cb.peers = {peer_address(port)};
    auto b = start_ok(cb, eb.handler());
    ASSERT_TRUE(b);
    const PeerId first = eb.wait_connected(ia.address);
    ASSERT_NE(first, 0u);

    for (int restart = 0; restart < 3; ++restart) {
        a->stop();
        a.reset();
        ASSERT_TRUE(eb.wait([&] { return eb.connected_locked().empty(); }));
        ca.listen_port = port;
        Events ea2;
        a = start_ok(ca, ea2.handler());
        ASSERT_TRUE(a);
        const PeerId again = eb.wait_connected(ia.address);
        ASSERT_NE(again, 0u);
        EXPECT_NE(again, first);
        ASSERT_NE(ea2.wait_connected(ib.address), 0u);
        ASSERT_TRUE(b->send(again, 1, to_bytes("after restart")));
        ASSERT_TRUE(ea2.wait_frames(1));
        a->stop();  // before ea2 goes out of scope
    }
    EXPECT_GE(b->stats().dials, 4u);
}

TEST(Transport, AnAddressThatIsThisNodeItselfIsNotRedialled) {
    Pki pki;
    const Identity ia = make_identity(Role::kValidator, "org0");
    const Identity ib = make_identity(Role::kValidator, "org1");
    Events ea, eb;
    auto a = start_ok(pki.config(ia, "a"), ea.handler());
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->dial(peer_address(a->port())));
    ASSERT_TRUE(eventually([&] { return a->stats().refused_identity >= 1; }));
    // Other traffic goes on; the self address is not dialled again.
    Config cb = pki.config(ib, "b");
    cb.peers = {peer_address(a->port())};
    auto b = start_ok(cb, eb.handler());
    ASSERT_TRUE(b);
    const PeerId ab = ea.wait_connected(ib.address);
    ASSERT_NE(ab, 0u);
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(a->send(ab, 1, to_bytes("x")));
        ASSERT_TRUE(eb.wait_frames(static_cast<size_t>(i + 1)));
    }
    EXPECT_EQ(a->stats().dials, 1u);
    EXPECT_TRUE(ea.connected().size() == 1);
}

TEST(Transport, SimultaneousDialKeepsOneConnection) {
    for (int round = 0; round < 5; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        Pki pki;
        const Identity ia = make_identity(Role::kValidator, "org0");
        const Identity ib = make_identity(Role::kValidator, "org1");
        Events ea, eb;
        auto a = start_ok(pki.config(ia, "a"), ea.handler());
        auto b = start_ok(pki.config(ib, "b"), eb.handler());
        ASSERT_TRUE(a && b);
        ASSERT_TRUE(a->dial(peer_address(b->port())));
        ASSERT_TRUE(b->dial(peer_address(a->port())));

        // Converged: each side has one connection, the one dialled by the lower address.
        const bool a_lower = ia.address < ib.address;
        auto one = [](Transport& t, bool outbound) {
            auto ps = t.peers();
            return ps.size() == 1 && ps[0].outbound == outbound;
        };
        ASSERT_TRUE(ea.wait([&] { return ea.connected_locked().size() == 1 && one(*a, a_lower); }));
        ASSERT_TRUE(
            eb.wait([&] { return eb.connected_locked().size() == 1 && one(*b, !a_lower); }));
        const PeerId ab = a->peers()[0].id, ba = b->peers()[0].id;

        // Traffic both ways over the kept connection; it stays the only one.
        for (int i = 0; i < 50; ++i) {
            ASSERT_TRUE(a->send(ab, 1, to_bytes("ping")));
            ASSERT_TRUE(eb.wait_frames(static_cast<size_t>(i + 1)));
            ASSERT_TRUE(b->send(ba, 2, to_bytes("pong")));
            ASSERT_TRUE(ea.wait_frames(static_cast<size_t>(i + 1)));
        }
        for (auto* t : {a.get(), b.get()}) {
            auto ps = t->peers();
            ASSERT_EQ(ps.size(), 1u);
            EXPECT_LE(t->stats().connections, 2u);
        }
        EXPECT_EQ(a->peers()[0].id, ab);
        EXPECT_EQ(b->peers()[0].id, ba);
        EXPECT_EQ(a->stats().refused_identity + b->stats().refused_identity, 0u);
        a->stop();
        b->stop();
    }
}

}  // namespace
}  // namespace xl::network::test
