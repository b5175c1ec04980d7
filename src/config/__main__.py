"""`python -m config [config_path] [--a.b.c value ...]`: load, apply overrides, print the result.

Checks a config the way the backtester and the live bot will see it; bad input prints one line
per problem to stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import dump_config, format_json, load, strip_metadata, warmup_minutes
from .cli import (
    add_config_arguments,
    apply_cli_overrides,
    exit_on_config_error,
    glue_negative_values,
)

log = logging.getLogger("config")


@exit_on_config_error
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config", description=__doc__.splitlines()[0])
    parser.add_argument(
        "config_path", nargs="?", default=None, help="JSON/HJSON config (default: configs/template.json)"
    )
    parser.add_argument("--live-only", action="store_true", help="load as the live bot does (coin lists kept as given)")
    parser.add_argument("--output", "-o", metavar="PATH", help="write the formatted config to PATH instead of stdout")
    add_config_arguments(parser)
    args = parser.parse_args(glue_negative_values(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.INFO, format="%(levelname)-8s %(message)s", stream=sys.stderr)
    config = apply_cli_overrides(load(args.config_path, live_only=args.live_only), args)
    if args.output:
        dump_config(config, args.output)
    else:
        sys.stdout.write(format_json(strip_metadata(config)))
    log.info("[config] ok; warm-up %d minutes (backtest, bounds included)", warmup_minutes(config, True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
