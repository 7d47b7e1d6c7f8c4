"""moto's S3 server for the object-store tests, on a free port.

Prints the port on its first line of stdout once it listens. moto checks
`If-None-Match: *` and then stores in two steps, so under its threaded
server two concurrent create-only PUTs of one key can both succeed; AWS S3
and MinIO make the check and the write one step. Every request is run
under one lock here, which gives moto that atomicity.
"""

import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def one_at_a_time(environ, start_response):
    with lock:
        return list(app(environ, start_response))


server = make_server(
    "127.0.0.1",
    0,
    one_at_a_time,
    threaded=True,
    request_handler=MotoRequestHandler,
)
print(server.port, flush=True)
sys.stdout.close()
server.serve_forever()
