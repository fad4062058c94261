"""Shop API — entry point. Generated service: products, customers, orders."""
import os

from shop.database import init_db
from shop.routes import build_router
from shop.server import serve


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    init_db()
    serve(build_router(), host=host, port=port)


if __name__ == "__main__":
    main()
