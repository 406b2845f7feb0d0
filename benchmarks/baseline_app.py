"""A bare Starlette endpoint: the floor our routes are compared against in the load bench."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def status(request: Request) -> JSONResponse:
    return JSONResponse({"code": request.path_params["code"], "status": "submitted"})


async def submit(request: Request) -> JSONResponse:
    body = await request.json()
    return JSONResponse({"code": "X", "received": len(body)}, status_code=201)


app = Starlette(
    routes=[
        Route("/status/{code}", status),
        Route("/submit", submit, methods=["POST"]),
    ]
)
