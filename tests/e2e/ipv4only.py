#!/usr/bin/python3
# ipv4only.py ADDRESS PORT PREFIX|nodata - a stand-in DNS64 for RFC 7050 tests: answers "AAAA
# ipv4only.arpa" with the two Well-Known IPv4-only Addresses (192.0.0.170, .171) embedded in PREFIX
# (RFC 6052, any length), TTL 300, or with NODATA; every other query gets REFUSED. UDP only, runs
# until killed.
import ipaddress
import socket
import struct
import sys

addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# RFC 6052 §2.2: the IPv4 bytes go around the u-octet (byte 8).
POS = {32: [4, 5, 6, 7], 40: [5, 6, 7, 9], 48: [6, 7, 9, 10], 56: [7, 9, 10, 11], 64: [9, 10, 11, 12],
       96: [12, 13, 14, 15]}


def embed(net, v4):
    b = bytearray(net.network_address.packed)
    for i, p in enumerate(POS[net.prefixlen]):
        b[p] = v4[i]
    return bytes(b)


def answer(q):
    if len(q) < 12:
        return None
    qid, _, qd = struct.unpack("!HHH", q[:6])
    end = 12
    while end < len(q) and q[end]:
        end += q[end] + 1
    if qd != 1 or end + 5 > len(q):
        return None
    name = q[12:end + 1]
    qtype, qclass = struct.unpack("!HH", q[end + 1:end + 5])
    question = q[12:end + 5]
    ok = name.lower() == b"\x08ipv4only\x04arpa\x00" and qtype == 28 and qclass == 1
    rrs = []
    if ok and mode != "nodata":
        net = ipaddress.IPv6Network(mode)
        for last in (170, 171):
            rrs.append(b"\xc0\x0c" + struct.pack("!HHIH", 28, 1, 300, 16) + embed(net, bytes([192, 0, 0, last])))
    rcode = 0 if ok else 5
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, len(rrs), 0, 0)  # QR RD RA
    return hdr + question + b"".join(rrs)


s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    q, peer = s.recvfrom(4096)
    a = answer(q)
    if a:
        s.sendto(a, peer)
