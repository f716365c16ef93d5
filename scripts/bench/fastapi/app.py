"""FastAPI comparison target: the same JSON body as the service's GET /.

`async def` keeps the handler on the event loop; a plain `def` would hop through the thread pool
and make FastAPI look slower than it is.
"""
import os

from fastapi import FastAPI

app = FastAPI()
VERSION = os.environ.get("BENCH_VERSION", "0.0.0")


@app.get("/")
async def root():
    return {"message": "Hello from hono-api", "version": VERSION}
