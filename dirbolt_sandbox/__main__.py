from __future__ import annotations

import argparse

import uvicorn

from dirbolt_sandbox.app import CATALOG_PATH, catalog_json, create_app
from dirbolt_sandbox.sites import SITE_CLASSES


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the sandbox directory network")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mirrors", type=int, default=1,
                        help="serve every site N times as distinct directories (listed by /_admin/catalog.json)")
    parser.add_argument("--write-catalog", action="store_true",
                        help=f"regenerate {CATALOG_PATH.name} from the site classes and exit")
    parser.add_argument("--list", action="store_true", help="print every site, its behaviours and expected status")
    args = parser.parse_args()
    if args.list:
        for cls in SITE_CLASSES:
            flags = "".join(f" [{f}]" for f, on in (("requires_login", cls.requires_login),
                                                   ("has_captcha", cls.has_captcha)) if on)
            print(f"{cls.id:18} {cls.expected_status:12} {cls.name}{flags}\n{'':31}{', '.join(cls.behaviours)}")
        return
    if args.write_catalog:
        CATALOG_PATH.write_text(catalog_json(), encoding="utf-8")
        print(f"wrote {CATALOG_PATH}")
        return
    uvicorn.run(create_app(seed=args.seed, mirrors=args.mirrors), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
