"""Domain models and their validation."""
from dataclasses import asdict, dataclass


class ValidationError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Product:
    id: str
    name: str
    price: float
    stock: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Customer:
    id: str
    name: str
    email: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Order:
    id: str
    customer_id: str
    product_id: str
    quantity: int
    total: float

    def to_dict(self) -> dict:
        return asdict(self)


def validate_product(payload: dict) -> None:
    if not isinstance(payload.get("name"), str) or not payload["name"].strip():
        raise ValidationError("name", "is required")
    price = payload.get("price")
    if not isinstance(price, (int, float)) or price < 0:
        raise ValidationError("price", "must be a number >= 0")


def validate_customer(payload: dict) -> None:
    if not isinstance(payload.get("name"), str) or not payload["name"].strip():
        raise ValidationError("name", "is required")
    email = payload.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ValidationError("email", "must be an e-mail address")


def validate_order(payload: dict) -> None:
    for field in ("customer_id", "product_id"):
        if not isinstance(payload.get(field), str):
            raise ValidationError(field, "is required")
