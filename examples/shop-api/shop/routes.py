"""HTTP routes: parse the request, call the service, shape the response."""
from shop import services
from shop.models import ValidationError, validate_customer, validate_order, validate_product
from shop.server import Request, Response, Router


def health(request: Request) -> Response:
    return Response(200, {"status": "ok"})


def list_products(request: Request) -> Response:
    return Response(200, services.list_products())


def get_product(request: Request) -> Response:
    return Response(200, services.get_product(request.path_params["product_id"]))


def create_product(request: Request) -> Response:
    payload = request.json()
    validate_product(payload)
    return Response(201, services.create_product(payload))


def list_customers(request: Request) -> Response:
    return Response(200, services.list_customers())


def get_customer(request: Request) -> Response:
    try:
        return Response(200, services.get_customer(request.path_params["customer_id"]))
    except services.NotFound as error:
        return Response(404, {"detail": str(error)})


def create_customer(request: Request) -> Response:
    payload = request.json()
    validate_customer(payload)
    return Response(200, services.create_customer(payload))


def get_order(request: Request) -> Response:
    try:
        return Response(200, services.get_order(request.path_params["order_id"]))
    except services.NotFound as error:
        return Response(404, {"detail": str(error)})


def create_order(request: Request) -> Response:
    payload = request.json()
    validate_order(payload)
    return Response(201, services.create_order(payload))


def build_router() -> Router:
    router = Router()
    router.add("GET", "/health", health)
    router.add("GET", "/products", list_products)
    router.add("GET", "/products/{product_id}", get_product)
    router.add("POST", "/products", create_product)
    router.add("GET", "/customers", list_customers)
    router.add("POST", "/customers", create_customer)
    router.add("GET", "/orders/{order_id}", get_order)
    router.add("POST", "/orders", create_order)
    return router
