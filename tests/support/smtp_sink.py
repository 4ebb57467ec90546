#!/usr/bin/env python3
"""A real SMTP server for tripwatch's tests (aiosmtpd), on 127.0.0.1 and a free port.

Prints "PORT <n>" once listening. Accepted messages are written to --dir as N.eml.
Fault modes: --fail-first N (reply 421 to the first N messages), --reject (reply 550),
--drop-first N (drop the connection instead of answering the first N messages),
--tls CERT KEY (offer and require STARTTLS), --implicit-tls CERT KEY (TLS from the first
byte, as on port 465), --auth USER:PASS (require AUTH).
"""
import argparse
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    def __init__(self, args):
        self.args = args
        self.seen = 0
        self.saved = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.args.reject:
            return "550 5.7.1 rejected by test server"
        if self.seen <= self.args.fail_first:
            return "421 4.3.2 try again later"
        if self.seen <= self.args.drop_first:
            server.transport.abort()
            return None
        self.saved += 1
        path = os.path.join(self.args.dir, f"{self.saved:05d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--drop-first", type=int, default=0)
    p.add_argument("--reject", action="store_true")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args)
    kwargs = {}
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = getattr(auth_data, "login", None) == user.encode() and getattr(auth_data, "password", None) == password.encode()
            # handled=False: aiosmtpd answers a failure with 535 (with the default, True, it
            # answers nothing and the client waits for its timeout).
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.tls))
    wrap = None
    if args.implicit_tls:
        wrap = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        wrap.load_cert_chain(args.implicit_tls[0], args.implicit_tls[1])

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="localhost", **kwargs), "127.0.0.1", 0, ssl=wrap
        )
        print("PORT", server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
