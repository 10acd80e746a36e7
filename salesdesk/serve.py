"""`salesdesk serve`: uvicorn in one process, or N worker processes each listening on its own socket.

uvicorn's own multiprocess mode shares one listening socket among its workers: whichever worker
wakes first accepts, so under load the keep-alive connections pile onto one worker while another
idles (measured: 6–2, 7–1 and 8–0 of 8 connections; docs/performance.md, "Workers"). Here each
worker binds its own socket with SO_REUSEPORT and the kernel hashes every new connection to one of
them, so connections spread evenly. A worker binds only once it has imported the app, so no
connection waits on a worker still starting, and the supervisor never kills a slow starter: it only
replaces a worker that exited (uvicorn's health check killed workers whose imports took over 5 s).
"""

from __future__ import annotations

import copy
import logging
import logging.config
import multiprocessing
import os
import signal
import socket
import sys
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE

APP = "salesdesk.app:asgi"
WORKER_HEALTHCHECK_SECONDS = 60  # uvicorn's multiprocess mode, where SO_REUSEPORT does not balance
STOP_SECONDS = 30  # a worker's graceful shutdown (requests in flight) before it is killed

logger = logging.getLogger("uvicorn.error")


def log_config() -> dict[str, Any]:
    """uvicorn's, with the worker's pid on each request line (which worker answered)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"]["fmt"] = (
        '%(levelprefix)s [%(process)d] %(client_addr)s - "%(request_line)s" %(status_code)s'
    )
    return config


def serve(host: str, port: int, workers: int, *, reload: bool = False, access_log: bool = True) -> None:
    options = {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "log_level": "info",
        "access_log": access_log,
        "log_config": log_config(),
    }
    if workers > 1 and not reload and sys.platform == "linux":
        sys.exit(Supervisor(options, workers).run())
    # One process; or elsewhere, where SO_REUSEPORT does not spread connections (BSD, macOS) or is missing.
    # uvicorn pings each worker and replaces one that does not answer in time (5 s by default); a worker
    # still importing the app on a busy machine can take longer.
    uvicorn.run(
        APP,
        factory=True,
        workers=workers,
        reload=reload,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **options,
    )


def _family(host: str) -> socket.AddressFamily:
    return socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0][0]


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    return socket.create_server((host, port), family=_family(host), backlog=backlog, reuse_port=True)


def worker(options: dict[str, Any]) -> None:
    """One worker process: import the app, then listen on a socket of its own and serve."""
    config = uvicorn.Config(APP, factory=True, **options)
    config.load()
    server = uvicorn.Server(config)
    server.run(sockets=[_listen(config.host, config.port, config.backlog)])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class Supervisor:
    """Starts the workers, replaces one that dies, and stops them all on SIGINT or SIGTERM."""

    def __init__(self, options: dict[str, Any], workers: int) -> None:
        self.options, self.workers = options, workers
        self.context = multiprocessing.get_context("spawn")
        self.stopping = False

    def _start(self) -> BaseProcess:
        process = self.context.Process(target=worker, args=(self.options,), name="salesdesk-worker")
        process.start()
        return process

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def run(self) -> int:
        """The exit status: 0 once stopped, 3 when a worker could not start (as uvicorn's)."""
        logging.config.dictConfig(self.options["log_config"])
        logger.setLevel(logging.INFO)
        # Bound, not listening: the port is ours (an address in use fails here, once) but gets no connections.
        reservation = socket.socket(_family(self.options["host"]))
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            reservation.bind((self.options["host"], self.options["port"]))
        except OSError as error:
            logger.error(error)
            return STARTUP_FAILURE
        self.options["port"] = reservation.getsockname()[1]  # --port 0: the one the kernel chose, for every worker
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._stop)
        host, port = self.options["host"], self.options["port"]
        logger.info("Started parent process [%d]: http://%s:%d, %d workers", os.getpid(), host, port, self.workers)
        processes, status = [self._start() for _ in range(self.workers)], 0
        while processes and not self.stopping:
            wait([p.sentinel for p in processes], timeout=0.5)
            for n, process in enumerate(processes):
                if process.exitcode == STARTUP_FAILURE:
                    logger.error("Worker [%d] failed to start; stopping", process.pid)
                    self.stopping, status = True, STARTUP_FAILURE
                elif process.exitcode and not self.stopping:
                    logger.warning(
                        "Child process [%d] died (exit code %d); starting another", process.pid, process.exitcode
                    )
                    processes[n] = self._start()
            processes = [p for p in processes if p.exitcode != 0]  # 0: stopped on purpose (a signal of its own)
        for process in processes:
            process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
        reservation.close()
        logger.info("Stopped parent process [%d]", os.getpid())
        return status
