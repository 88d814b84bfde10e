from __future__ import annotations

import argparse

import uvicorn

from dirbolt_core.sandbox.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the sandbox directory network")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    uvicorn.run(create_app(seed=args.seed), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
