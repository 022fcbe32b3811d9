"""`python manage.py emulate salesforce|netsuite`: serve an emulator until Ctrl-C."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from emulators.dependencies import require_emulator_dependencies


class Command(BaseCommand):
    help = "Serve a local Salesforce or NetSuite emulator (see the README)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", choices=["salesforce", "netsuite"])
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, help="default: 8101 salesforce, 8102 netsuite")
        parser.add_argument("--latency-ms", type=int, default=0, help="added to every call")
        parser.add_argument(
            "--concurrency-limit",
            type=int,
            default=0,
            help="requests in flight before NetSuite answers 429 / Salesforce refuses "
            "(0: no limit)",
        )
        parser.add_argument(
            "--fail-rate", type=float, default=0.0, help="fraction of calls answered 503"
        )
        parser.add_argument(
            "--api-limit",
            type=int,
            default=15000,
            help="Salesforce daily API allocation (then 403)",
        )
        parser.add_argument(
            "--edition",
            default="Enterprise Edition",
            help="Salesforce Organization.OrganizationType",
        )
        parser.add_argument(
            "--notify-url",
            default="",
            help="where record changes are POSTed (outbound message / webhook)",
        )
        parser.add_argument("--tls", action="store_true", help="serve HTTPS with a local CA")
        parser.add_argument(
            "--ca-out",
            default=".emulators/ca.pem",
            help="with --tls: where to write the CA certificate",
        )
        parser.add_argument("--state-file", default=None, help="keep state in this JSON file")

    def handle(self, *args, **opts) -> None:
        require_emulator_dependencies()
        from emulators.base import make_emulator_server

        if not 0 <= opts["fail_rate"] <= 1:
            raise CommandError("--fail-rate is a fraction between 0 and 1")
        common = {
            "latency_ms": opts["latency_ms"],
            "fail_rate": opts["fail_rate"],
            "concurrency_limit": opts["concurrency_limit"],
            "notify_url": opts["notify_url"],
            "state_file": opts["state_file"],
        }
        if opts["system"] == "salesforce":
            from emulators.salesforce import SalesforceEmulator

            app = SalesforceEmulator(api_limit=opts["api_limit"], edition=opts["edition"], **common)
            port = opts["port"] or 8101
        else:
            from emulators.netsuite import NetSuiteEmulator

            app = NetSuiteEmulator(**common)
            port = opts["port"] or 8102
        server, scheme = make_emulator_server(
            app, host=opts["host"], port=port, ca_out=opts["ca_out"] if opts["tls"] else None
        )
        self.stdout.write(f"{opts['system']} emulator on {scheme}://{opts['host']}:{port}/")
        if opts["tls"]:
            self.stdout.write(f"CA certificate: {opts['ca_out']} (REQUESTS_CA_BUNDLE)")
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
