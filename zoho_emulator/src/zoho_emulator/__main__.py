"""``python -m zoho_emulator``: run the emulator as a threaded HTTP server."""

from __future__ import annotations

import argparse
import logging
import sys

from . import seed, urls
from .app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator
from .server import EmulatorServer


def _dc_secret(text: str) -> tuple[str, str]:
    """``DC=SECRET`` for ``--dc-client-secret``; argparse turns the error into a usage error."""
    dc, sep, secret = text.partition("=")
    dc = dc.strip().lower()
    if not sep or not secret:
        raise argparse.ArgumentTypeError(f"expected DC=SECRET, got {text!r}")
    if dc not in urls.DCS:
        raise argparse.ArgumentTypeError(
            f"unknown data center {dc!r} (one of {', '.join(urls.DCS)})"
        )
    return dc, secret


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zoho_emulator",
        description="Local emulator of Zoho Accounts OAuth and Zoho CRM v8.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--public-url",
        default=None,
        help="URL clients reach the server at (default http://HOST:PORT)",
    )
    parser.add_argument(
        "--client-id",
        default=DEFAULT_CLIENT_ID,
        help=f"the registered client (default {DEFAULT_CLIENT_ID})",
    )
    parser.add_argument(
        "--client-secret",
        default=DEFAULT_CLIENT_SECRET,
        help=f"its secret (default {DEFAULT_CLIENT_SECRET})",
    )
    parser.add_argument(
        "--dc-client-secret",
        action="append",
        dest="dc_client_secrets",
        type=_dc_secret,
        default=None,
        metavar="DC=SECRET",
        help="a data center's own client secret, overriding --client-secret there (repeatable)",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        default=None,
        help=(
            "a registered redirect URI, matched exactly (repeatable; default none: the consent"
            " page refuses every redirect URI until one is registered, here or with"
            " POST /_emulator/redirect-uris)"
        ),
    )
    parser.add_argument("--access-token-ttl", type=float, default=3600, help="seconds")
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="added to every non-control request"
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    emulator = Emulator(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uris or [],
        public_url=args.public_url,
        access_token_ttl=args.access_token_ttl,
        dc_client_secrets=dict(args.dc_client_secrets or []),
    )
    if args.latency_ms:
        emulator.set_latency(args.latency_ms)
    server = EmulatorServer(emulator, host=args.host, port=args.port)
    server.start()
    base = emulator.public_url
    out = sys.stdout
    print(
        f"Zoho emulator listening on http://{args.host}:{server.port} (public URL {base})", file=out
    )
    print(f"  client id {emulator.client_id}, secret {emulator.client_secret}", file=out)
    for dc, secret in sorted(emulator.dc_client_secrets.items()):
        print(f"  client secret for {dc}: {secret}", file=out)
    print(
        f"  redirect URIs: {', '.join(emulator.redirect_uris) or 'none registered yet'}", file=out
    )
    print(
        f"  accounts server: {base}/accounts/<dc>   API domain: {base}/api/<dc>   "
        f"control plane: {base}/_emulator/",
        file=out,
    )
    print("  demo users:", file=out)
    for user in seed.directory():
        orgs = ", ".join(f"{o['name']} (zgid {o['zgid']})" for o in user["orgs"])
        print(f"    {user['email']:<40} {user['dc']}  {orgs}", file=out)
    out.flush()
    try:
        server._thread.join()
    except KeyboardInterrupt:
        print("stopping", file=out)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
