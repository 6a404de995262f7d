"""A local Apache Kafka cluster (KRaft, no ZooKeeper) of N nodes, for the test suite and fault injection.

The jars come from Maven Central through `make kafka` (infra/setup/kafka.sh, version in
infra/setup/kafka/pom.xml) into `.cache/kafka/<version>/libs`; `java` is taken from JAVA_HOME or PATH.

Every node is a combined broker and controller (`process.roles=broker,controller`) with a static quorum
(`controller.quorum.voters`), so three nodes keep a quorum and serve with one of them down. Listeners are
on 127.0.0.1, on free ports picked once: a node restarted by `start_broker` or `restart` comes back on
the same ports with the same data. Each JVM runs in its own process group (Ctrl-C reaches Python, which
stops them in order) and an atexit hook stops them all. A Python process killed outright (SIGKILL, a
timeout) runs no atexit hook, so a small watchdog process, holding a pipe from it, ends the JVMs and removes
the temporary workdir when that pipe closes: no broker outlives the process that started it. JVM output
goes to `<log_dir or workdir>/node-<id>.log`.

Defaults: fast for tests, production-like in durability: replication factor min(3, N) for new topics and
the internal ones, `min.insync.replicas` 2 from three nodes on (1 below), no unclean leader election,
the log cleaner on with a 16 MB dedupe buffer, `group.initial.rebalance.delay.ms=0`,
`group.min.session.timeout.ms=3000`, 10 partitions (not 50) for the consumer-offsets and transaction-state
topics, fewer request and background threads. Failure detection keeps Kafka's defaults (a killed node is
fenced after `broker.session.timeout.ms`, 9 s), so fault-injection figures are those of a stock cluster.
Stopping the whole cluster cannot be clean to the last node (its controlled shutdown needs a controller
quorum that is gone): see `_wait_down`.

Measured on the 2-core development machine (OpenJDK 17, Kafka 4.1.1, -Xmx256m, serial GC, class archive
in place) while other test suites shared it (load average 8-16), from `start()` to every node answering:
one node 2-12 s (1.9-3.8 s of CPU per JVM), three nodes 9-18 s; a full restart of three 9-18 s, a stop
1-2 s; a killed leader's partitions have a new leader after 8-10 s (Kafka's 9 s broker session), and the
node restarted is back in sync 3-16 s later. Each JVM holds 180-240 MB resident and idles at 3-6 % of a
core. Without the class archive each start costs about a third more CPU; writing it (once per machine,
see `ensure_class_archive`) took 15-30 s.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from confluent_kafka.admin import AdminClient

from baystream.infra.broker import _QUIET, BrokerError, EmbeddedBroker, free_port

ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "infra" / "setup" / "kafka" / "pom.xml"
DEFAULT_KAFKA_VERSION = "4.1.1"


def kafka_version() -> str:
    """The Kafka version of the pom (what `make kafka` fetches)."""
    try:
        match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text(encoding="utf-8"))
    except OSError:
        match = None
    return match.group(1).strip() if match else DEFAULT_KAFKA_VERSION


KAFKA_VERSION = kafka_version()


def kafka_libs() -> Path:
    """The folder of the broker's jars; a one-line BrokerError saying how to get them when absent."""
    libs = ROOT / ".cache" / "kafka" / KAFKA_VERSION / "libs"
    if not (libs / ".complete").is_file():
        raise BrokerError(f"Apache Kafka {KAFKA_VERSION} is not installed in {libs}: run `make kafka`")
    return libs


def java_binary() -> str:
    """`java` from JAVA_HOME, else from PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(Path(home) / "bin" / "java", os.X_OK):
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise BrokerError("java is not installed (set JAVA_HOME or put java on PATH): run `make kafka`")
    return found


JVM_OPTIONS = (
    "-XX:+UseSerialGC",
    "-XX:CICompilerCount=2",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    "-Dlog4j2.shutdownHookEnabled=false",
)
"""Besides -Xmx: one GC thread and two JIT threads per JVM, so three nodes and the suite share 2 cores;
log4j left running until the JVM exits, so a node's log shows its whole shutdown."""


def class_archive() -> Path:
    """Where the JVM's class-data-sharing archive of the broker's classes goes (AppCDS).

    Loading Kafka's classes from it instead of from the jars cuts a node's start CPU by about a third. The
    name follows the java binary and the jar set, so another JDK or Kafka writes a new archive.
    """
    java = Path(java_binary()).resolve()
    stat = java.stat()
    libs = kafka_libs()
    # The JVM checks the jars' sizes and times against the archive: a fetch again (a new libs folder)
    # needs a new archive, as another java does.
    jars = libs.stat()
    key = f"{java}:{stat.st_size}:{stat.st_mtime_ns}:{jars.st_ino}:{jars.st_mtime_ns}"
    return libs.parent / f"classes-{hashlib.sha256(key.encode()).hexdigest()[:12]}.jsa"


_archive_tried: set[Path] = set()


def ensure_class_archive() -> None:
    """Write the class archive once per JDK and jar set, from a one-node cluster started and stopped.

    A JVM writes the archive as it exits cleanly; a node of a larger cluster may not exit cleanly (see
    `KafkaCluster._wait_down`), one node alone always does. Costs one node start (a few seconds) the first
    time; without an archive (if writing it fails) nodes load their classes from the jars, only slower.
    """
    archive = class_archive()
    if archive.is_file() or archive in _archive_tried:
        return
    _archive_tried.add(archive)
    for stale in archive.parent.glob("classes-*.tmp"):  # of trainers whose Python process died
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > 600:
                stale.unlink()
    trainer = KafkaCluster(1)
    trainer._dump_to = archive.with_suffix(f".{uuid.uuid4().hex[:12]}.tmp")
    with contextlib.suppress(BrokerError):
        trainer.start(timeout=60)
    trainer.stop()


LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.changes.name = state.change.logger
logger.changes.level = WARN
"""

WATCHDOG = """
import os, shutil, signal, sys, time
groups, folders = set(), set()
for line in sys.stdin:
    kind, value = line[0], line[1:].rstrip("\\n")
    if kind in "+-":
        (groups.add if kind == "+" else groups.discard)(int(value))
    else:
        (folders.add if kind == "d" else folders.discard)(value)
def signal_all(signum):
    for group in groups:
        try:
            os.killpg(group, signum)
        except OSError:
            pass
signal_all(signal.SIGTERM)
deadline = time.monotonic() + 15
while groups and time.monotonic() < deadline:
    time.sleep(0.2)
    for group in list(groups):
        try:
            os.killpg(group, 0)
        except OSError:
            groups.discard(group)
signal_all(signal.SIGKILL)
for folder in folders:
    shutil.rmtree(folder, ignore_errors=True)
"""
"""Reads `+pgid` / `-pgid` (JVM process groups) and `dPATH` / `DPATH` (temporary workdirs) lines; at EOF,
which comes when the Python process that started the JVMs exits however it exits, ends what is left."""


class _Watchdog:
    """One watchdog process per Python process, started with the first JVM."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def tell(self, line: str) -> None:
        with self._lock:
            self._tell(line)

    def _tell(self, line: str) -> None:
        if self._process is None or self._pid != os.getpid():  # a forked child gets a watchdog of its own
            self._process = subprocess.Popen(
                [sys.executable, "-c", WATCHDOG],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
            self._pid = os.getpid()
        assert self._process.stdin is not None
        with contextlib.suppress(OSError):
            self._process.stdin.write(line + "\n")
            self._process.stdin.flush()


_WATCHDOG = _Watchdog()


BROKER_DOWN = b"Transition from SHUTTING_DOWN to SHUTDOWN (kafka.server.BrokerServer)"
"""Logged once a node's broker has shut down (logs flushed); its controller and Raft client go next."""
APPROVED = b"The controller has asked us to exit controlled shutdown"
"""Logged when the controller quorum has approved a node's controlled shutdown."""
QUORUM_LOST_GRACE = 3.0
PORT_TAKEN = b"Address already in use"


def cluster_defaults(brokers: int) -> dict[str, str]:
    """The broker settings every node shares, for a cluster of `brokers` nodes."""
    rf = min(3, brokers)
    return {
        "num.partitions": "3",
        "default.replication.factor": str(rf),
        "min.insync.replicas": "2" if brokers >= 3 else "1",
        "offsets.topic.replication.factor": str(rf),
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": str(rf),
        "transaction.state.log.min.isr": str(min(2, brokers)),
        "transaction.state.log.num.partitions": "10",
        "unclean.leader.election.enable": "false",
        "auto.create.topics.enable": "true",
        "group.initial.rebalance.delay.ms": "0",
        "group.min.session.timeout.ms": "3000",
        "log.cleaner.enable": "true",
        "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
        "log.cleaner.threads": "1",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "background.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "num.replica.fetchers": "1",
    }


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes in URL-safe base64 without padding (not starting with '-')."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def api_versions_answer(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when the node on this port answers an ApiVersions request itself.

    A KRaft broker accepts requests only once it has caught up with the metadata and been unfenced, so
    an answer from this very port (not from whichever broker a client library picks) means the node is up.
    """
    request = struct.pack(">hhih", 18, 0, 0x0BA7, -1)  # ApiVersions v0, correlation id, null client id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(request)) + request)
            header = b""
            while len(header) < 8:
                chunk = sock.recv(8 - len(header))
                if not chunk:
                    return False
                header += chunk
    except OSError:
        return False
    return struct.unpack(">ii", header)[1] == 0x0BA7


@dataclass
class _Node:
    node_id: int
    port: int
    controller_port: int
    home: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = field(default=None, repr=False)
    log_offset: int = 0
    """Where the output of the node's current JVM starts in its log file."""
    dumping: Path | None = None
    """The class archive this JVM writes when it exits (the first run on a machine)."""

    @property
    def config_path(self) -> Path:
        return self.home / "server.properties"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class KafkaCluster:
    """N Apache Kafka nodes (KRaft, each broker and controller) on 127.0.0.1; `with KafkaCluster(3) as c:`.

    `workdir` holds each node's config and data (a temporary folder, deleted by `stop`, when None);
    `log_dir` the JVM logs (the workdir when None); `port` fixes the first node's client port.
    """

    def __init__(
        self,
        brokers: int = 1,
        host: str = "127.0.0.1",
        workdir: Path | None = None,
        heap_mb: int = 256,
        log_dir: Path | None = None,
        port: int | None = None,
    ):
        if brokers < 1:
            raise ValueError("a cluster needs at least one broker")
        self.brokers = brokers
        self.host = host
        self.heap_mb = heap_mb
        self.version = KAFKA_VERSION
        self._own_workdir = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix="baystream-kafka-")) if workdir is None else Path(workdir)
        self.log_dir = Path(log_dir) if log_dir is not None else self.workdir
        self._first_port = port
        ports = self._free_ports(2 * brokers, first=port)
        self._nodes = {
            node_id: _Node(
                node_id=node_id,
                port=ports[2 * i],
                controller_port=ports[2 * i + 1],
                home=self.workdir / f"node-{node_id}",
                log_path=self.log_dir / f"node-{node_id}.log",
            )
            for i, node_id in enumerate(range(1, brokers + 1))
        }
        self._started = False
        self._dump_to: Path | None = None
        """Set on the one-node cluster that writes the class archive (`ensure_class_archive`)."""

    def _free_ports(self, count: int, first: int | None) -> list[int]:
        ports = [first] if first else []
        while len(ports) < count:
            candidate = free_port(self.host)
            if candidate not in ports:
                ports.append(candidate)
        return ports

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{self.host}:{node.port}" for node in self._nodes.values())

    @property
    def node_ids(self) -> list[int]:
        return list(self._nodes)

    def address(self, node_id: int) -> str:
        """host:port of one node's client listener."""
        return f"{self.host}:{self._node(node_id).port}"

    def log_path(self, node_id: int) -> Path:
        return self._node(node_id).log_path

    def log_tail(self, node_id: int, lines: int = 30) -> str:
        """The last lines a node's JVM wrote (for failing tests and start errors)."""
        try:
            text = self._node(node_id).log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def pids(self) -> dict[int, int]:
        """node id -> pid of its running JVM."""
        return {n.node_id: n.process.pid for n in self._nodes.values() if n.process is not None and n.alive()}

    def _admin(self) -> AdminClient:
        config: dict[str, Any] = {"bootstrap.servers": self.bootstrap, "log_level": 0, "logger": _QUIET}
        return AdminClient(config)

    def _node(self, node_id: int) -> _Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise ValueError(f"no node {node_id}; nodes are {self.node_ids}") from None

    # -- configuration and formatting -------------------------------------------------------------------

    def _properties(self, node: _Node) -> dict[str, str]:
        voters = ",".join(f"{n.node_id}@{self.host}:{n.controller_port}" for n in self._nodes.values())
        return {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://{self.host}:{node.port},CONTROLLER://{self.host}:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{node.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(node.data_dir),
            **cluster_defaults(self.brokers),
        }

    def _java(self, main: str, *args: str, heap_mb: int, dump: Path | None = None) -> list[str]:
        archive = class_archive()
        if dump is not None:
            sharing = f"-XX:ArchiveClassesAtExit={dump}"
        elif archive.is_file():
            sharing = f"-XX:SharedArchiveFile={archive}"
        else:
            sharing = "-Xshare:auto"
        return [
            java_binary(),
            f"-Xmx{heap_mb}m",
            *JVM_OPTIONS,
            sharing,
            f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}",
            "-cp",
            str(kafka_libs() / "*"),
            main,
            *args,
        ]

    def _format(self) -> bool:
        """Write every node's config and format its log dir (once: a formatted node is left as it is).

        True when every node was formatted now (a new cluster)."""
        kafka_libs()  # the clear error before anything else
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "log4j2.properties").write_text(LOG4J2, encoding="utf-8")
        cluster_file = self.workdir / "cluster.id"
        if not cluster_file.exists():
            cluster_file.write_text(new_cluster_id(), encoding="utf-8")
        cluster_id = cluster_file.read_text(encoding="utf-8").strip()
        todo: list[_Node] = []
        for node in self._nodes.values():
            node.home.mkdir(parents=True, exist_ok=True)
            lines = [f"{key}={value}" for key, value in self._properties(node).items()]
            node.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            if not (node.data_dir / "meta.properties").exists():
                todo.append(node)
        if not todo:
            return False
        self._storage_format(todo[:1], cluster_id)
        first = todo[0].data_dir
        if sorted(path.name for path in first.iterdir()) == ["bootstrap.checkpoint", "meta.properties"]:
            # What the tool writes for a static quorum: the same bootstrap records for every node, and
            # meta.properties with the node's id and a new directory id. Copying them saves a JVM per node.
            for node in todo[1:]:
                node.data_dir.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(first / "bootstrap.checkpoint", node.data_dir / "bootstrap.checkpoint")
                meta = f"node.id={node.node_id}\ndirectory.id={new_cluster_id()}\nversion=1\ncluster.id={cluster_id}\n"
                (node.data_dir / "meta.properties").write_text(meta, encoding="utf-8")
        else:  # another Kafka version writes more: let its tool format every node
            self._storage_format(todo[1:], cluster_id)
        return len(todo) == len(self._nodes)

    def _storage_format(self, nodes: list[_Node], cluster_id: str) -> None:
        """`kafka-storage format` for these nodes, in parallel."""
        formatting: list[tuple[_Node, subprocess.Popen[bytes]]] = []
        for node in nodes:
            command = self._java(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(node.config_path),
                "--ignore-formatted",
                heap_mb=128,
            )
            formatting.append((node, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)))
        try:
            results = [(node, process, process.communicate(timeout=120)[0]) for node, process in formatting]
        except BaseException:  # a timeout, Ctrl-C: none of them outlives the start
            for _, process in formatting:
                process.kill()
                process.wait()
            raise
        for node, process, output in results:
            if process.returncode != 0:
                text = output.decode(errors="replace").strip().splitlines()
                raise BrokerError(f"formatting node {node.node_id} failed: {text[-1] if text else process.returncode}")

    # -- processes --------------------------------------------------------------------------------------

    def _launch(self, node: _Node) -> None:
        if node.alive():
            return
        if node.log is None:
            node.log_path.parent.mkdir(parents=True, exist_ok=True)
            node.log = open(node.log_path, "ab")  # noqa: SIM115 - closed by stop()
        node.log.write(f"=== baystream: starting node {node.node_id} at {time.strftime('%H:%M:%S')} ===\n".encode())
        node.log.flush()
        node.log_offset = node.log.tell()
        node.dumping = self._dump_to
        node.process = subprocess.Popen(
            self._java("kafka.Kafka", str(node.config_path), heap_mb=self.heap_mb, dump=node.dumping),
            stdout=node.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        _WATCHDOG.tell(f"+{node.process.pid}")

    def _signal(self, node: _Node, signum: int) -> None:
        process = node.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)

    def _wait_down(self, nodes: list[_Node], timeout: float) -> None:
        """SIGTERM the nodes together, SIGKILL whichever is still up after `timeout`, reap them all.

        A node's controlled shutdown needs the controller quorum. Once fewer than a majority of the nodes
        run, the nodes still up can never get it (Kafka would wait 5 minutes) nor elect a Raft leader
        (5 s): each is killed as soon as its broker has shut down (logs flushed), or after
        `QUORUM_LOST_GRACE` if it was still waiting for the controller. Its data stays; a node killed
        before flushing recovers its logs at the next start, as after any crash.
        """
        for node in nodes:
            self._signal(node, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        quorum_lost_at: float | None = None
        pending = [node for node in nodes if node.process is not None]
        while pending:
            for node in list(pending):
                if node.process is None or node.process.poll() is not None:
                    pending.remove(node)
                    self._reaped(node)
            if not pending:
                return
            now = time.monotonic()
            if quorum_lost_at is None and sum(n.alive() for n in self._nodes.values()) <= self.brokers // 2:
                quorum_lost_at = now
            for node in pending:
                if now > deadline:
                    self._kill(node, f"still up {timeout:g}s after SIGTERM")
                elif quorum_lost_at is not None and node.dumping is None:
                    shutdown = self._log_since_start(node)
                    if BROKER_DOWN in shutdown:
                        self._kill(node, "broker shut down, controller quorum gone")
                    elif APPROVED not in shutdown and now - quorum_lost_at > QUORUM_LOST_GRACE:
                        self._kill(node, "controlled shutdown cannot be approved: controller quorum gone")
            time.sleep(0.05)

    def _kill(self, node: _Node, why: str) -> None:
        if node.log is not None:
            with contextlib.suppress(OSError, ValueError):
                node.log.write(f"=== baystream: SIGKILL node {node.node_id}: {why} ===\n".encode())
                node.log.flush()
        self._signal(node, signal.SIGKILL)
        if node.process is not None:
            node.process.wait()

    def _log_since_start(self, node: _Node) -> bytes:
        """What the node's current JVM has logged so far."""
        try:
            with open(node.log_path, "rb") as log:
                log.seek(node.log_offset)
                return log.read()
        except OSError:
            return b""

    def _reaped(self, node: _Node) -> None:
        """After a node's JVM exited: the watchdog forgets it; the class archive it wrote is put in place
        (only after a clean exit, not if killed)."""
        if node.process is not None:
            _WATCHDOG.tell(f"-{node.process.pid}")
        dump, node.dumping = node.dumping, None
        if dump is None or node.process is None:
            return
        if node.process.returncode is not None and node.process.returncode >= 0 and dump.is_file():
            os.replace(dump, class_archive())
        else:
            dump.unlink(missing_ok=True)

    def _wait_up(self, nodes: list[_Node], timeout: float) -> None:
        """Until each node answers on its own port and metadata lists every running node."""
        deadline = time.monotonic() + timeout
        pending = list(nodes)
        while pending:
            for node in list(pending):
                if not node.alive():
                    code = node.process.returncode if node.process else None
                    raise BrokerError(
                        f"Kafka node {node.node_id} exited with status {code} while starting; "
                        f"its log ({node.log_path}) ends with:\n{self.log_tail(node.node_id)}"
                    )
                if api_versions_answer(self.host, node.port, timeout=0.5):
                    pending.remove(node)
            if pending:
                if time.monotonic() > deadline:
                    ids = [n.node_id for n in pending]
                    tail = self.log_tail(pending[0].node_id)
                    raise BrokerError(f"Kafka nodes {ids} did not come up in {timeout:.0f}s; node log ends:\n{tail}")
                time.sleep(0.2)
        wanted = {n.node_id for n in self._nodes.values() if n.alive()}
        listed: set[int] = set()
        admin = self._admin()
        while True:
            with contextlib.suppress(Exception):
                listed = set(admin.list_topics(timeout=2.0).brokers)
            if wanted <= listed:
                return
            if time.monotonic() > deadline:
                raise BrokerError(
                    f"metadata lists brokers {sorted(listed)}, not {sorted(wanted)}, after {timeout:.0f}s"
                )
            time.sleep(0.2)

    # -- the interface ----------------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> KafkaCluster:
        """Format (the first time), start every node, wait until metadata lists all of them."""
        if not self._started:
            atexit.register(self.stop)
            if self._own_workdir:
                _WATCHDOG.tell(f"d{self.workdir}")
            self._started = True
        try:
            if self._dump_to is None:
                ensure_class_archive()
            fresh = self._format()
            for node in self._nodes.values():
                self._launch(node)
            try:
                self._wait_up(list(self._nodes.values()), timeout)
            except BrokerError:
                # Ports are picked free, then bound seconds later by the JVMs: another process may have
                # taken one in between. A new cluster tries once more on other ports.
                if not fresh or not any(PORT_TAKEN in self._log_since_start(n) for n in self._nodes.values()):
                    raise
                self._wait_down(list(self._nodes.values()), 20.0)
                self._new_ports()
                self._format()
                for node in self._nodes.values():
                    self._launch(node)
                self._wait_up(list(self._nodes.values()), timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _new_ports(self) -> None:
        """Other ports for every node (but a port given to the constructor), on an empty data dir."""
        ports = self._free_ports(2 * self.brokers, first=self._first_port)
        for i, node in enumerate(self._nodes.values()):
            node.port, node.controller_port = ports[2 * i], ports[2 * i + 1]
            shutil.rmtree(node.home, ignore_errors=True)
            if node.log is not None:
                node.log.write(b"=== baystream: a port was taken: starting again on other ports ===\n")

    def running(self) -> bool:
        """True while at least one node's JVM runs (a cluster with a node killed on purpose still runs)."""
        return any(node.alive() for node in self._nodes.values())

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every JVM, SIGKILL those still up after `timeout`; delete the workdir if it was temporary."""
        self._wait_down(list(self._nodes.values()), timeout)
        for node in self._nodes.values():
            node.process = None
            if node.log is not None:
                node.log.close()
                node.log = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self._started:
            atexit.unregister(self.stop)
            if self._own_workdir:
                _WATCHDOG.tell(f"D{self.workdir}")
            self._started = False

    def kill_broker(self, node_id: int) -> None:
        """SIGKILL one node (its data stays; `start_broker` brings it back)."""
        node = self._node(node_id)
        self._signal(node, signal.SIGKILL)
        if node.process is not None:
            node.process.wait()
        self._reaped(node)

    def stop_broker(self, node_id: int, timeout: float = 30.0) -> None:
        """SIGTERM one node (controlled shutdown: it hands its leaderships over) and wait for it."""
        self._wait_down([self._node(node_id)], timeout)

    def start_broker(self, node_id: int, timeout: float = 60.0) -> None:
        """Start a stopped or killed node again, same ports and data; wait until metadata lists it."""
        node = self._node(node_id)
        self._launch(node)
        self._wait_up([node], timeout)

    def restart(self, timeout: float = 90.0) -> None:
        """Every node down (SIGTERM), then every node up again: same data, same ports."""
        nodes = list(self._nodes.values())
        self._wait_down(nodes, 30.0)
        for node in nodes:
            self._launch(node)
        self._wait_up(nodes, timeout)

    def leader(self, topic: str, partition: int) -> int:
        """The node leading this partition now, from fresh metadata (-1 while it has none)."""
        admin = self._admin()
        metadata = admin.list_topics(topic, timeout=10.0)
        return int(metadata.topics[topic].partitions[partition].leader)

    def __enter__(self) -> KafkaCluster:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_engine(engine: str, brokers: int = 1, port: int | None = None) -> EmbeddedBroker | KafkaCluster:
    """A started broker of either engine: "tansu" (embedded, memory only, one node) or "kafka" (N nodes).

    `port`: Tansu's port, or the first Kafka node's client port. Both results have `.bootstrap`,
    `.stop()` and `.running()`.
    """
    if engine == "tansu":
        if brokers != 1:
            raise ValueError("the tansu engine runs one broker; use --engine kafka for a cluster")
        return EmbeddedBroker(port).start()
    if engine == "kafka":
        return KafkaCluster(brokers, port=port).start()
    raise ValueError(f"unknown broker engine {engine!r}: tansu or kafka")
