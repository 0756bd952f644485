package org.twinmail.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNS server for tests: UDP and TCP on one ephemeral loopback port, answering like a recursive
 * resolver from a table the test fills. A name with no records is NXDOMAIN; a name with records
 * of other types gets an empty NOERROR answer (with an SOA, so it is cached negatively); CNAMEs
 * are followed inside the table and the whole chain is returned. {@link #servfail} and
 * {@link #noAnswer} (the query is dropped, to provoke timeouts) apply to a name whatever the type.
 * UDP answers larger than the client's EDNS buffer (512 octets without EDNS) are truncated (TC),
 * so a client must come back over TCP.
 *
 * <p>Give a resolver {@link #hostPort()} as its server. Published in relay's test-jar for the
 * server's end-to-end tests.
 */
public final class LocalDnsServer implements AutoCloseable {
    private static final long NEGATIVE_TTL = 60;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Set<Name> servfail = ConcurrentHashMap.newKeySet();
    private final Set<Name> silent = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private volatile boolean dropAll;
    private volatile long ttl = 300;

    private LocalDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        Thread.ofPlatform().daemon().name("local-dns-udp").start(this::serveUdp);
        Thread.ofPlatform().daemon().name("local-dns-tcp").start(this::acceptTcp);
    }

    /** Binds UDP and TCP on the same ephemeral port of 127.0.0.1 and starts answering. */
    public static LocalDnsServer start() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramSocket udp = null;
            try {
                udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
                ServerSocket tcp = new ServerSocket();
                try {
                    tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
                } catch (IOException e) {
                    tcp.close();
                    throw e;
                }
                return new LocalDnsServer(udp, tcp);
            } catch (IOException e) {
                // The UDP port's TCP twin was taken by someone else: take another port.
                last = e;
                if (udp != null) udp.close();
            }
        }
        throw new UncheckedIOException("no free port for both UDP and TCP", last);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    /** "127.0.0.1:port", the form {@code relay.dns.servers} takes. */
    public String hostPort() {
        return udp.getLocalAddress().getHostAddress() + ":" + udp.getLocalPort();
    }

    /** TTL of the records added from now on (default 300 seconds). */
    public LocalDnsServer ttl(long seconds) {
        this.ttl = seconds;
        return this;
    }

    public LocalDnsServer mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, ttl, preference, name(host)));
    }

    /** RFC 7505: the single record "MX 0 .". */
    public LocalDnsServer nullMx(String domain) {
        return add(new MXRecord(name(domain), DClass.IN, ttl, 0, Name.root));
    }

    public LocalDnsServer a(String host, String... addresses) {
        for (String a : addresses) add(new ARecord(name(host), DClass.IN, ttl, address(a)));
        return this;
    }

    public LocalDnsServer aaaa(String host, String... addresses) {
        for (String a : addresses) add(new AAAARecord(name(host), DClass.IN, ttl, address(a)));
        return this;
    }

    /** One TXT record made of the given character-strings (each at most 255 octets). */
    public LocalDnsServer txt(String name, String... strings) {
        return add(new TXTRecord(name(name), DClass.IN, ttl, List.of(strings)));
    }

    public LocalDnsServer cname(String alias, String target) {
        return add(new CNAMERecord(name(alias), DClass.IN, ttl, name(target)));
    }

    /** Any record, for types the helpers above do not cover. */
    public LocalDnsServer add(Record r) {
        records.computeIfAbsent(r.getName(), k -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    /** Forgets every record of {@code name}, which becomes NXDOMAIN again. */
    public LocalDnsServer remove(String name) {
        records.remove(name(name));
        return this;
    }

    /** Answers every query for {@code name} with SERVFAIL. */
    public LocalDnsServer servfail(String name) {
        servfail.add(name(name));
        return this;
    }

    /** Never answers queries for {@code name}, so that the client times out. */
    public LocalDnsServer noAnswer(String name) {
        silent.add(name(name));
        return this;
    }

    /** Never answers anything (a dead server), or answers again. */
    public LocalDnsServer dropAll(boolean drop) {
        this.dropAll = drop;
        return this;
    }

    /** Queries received for {@code name} and {@code type} (a {@link Type} constant), over UDP and TCP. */
    public int queries(String name, int type) {
        AtomicInteger n = queries.get(key(name(name), type));
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing: nothing to do
            }
        }
    }

    private static String key(Name n, int type) {
        return n.toString().toLowerCase(java.util.Locale.ROOT) + "/" + type;
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".").canonicalize();
        } catch (TextParseException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no lookup happens
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                Message query = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                Message answer = answer(query);
                if (answer == null) continue;
                OPTRecord opt = query.getOPT();
                int limit = opt == null ? 512 : Math.max(512, opt.getPayloadSize());
                byte[] wire = answer.toWire();
                if (wire.length > limit) {
                    Message truncated = new Message(answer.getHeader().getID());
                    truncated.getHeader().setFlag(Flags.QR);
                    truncated.getHeader().setFlag(Flags.TC);
                    truncated.getHeader().setFlag(Flags.RA);
                    if (query.getHeader().getFlag(Flags.RD)) truncated.getHeader().setFlag(Flags.RD);
                    truncated.addRecord(query.getQuestion(), Section.QUESTION);
                    wire = truncated.toWire();
                }
                udp.send(new DatagramPacket(wire, wire.length, p.getSocketAddress()));
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                // A malformed query: ignore it, as a server would.
            }
        }
    }

    private void acceptTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket s = tcp.accept();
                connections.add(s);
                Thread.ofVirtual().start(() -> serveTcp(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serveTcp(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (true) {
                int length = in.readUnsignedShort();
                byte[] data = in.readNBytes(length);
                if (data.length < length) return;
                Message answer = answer(new Message(data));
                if (answer == null) continue;
                byte[] wire = answer.toWire();
                out.writeShort(wire.length);
                out.write(wire);
                out.flush();
            }
        } catch (EOFException e) {
            // the client is done
        } catch (IOException e) {
            // closed or malformed: drop the connection
        } finally {
            connections.remove(s);
        }
    }

    /** The response to {@code query}, or null to stay silent. */
    private Message answer(Message query) {
        Record question = query.getQuestion();
        if (question == null) return null;
        Name qname = question.getName().canonicalize();
        int qtype = question.getType();
        queries.computeIfAbsent(key(qname, qtype), k -> new AtomicInteger()).incrementAndGet();
        if (dropAll || silent.contains(qname)) return null;

        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
        response.addRecord(question, Section.QUESTION);
        if (servfail.contains(qname)) {
            response.getHeader().setRcode(Rcode.SERVFAIL);
            return response;
        }
        Name current = qname;
        for (int hop = 0; hop < 8; hop++) {
            if (servfail.contains(current)) {
                response.getHeader().setRcode(Rcode.SERVFAIL);
                return response;
            }
            List<Record> at = records.get(current);
            if (at == null) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
                response.addRecord(soa(current), Section.AUTHORITY);
                return response;
            }
            List<Record> matching = new ArrayList<>();
            Record cname = null;
            for (Record r : at) {
                if (r.getType() == qtype || qtype == Type.ANY) matching.add(r);
                else if (r.getType() == Type.CNAME) cname = r;
            }
            if (!matching.isEmpty()) {
                for (Record r : matching) response.addRecord(r, Section.ANSWER);
                return response;
            }
            if (cname == null) {
                response.addRecord(soa(current), Section.AUTHORITY); // NODATA
                return response;
            }
            response.addRecord(cname, Section.ANSWER);
            current = ((CNAMERecord) cname).getTarget().canonicalize();
        }
        return response; // a CNAME chain longer than this: hand back what we have, as resolvers do
    }

    /** An SOA for the zone above {@code n}, whose minimum makes the negative answer cacheable (RFC 2308). */
    private static SOARecord soa(Name n) {
        Name zone = n.labels() > 3 ? new Name(n, n.labels() - 3) : n;
        Name host = Name.fromConstantString("ns.test.");
        Name admin = Name.fromConstantString("hostmaster.test.");
        return new SOARecord(zone, DClass.IN, NEGATIVE_TTL, host, admin, 1, 3600, 600, 86400, NEGATIVE_TTL);
    }
}
