"""Library API — generated FastAPI service: authors, books, members, loans."""
from fastapi import FastAPI

from app.database import init_db
from app.routers import authors, books, loans, members, stats

app = FastAPI(title="Library API", version="1.0.0")

app.include_router(authors.router)
app.include_router(books.router, prefix="/books")
app.include_router(members.router)
app.include_router(loans.router, prefix="/loans")
app.include_router(stats.router)


@app.on_event("startup")
def on_startup() -> None:
    init_db()


@app.get("/health")
def health():
    return {"status": "ok"}
