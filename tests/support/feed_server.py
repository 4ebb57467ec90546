#!/usr/bin/env python3
"""A loopback HTTP server of hostile and well-behaved feeds for tripwatch's poller tests.

Prints "PORT <n>" once listening on 127.0.0.1. Every path is fixed content written here:
not XML, a billion-laughs DTD, an external entity, 100 MB bodies (with and without a declared
length), a gzip bomb, invalid UTF-8, a gzip-encoded good feed, a CAP index linking to a CAP
alert, and a CAP alert with status Test.
"""
import gzip
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HUGE = 100 * 1024 * 1024

def rss(title, body, guid):
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        '<link>http://example.org/</link><description>d</description>'
        f'<item><title>{title}</title><guid>{guid}</guid><pubDate>Thu, 06 Jan 2022 09:00:00 GMT</pubDate>'
        f'<description>{body}</description></item></channel></rss>'
    ).encode()

def cap(identifier, status, headline, description):
    return (
        '<?xml version="1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f'<identifier>{identifier}</identifier><sender>alerts@example.gov</sender>'
        f'<sent>2022-01-06T10:00:00+06:00</sent><status>{status}</status><msgType>Alert</msgType>'
        '<scope>Public</scope><info><category>Transport</category><event>Closure</event>'
        '<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>'
        f'<headline>{headline}</headline><description>{description}</description>'
        '<area><areaDesc>Almaty</areaDesc><geocode><valueName>ISO3166-1</valueName><value>KZ</value></geocode>'
        '</area></info></alert>'
    ).encode()

BOMB = gzip.compress(b"\0" * HUGE, compresslevel=9)

FIXED = {
    "/notxml": (b"this is plainly not a feed", {}),
    "/laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><rss><channel><item><title>&lol3;</title></item></channel></rss>',
        {},
    ),
    "/xxe": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss><channel><item><title>&x;</title></item></channel></rss>',
        {},
    ),
    "/bomb": (BOMB, {"Content-Encoding": "gzip"}),
    "/badutf8": (
        rss("Weather note", "Mild weather in Almaty \xff\xfe caf\xe9 today.", "u-1").replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe"),
        {},
    ),
    "/good.gz": (
        gzip.compress(rss("Kazakhstan update", "A curfew is in force in Almaty from 11pm to 7am.", "g-1")),
        {"Content-Encoding": "gzip"},
    ),
    "/cap-index": (
        b'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>CAP index</title>'
        b'<id>urn:idx</id><updated>2022-01-06T10:00:00Z</updated>'
        b'<entry><id>urn:alert:1</id><title>Airport closed</title><updated>2022-01-06T10:00:00Z</updated>'
        b'<link href="/cap/1" type="application/cap+xml"/></entry></feed>',
        {},
    ),
    "/cap/1": (
        cap("AP-1", "Actual", "Almaty airport closed",
            "Almaty International Airport is closed to all flights until further notice."),
        {},
    ),
    "/cap-test": (
        cap("T-9", "Test", "Test message", "A curfew is in force in Almaty. This is a test."),
        {},
    ),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        try:
            if self.path in ("/huge", "/huge-declared"):
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                if self.path == "/huge-declared":
                    self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                chunk = b"<rss>" + b" " * (1 << 20)
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(chunk)
                return
            body, headers = FIXED.get(self.path, (None, None))
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
