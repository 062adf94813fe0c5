#!/usr/bin/python3
"""Small UDP/TCP endpoints for the end-to-end tests (standard library only).

  peer.py udp-echo-server ADDR PORT          echo every datagram back to its sender, forever
  peer.py udp-echo ADDR PORT SIZE            send SIZE random bytes, expect them back (3 tries)
  peer.py udp-send-nodf ADDR PORT SIZE       send a patterned datagram with DF clear (IPv4 may fragment)
  peer.py udp-recv ADDR PORT SIZE TIMEOUT    wait for one datagram equal to the pattern of SIZE bytes
  peer.py tcp-sink ADDR PORT                 accept one connection, read to EOF, answer its sha256 (hex)
  peer.py tcp-upload ADDR PORT SIZE [nodf]   send SIZE random bytes, half-close, compare the sha256 answer
  peer.py udp-gso-send ADDR PORT SIZE COUNT K [nodf]
                                             send COUNT numbered datagrams, K per send() as one UDP GSO
                                             super-packet (UDP_SEGMENT SIZE; the last of each K shorter)
  peer.py udp-gso-recv ADDR PORT SIZE COUNT K TIMEOUT
                                             wait for those COUNT datagrams, each checked byte for byte

Exit status 0 on success; on failure the reason goes to stderr.
"""
import hashlib
import os
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def pattern(size):
    # Position-dependent bytes, so a reassembly that swaps or drops fragments shows up as a mismatch.
    return bytes((i * 7 + i // 251) & 0xFF for i in range(size))


def udp_echo_server(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def udp_echo(addr, port, size):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(1.5)
    data = os.urandom(int(size))
    for _ in range(3):
        s.sendto(data, (addr, int(port)))
        try:
            reply, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        if reply == data:
            return 0
        sys.exit("reply differs (%d bytes back, %d sent)" % (len(reply), len(data)))
    sys.exit("no reply in 3 tries")


def udp_send_nodf(addr, port, size):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    if family(addr) == socket.AF_INET:
        # IP_MTU_DISCOVER = IP_PMTUDISC_DONT (<linux/in.h>; Python does not name them): DF clear, so the
        # kernel fragments and routers may fragment further.
        s.setsockopt(socket.IPPROTO_IP, 10, 0)
    s.sendto(pattern(int(size)), (addr, int(port)))
    return 0


def udp_recv(addr, port, size, timeout):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(float(timeout))
    want = pattern(int(size))
    print("ready", flush=True)
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        sys.exit("nothing received")
    if data != want:
        sys.exit("received %d bytes from %s, content differs" % (len(data), peer[0]))
    print("received %d bytes from %s" % (len(data), peer[0]))
    return 0


def tcp_sink(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(1)
    c, _ = s.accept()
    h = hashlib.sha256()
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
    c.sendall(h.hexdigest().encode())
    c.close()
    return 0


def tcp_upload(addr, port, size, nodf=None):
    data = os.urandom(int(size))
    c = socket.socket(family(addr), socket.SOCK_STREAM)
    if nodf and family(addr) == socket.AF_INET:
        c.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: DF clear
    c.settimeout(15)
    c.connect((addr, int(port)))
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    answer = c.recv(100).decode()
    if answer != hashlib.sha256(data).hexdigest():
        sys.exit("server's sha256 differs: %r" % answer)
    return 0


# Linux <linux/udp.h>: the segment size of UDP GSO sends (Python does not name it).
UDP_SEGMENT = 103


def gso_datagram(i, size, k):
    # Datagram i: its number, then bytes that depend on it and on the position; the last of each send is
    # shorter (a super-packet's last segment may be), by an amount that varies.
    n = int(size) - (1 + (i // k) % 97 if i % k == k - 1 else 0)
    head = i.to_bytes(4, "big")
    return head + bytes((j * 13 + i * 7 + j // 253) & 0xFF for j in range(n - 4))


def udp_gso_send(addr, port, size, count, k, nodf=None):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    size, count, k = int(size), int(count), int(k)
    if nodf and family(addr) == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: DF clear
    s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, size)
    s.connect((addr, int(port)))
    for first in range(0, count, k):
        s.send(b"".join(gso_datagram(i, size, k) for i in range(first, min(first + k, count))))
        time.sleep(0.002)  # keep the receiver's buffer from overflowing: losses are not what is tested
    return 0


def udp_gso_recv(addr, port, size, count, k, timeout):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
    s.bind((addr, int(port)))
    s.settimeout(float(timeout))
    size, count, k = int(size), int(count), int(k)
    got = set()
    print("ready", flush=True)
    while len(got) < count:
        try:
            data = s.recv(65535)
        except socket.timeout:
            sys.exit("received %d of %d datagrams" % (len(got), count))
        i = int.from_bytes(data[:4], "big")
        if i >= count or i in got or data != gso_datagram(i, size, k):
            sys.exit("datagram of %d bytes numbered %d: unexpected, a duplicate or damaged" % (len(data), i))
        got.add(i)
    print("received all %d datagrams intact" % count)
    return 0


CMDS = {"udp-echo-server": udp_echo_server, "udp-echo": udp_echo, "udp-send-nodf": udp_send_nodf,
        "udp-recv": udp_recv, "tcp-sink": tcp_sink, "tcp-upload": tcp_upload,
        "udp-gso-send": udp_gso_send, "udp-gso-recv": udp_gso_recv}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit(__doc__)
    try:
        sys.exit(CMDS[sys.argv[1]](*sys.argv[2:]))
    except (OSError, TypeError) as e:
        sys.exit("%s: %s" % (sys.argv[1], e))
