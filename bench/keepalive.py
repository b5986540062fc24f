"""Part 3: connection reuse. 100 sequential SDK calls with ZOHO_HTTP_KEEPALIVE on and off.

    .venv/bin/python bench/keepalive.py            # plain HTTP to the emulator
    .venv/bin/python bench/keepalive.py --tls      # the emulator behind TLS (as Zoho is)
    .venv/bin/python bench/keepalive.py --quick

Each round runs the same `get_records` call CALLS times inside one `activated(connection)`,
once with keep-alive on and once off (alternating which goes first), and counts the TCP
connections the emulator accepted for API traffic (`/_emulator/stats` `api_connections`).
"""

from __future__ import annotations

import argparse
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


# --- an emulator behind TLS (child process) -------------------------------------------------
def _self_signed(directory: str) -> tuple[str, str]:
    """A throwaway certificate for 127.0.0.1 (cert path, key path)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = f"{directory}/cert.pem", f"{directory}/key.pem"
    Path(cert_path).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    Path(key_path).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def serve_tls(port: int, cert: str, key: str) -> None:
    """Child: the emulator's own server with its listening socket wrapped in TLS."""
    from zoho_emulator.server import EmulatorServer, _ThreadingServer

    app = common.bench_emulator_app(public_url=f"https://127.0.0.1:{port}", access_token_ttl=3600)
    server = EmulatorServer(app, host="127.0.0.1", port=port)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server._server = _ThreadingServer(server, ("127.0.0.1", port))
    # Handshakes happen in the connection's own thread (on first read), not in accept().
    server._server.socket = context.wrap_socket(
        server._server.socket, server_side=True, do_handshake_on_connect=False
    )
    server.serve_forever()


class TLSEmulator(common.Emulator):
    def __init__(self):  # noqa: D107 - same interface as common.Emulator
        from zoho_emulator.client import EmulatorClient

        directory = tempfile.mkdtemp(prefix="zohoportal-bench-tls-")
        self.cert, key = _self_signed(directory)
        self.port = common.free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [common.PYTHON, __file__, "--serve-tls", str(self.port), self.cert, key],
            cwd=common.ROOT,
        )
        os.environ["REQUESTS_CA_BUNDLE"] = self.cert  # requests verifies against it
        context = ssl.create_default_context(cafile=self.cert)
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(  # noqa: S310 - 127.0.0.1
                    f"{self.url}/_emulator/health", timeout=2, context=context
                ).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.client = EmulatorClient(self.url)
        # EmulatorClient uses urllib's default context: trust the throwaway certificate.
        self.client._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context)
        )


# --- the measurement -----------------------------------------------------------------------
def sdk_calls(connection, calls: int) -> tuple[list[float], list[list[str]]]:
    from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
    from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations

    from accounts import activation

    timings, pages = [], []
    with activation.activated(connection):
        for _ in range(calls):
            params = ParameterMap()
            params.add(GetRecordsParam.fields, "Last_Name,Email,Company")
            params.add(GetRecordsParam.per_page, 20)
            started = time.perf_counter()
            response = RecordOperations("Leads").get_records(params)
            timings.append(time.perf_counter() - started)
            pages.append([str(r.get_id()) for r in response.get_object().get_data()])
    return timings, pages


def run_mode(emulator, connection, *, keepalive: bool, calls: int):
    from django.conf import settings

    from zoho import transport as zoho_http

    settings.ZOHO_HTTP_KEEPALIVE = keepalive
    # Start every keep-alive run with a fresh pool, so its one connection is counted.
    old = getattr(zoho_http._local, "session", None)
    if old is not None:
        old.close()
        zoho_http._local.session = None
    before = emulator.stats()["api_connections"]
    timings, pages = sdk_calls(connection, calls)
    opened = emulator.stats()["api_connections"] - before
    return timings, pages, opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--tls", action="store_true", help="emulator behind TLS")
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    parser.add_argument("--serve-tls", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_tls:
        serve_tls(int(args.serve_tls[0]), args.serve_tls[1], args.serve_tls[2])
        return
    rounds = 2 if args.quick else args.rounds

    emulator = TLSEmulator() if args.tls else common.Emulator(latency_ms=args.latency_ms)
    try:
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
        common.django_setup(database_url=common.sqlite_url(), emulator_url=emulator.url)
        if ca_bundle:
            os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle
        connection = common.connect(emulator.client, "sofia.lindqvist@nordwind-logistik.de", "eu")
        sdk_calls(connection, 2)  # field metadata fetched once and cached, as in production

        results = {True: {"t": [], "opened": [], "pages": None}, False: {"t": [], "opened": []}}
        same = True
        for index in range(rounds):
            order = (True, False) if index % 2 == 0 else (False, True)
            for keepalive in order:
                timings, pages, opened = run_mode(
                    emulator, connection, keepalive=keepalive, calls=args.calls
                )
                results[keepalive]["t"].extend(timings)
                results[keepalive]["opened"].append(opened)
                reference = results[True].get("pages")
                if reference is None:
                    results[True]["pages"] = pages
                elif pages != reference:
                    same = False
    finally:
        emulator.stop()

    on, off = results[True], results[False]
    med_on, med_off = common.median_ms(on["t"]), common.median_ms(off["t"])
    p99_on, p99_off = common.percentile_ms(on["t"], 99), common.percentile_ms(off["t"], 99)
    worst_on = max(on["opened"])
    scheme = "https (TLS)" if args.tls else "http"
    latency = f", emulator latency {args.latency_ms:g} ms" if args.latency_ms else ""
    print(f"# Connection reuse: {args.calls} sequential get_records calls x {rounds} rounds")
    print(f"# emulator over {scheme}{latency}; {common.machine()}\n")
    print(
        common.table(
            ["ZOHO_HTTP_KEEPALIVE", "connections / 100 calls", "median ms", "p99 ms", "total s"],
            [
                [
                    "on",
                    "/".join(str(n) for n in on["opened"]),
                    common.fmt(med_on),
                    common.fmt(p99_on),
                    common.fmt(sum(on["t"]) / rounds, 2),
                ],
                [
                    "off",
                    "/".join(str(n) for n in off["opened"]),
                    common.fmt(med_off),
                    common.fmt(p99_off),
                    common.fmt(sum(off["t"]) / rounds, 2),
                ],
            ],
        )
    )
    print()
    print(f"median off/on: {med_off / med_on:.2f}x   same pages on and off: {same}")
    print(
        f"target: <= 2 connections per {args.calls} calls with keep-alive on "
        f"(worst round {worst_on}): {common.met(worst_on <= 2 and same)}"
    )


if __name__ == "__main__":
    main()
