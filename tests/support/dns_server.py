"""A real DNS server on loopback (dnslib) answering TXT records that a test sets."""

from __future__ import annotations

import socket
from contextlib import contextmanager

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class ZoneResolver(BaseResolver):
    """Answers TXT queries from a dict; SERVFAIL for names listed as broken."""

    def __init__(self):
        self.txt: dict[str, list[str]] = {}
        self.broken: set[str] = set()
        self.queries: list[str] = []

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        self.queries.append(name)
        if name in self.broken:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if name not in self.txt:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if request.q.qtype == QTYPE.TXT:
            for value in self.txt[name]:
                reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(value), ttl=1))
        return reply


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dns_server():
    """Start a UDP DNS server on 127.0.0.1; yields (resolver, port)."""
    resolver = ZoneResolver()
    port = free_udp_port()
    server = DNSServer(
        resolver,
        address="127.0.0.1",
        port=port,
        logger=DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False),
    )
    server.start_thread()
    try:
        yield resolver, port
    finally:
        server.stop()
