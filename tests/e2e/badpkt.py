#!/usr/bin/python3
"""Throw malformed, truncated and random packets at the translator (the e2e "bad input" check).

  badpkt.py IFACE DSTMAC|- SRC6 DST6 SRC4 DST4 [FAMILIES]

FAMILIES is "46" (default), "4" or "6". SRC6 -> DST6 is an IPv6 flow that the translator maps (client ->
pool6 address of the server), SRC4 -> DST4 the IPv4 flow (server -> the client's EAMT address).
With DSTMAC "-" IFACE is the TUN itself: the bytes are handed to the device's transmit path through an
AF_PACKET socket, so they reach the daemon exactly as written, however broken. With a DSTMAC they are
framed in Ethernet and sent to that neighbour (the translator box's veth), so they cross the kernel
first, as a hostile host's packets would. Deterministic (fixed seed); prints how many were sent.
"""
import functools
import ipaddress
import logging
import random
import socket
import struct
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import (IP, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                           IPv6ExtHdrRouting, ICMP, ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6PacketTooBig,
                           ICMPv6ParamProblem, ICMPv6TimeExceeded, TCP, UDP, Raw, raw)
except ImportError:
    sys.exit("badpkt.py: needs scapy (apt-get install python3-scapy) under /usr/bin/python3")

R = random.Random(7915)


def patch(b, off, data):
    """b with bytes at off replaced by data (no length change)."""
    return b[:off] + data + b[off + len(data):]


def valid6(s6, d6):
    return [raw(IPv6(src=s6, dst=d6) / ICMPv6EchoRequest(id=1, seq=1, data=b"x" * 24)),
            raw(IPv6(src=s6, dst=d6) / UDP(sport=4000, dport=53) / Raw(b"q" * 20)),
            raw(IPv6(src=s6, dst=d6) / TCP(sport=4001, dport=80, flags="S")),
            raw(IPv6(src=s6, dst=d6) / ICMPv6DestUnreach(code=4) /
                IPv6(src=d6, dst=s6) / UDP(sport=53, dport=4000)),
            raw(IPv6(src=s6, dst=d6) / ICMPv6PacketTooBig(mtu=1280) /
                IPv6(src=d6, dst=s6) / TCP(sport=80, dport=4001) / Raw(b"d" * 40))]


def valid4(s4, d4):
    return [raw(IP(src=s4, dst=d4) / ICMP(type=8, id=1, seq=1) / Raw(b"x" * 24)),
            raw(IP(src=s4, dst=d4) / UDP(sport=53, dport=4000) / Raw(b"a" * 20)),
            raw(IP(src=s4, dst=d4) / TCP(sport=80, dport=4001, flags="SA")),
            raw(IP(src=s4, dst=d4) / ICMP(type=3, code=3) / IP(src=d4, dst=s4) / UDP(sport=4000, dport=53)),
            raw(IP(src=s4, dst=d4, flags="DF") / ICMP(type=3, code=4, nexthopmtu=1400) /
                IP(src=d4, dst=s4) / TCP(sport=4001, dport=80) / Raw(b"d" * 40))]


def bad6(s6, d6):
    out = []
    echo = raw(IPv6(src=s6, dst=d6) / ICMPv6EchoRequest(data=b"x" * 24))
    udp = raw(IPv6(src=s6, dst=d6) / UDP(sport=4000, dport=53) / Raw(b"q" * 20))
    tcp = raw(IPv6(src=s6, dst=d6) / TCP(sport=4001, dport=80, flags="S"))
    # Truncated fixed header, truncated L4 headers.
    out += [echo[:n] for n in range(1, 40)]
    out += [udp[:n] for n in range(41, 48)] + [tcp[:n] for n in range(41, 60, 3)] + [echo[:41], echo[:43]]
    # Version nibble and payload length lies.
    out += [bytes([v << 4 | (echo[0] & 15)]) + echo[1:] for v in (0, 4, 5, 15)]
    out += [patch(echo, 4, struct.pack("!H", n)) for n in (0, 1, len(echo) - 39, len(echo) - 41, 1000, 65535)]
    # Extension header chains.
    ip = IPv6(src=s6, dst=d6)
    u = UDP(sport=4000, dport=53) / Raw(b"q" * 8)
    out += [raw(ip / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / u),             # HBH not first
            raw(ip / IPv6ExtHdrRouting(type=0, segleft=1, addresses=[s6]) / u),   # segments left
            raw(ip / IPv6ExtHdrRouting(type=4, segleft=0) / u),
            raw(ip / IPv6ExtHdrFragment(m=0, offset=0, id=5) / IPv6ExtHdrDestOpt() / u),  # ext after frag
            raw(ip / IPv6ExtHdrFragment(m=1, offset=0, id=6) / IPv6ExtHdrRouting(segleft=1) / u),
            raw(ip / functools.reduce(lambda a, b: a / b, [IPv6ExtHdrDestOpt()] * 60) / u),  # long chain
            raw(IPv6(src=s6, dst=d6, nh=59) / Raw(b"nothing")),                    # No Next Header
            raw(IPv6(src=s6, dst=d6, nh=253) / Raw(b"experimental")),
            raw(IPv6(src=s6, dst=d6, nh=51) / Raw(b"\x06\x00\x00")),               # AH, truncated
            raw(IPv6(src=s6, dst=d6, nh=0) / Raw(b"\x11")),                        # HBH cut after 1 byte
            raw(IPv6(src=s6, dst=d6, nh=60) / Raw(b"\x11\xff" + b"\x00" * 6)),     # length past the end
            raw(IPv6(src=s6, dst=d6, nh=44) / Raw(b"\x11\x00\x00")),               # fragment hdr cut
            raw(IPv6(src=s6, dst=d6, nh=4) / Raw(b"\x45" + b"\x00" * 10))]         # IPv4-in-IPv6 stub
    # Fragments: ICMPv6 fragments, absurd offsets, too-small first fragments, atomic fragments.
    out += [raw(ip / IPv6ExtHdrFragment(m=1, offset=0, id=9, nh=58) / Raw(raw(ICMPv6EchoRequest(data=b"y" * 64)))),
            raw(ip / IPv6ExtHdrFragment(m=0, offset=3, id=9, nh=58) / Raw(b"z" * 40)),
            raw(ip / IPv6ExtHdrFragment(m=1, offset=8191, id=10, nh=17) / Raw(b"z" * 64)),
            raw(ip / IPv6ExtHdrFragment(m=0, offset=8191, id=10, nh=17) / Raw(b"z" * 1000)),
            raw(ip / IPv6ExtHdrFragment(m=1, offset=0, id=11, nh=17) / Raw(b"\x0f\xa0\x00")),
            raw(ip / IPv6ExtHdrFragment(m=1, offset=0, id=12, nh=6) / Raw(b"\x0f\xa1" + b"\x00" * 10)),
            raw(ip / IPv6ExtHdrFragment(m=0, offset=0, id=13) / u),
            raw(ip / IPv6ExtHdrFragment(m=1, offset=0, id=14, nh=17) / Raw(b"")),
            raw(ip / UDP(sport=4000, dport=53, chksum=0) / Raw(b"zero csum"))]
    # ICMPv6 errors with broken inner packets, double errors, odd types, codes and pointers.
    inner = raw(IPv6(src=d6, dst=s6) / UDP(sport=53, dport=4000) / Raw(b"i" * 16))
    inner_err = raw(IPv6(src=d6, dst=s6) / ICMPv6DestUnreach() / Raw(inner))
    for body in (b"", inner[:1], inner[:10], inner[:39], inner[:41], patch(inner, 4, b"\xff\xff"),
                 patch(inner, 0, b"\x45"), raw(IP(src="192.0.2.9", dst="192.0.2.10") / UDP()), inner_err,
                 raw(IPv6(src=d6, dst=s6, nh=44) / Raw(b"\x11\x00")), raw(IPv6(src="2001:db8:99::1", dst=s6) / UDP()),
                 raw(IPv6(src=d6, dst=s6) / IPv6ExtHdrRouting(segleft=3) / UDP()), bytes(R.randrange(256) for _ in range(60))):
        for hdr in (ICMPv6DestUnreach(code=R.choice([0, 1, 3, 4, 5, 6, 7, 200])), ICMPv6TimeExceeded(code=R.choice([0, 1, 9])),
                    ICMPv6PacketTooBig(mtu=R.choice([0, 1, 1279, 1280, 65535, 0xFFFFFFFF])),
                    ICMPv6ParamProblem(code=R.choice([0, 1, 2, 3]), ptr=R.choice([0, 4, 6, 7, 8, 24, 40, 200, 0xFFFFFFFF]))):
            out.append(raw(IPv6(src=s6, dst=d6) / hdr / Raw(body)))
    out += [raw(IPv6(src=s6, dst=d6, nh=58) / Raw(bytes([t, c, 0, 0]) + b"\x00" * 12))
            for t, c in ((5, 0), (100, 0), (127, 9), (130, 0), (133, 0), (135, 0), (137, 0), (143, 0), (200, 0), (255, 255))]
    out += [raw(IPv6(src=s6, dst=d6, nh=58) / Raw(b"\x80")), raw(IPv6(src=s6, dst=d6, nh=58) / Raw(b"\x01\x00"))]
    # Addresses with no mapping or of the wrong kind.
    pfx = int(ipaddress.IPv6Address(d6)) & ~0xFFFFFFFF     # d6 is inside a /96 pool6

    def in_pool(a4):
        return str(ipaddress.IPv6Address(pfx | int(ipaddress.IPv4Address(a4))))
    for s, d in (("2001:db8:99::1", d6), (s6, in_pool("224.0.0.1")), (s6, in_pool("0.0.0.0")),
                 (s6, in_pool("255.255.255.255")), (s6, in_pool("127.0.0.1")), ("ff02::1", d6), ("::", d6),
                 ("::1", d6), (s6, "2001:db8:99::1"), (s6, str(ipaddress.IPv6Address(pfx | 1 << 48)))):
        out.append(raw(IPv6(src=s, dst=d) / UDP(sport=1, dport=2) / Raw(b"a")))
    # Hop limit about to expire: the translator answers with Time Exceeded.
    out += [raw(IPv6(src=s6, dst=d6, hlim=h) / UDP(sport=4000, dport=53)) for h in (0, 1)]
    return out


def bad4(s4, d4):
    out = []
    echo = raw(IP(src=s4, dst=d4) / ICMP(type=8) / Raw(b"x" * 24))
    udp = raw(IP(src=s4, dst=d4) / UDP(sport=53, dport=4000) / Raw(b"a" * 20))
    tcp = raw(IP(src=s4, dst=d4) / TCP(sport=80, dport=4001, flags="SA"))
    out += [echo[:n] for n in range(1, 20)]
    out += [udp[:n] for n in range(21, 28)] + [tcp[:n] for n in range(21, 40, 3)]
    out += [bytes([v << 4 | 5]) + echo[1:] for v in (0, 6, 7, 15)]
    out += [bytes([0x40 | ihl]) + echo[1:] for ihl in (0, 1, 4, 6, 15)]
    out += [patch(echo, 2, struct.pack("!H", n)) for n in (0, 1, 19, 20, len(echo) + 1, 1500, 65535)]
    out += [patch(echo, 10, b"\x00\x00"), patch(echo, 10, b"\xde\xad")]
    # Options: unexpired source routes (RFC 7915 s4.1 drops them), garbage lengths.
    for opt in (b"\x83\x07\x04\xc6\x33\x64\x02\x00", b"\x89\x07\x04\xc6\x33\x64\x02\x00", b"\x07\x00\x00\x00",
                b"\x44\x01\x00\x00", b"\x83\xff\x04\x00", b"\x01\x01\x01\x00", b"\x00" * 4, b"\x94\x04\x00\x00"):
        out.append(_with_opts(s4, d4, opt))
    # Fragments: fragmented ICMP, offset overflow, tiny first fragments, zero UDP checksums.
    out += [raw(IP(src=s4, dst=d4, flags="MF", id=1) / ICMP(type=8) / Raw(b"y" * 64)),
            raw(IP(src=s4, dst=d4, frag=3, id=1, proto=1) / Raw(b"y" * 40)),
            raw(IP(src=s4, dst=d4, frag=8191, flags="MF", id=2, proto=17) / Raw(b"z" * 64)),
            raw(IP(src=s4, dst=d4, frag=8191, id=2, proto=17) / Raw(b"z" * 1000)),
            raw(IP(src=s4, dst=d4, flags="MF", id=3, proto=17) / Raw(b"\x00\x35\x0f")),
            raw(IP(src=s4, dst=d4, flags="MF", id=4, proto=6) / Raw(b"\x00\x50" + b"\x00" * 6)),
            raw(IP(src=s4, dst=d4, flags="DF+MF", id=5) / UDP(sport=53, dport=4000) / Raw(b"b" * 16)),
            raw(IP(src=s4, dst=d4) / UDP(sport=53, dport=4000, chksum=0) / Raw(b"zero csum")),
            raw(IP(src=s4, dst=d4, flags="MF", id=6) / UDP(sport=53, dport=4000, chksum=0) / Raw(b"c" * 64))]
    inner = raw(IP(src=d4, dst=s4) / UDP(sport=4000, dport=53) / Raw(b"i" * 16))
    inner_err = raw(IP(src=d4, dst=s4) / ICMP(type=3, code=3) / Raw(inner))
    for body in (b"", inner[:1], inner[:10], inner[:19], inner[:21], patch(inner, 0, b"\x40"), patch(inner, 0, b"\x4f"),
                 patch(inner, 2, b"\xff\xff"), patch(inner, 0, b"\x60"), inner_err,
                 raw(IP(src=d4, dst=s4, flags="MF", proto=17) / Raw(b"\x00")), raw(IP(src="10.9.9.9", dst=s4) / UDP()),
                 bytes(R.randrange(256) for _ in range(40))):
        for t, c, rest in ((3, R.choice([0, 1, 2, 3, 5, 9, 13, 15, 200]), 0), (3, 4, R.choice([0, 1, 67, 68, 1279, 65535])),
                           (11, R.choice([0, 1, 7]), 0), (12, R.choice([0, 1, 2, 9]), R.choice([0, 1, 9, 12, 16, 19, 200]) << 24)):
            out.append(raw(IP(src=s4, dst=d4, proto=1) / Raw(icmp4(t, c, rest, body))))
    out += [raw(IP(src=s4, dst=d4, proto=1) / Raw(bytes([t, c, 0, 0]) + b"\x00" * 12))
            for t, c in ((4, 0), (5, 1), (9, 0), (10, 0), (13, 0), (15, 0), (17, 0), (30, 0), (200, 0), (255, 255))]
    out += [raw(IP(src=s4, dst=d4, proto=1) / Raw(b"\x08"))]
    out += [raw(IP(src=s4, dst=d4, proto=p) / Raw(b"\x60" + b"\x00" * 30)) for p in (41, 58, 255)]
    for s, d in (("0.0.0.0", d4), ("127.0.0.1", d4), ("224.0.0.1", d4), ("255.255.255.255", d4),
                 (s4, "192.0.3.1"), (s4, "0.0.0.0"), (s4, "224.0.0.5")):
        out.append(raw(IP(src=s, dst=d) / UDP(sport=1, dport=2) / Raw(b"a")))
    out += [raw(IP(src=s4, dst=d4, ttl=t) / UDP(sport=53, dport=4000)) for t in (0, 1)]
    return out


def csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return struct.pack("!H", ~s & 0xFFFF)


def icmp4(t, c, rest, body):
    """An ICMPv4 message with a correct checksum (the 32-bit field after it is raw: unused/MTU/pointer)."""
    m = struct.pack("!BBHI", t, c, 0, rest) + body
    return m[:2] + csum(m) + m[4:]


def _with_opts(s4, d4, opt):
    """An IPv4 UDP packet with raw option bytes (scapy would re-encode them) and a correct checksum."""
    p = IP(src=s4, dst=d4, ihl=5 + len(opt) // 4) / UDP(sport=53, dport=4000) / Raw(b"o" * 8)
    b = bytearray(raw(p))
    payload = bytes(b[20:])
    hdr = bytearray(b[:20] + opt)
    hdr[2:4] = struct.pack("!H", len(hdr) + len(payload))
    hdr[10:12] = b"\x00\x00"
    hdr[10:12] = csum(bytes(hdr))
    return bytes(hdr) + payload


def mutants(valid, n):
    """n copies of valid packets with a few random bytes flipped or the tail cut."""
    out = []
    for _ in range(n):
        b = bytearray(R.choice(valid))
        for _ in range(R.randint(1, 4)):
            b[R.randrange(len(b))] = R.randrange(256)
        if R.random() < 0.3:
            b = b[:R.randrange(1, len(b))]
        out.append(bytes(b))
    return out


def noise(first_nibble, n):
    return [bytes([first_nibble << 4 | R.randrange(16)]) + bytes(R.randrange(256) for _ in range(R.randrange(0, 120)))
            for _ in range(n)]


def main(argv):
    if len(argv) not in (7, 8):
        sys.exit(__doc__)
    iface, mac, s6, d6, s4, d4 = argv[1:7]
    fams = argv[7] if len(argv) == 8 else "46"
    pkts = []
    if "6" in fams:
        pkts += bad6(s6, d6) + mutants(valid6(s6, d6), 150) + noise(6, 40)
    if "4" in fams:
        pkts += bad4(s4, d4) + mutants(valid4(s4, d4), 150) + noise(4, 40)
    if fams == "46":
        pkts += [bytes(R.randrange(256) for _ in range(R.randrange(1, 80))) for _ in range(40)]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    hdr = b""
    if mac != "-":
        with open("/sys/class/net/%s/address" % iface) as f:
            hdr = bytes.fromhex(mac.replace(":", "")) + bytes.fromhex(f.read().strip().replace(":", ""))
    sent = 0
    for i, p in enumerate(pkts):
        proto = 0x86DD if p[:1] and p[0] >> 4 == 6 else 0x0800
        try:
            s.sendto(hdr + (struct.pack("!H", proto) if hdr else b"") + p, (iface, proto))
            sent += 1
        except OSError:
            pass    # e.g. an empty frame: the kernel refuses it, nothing to test
        if i % 32 == 31:
            time.sleep(0.002)   # let the daemon drain its queue instead of the TUN dropping on overflow
    print("sent %d of %d packets on %s" % (sent, len(pkts), iface))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
