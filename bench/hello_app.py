"""The FastAPI "hello world" the participation benchmark compares Minka's pages with.

Served by the same uvicorn (one worker, no access log) on the same machine, in the same run.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def hello() -> dict[str, str]:
    return {"message": "Hello World"}
