# nubo's Python fork server. nubo starts it with the interpreter, flags and
# start-up environment (the variables Python and the C library read as they
# start) that a function's runtime would get, and one end of a socket pair
# on fd 3. It imports the runtime client once and then, for each execution
# environment nubo asks for, hands out a child of its own: the child takes
# the environment's variables, working directory and output, and runs the
# client's main() exactly as bootstrap.py would, in a process of its own.
#
# A child costs a fork and then a copy of every page it writes that it
# shares with the server; on some virtual machines each copy costs tens of
# microseconds, and they add up to milliseconds. So the server keeps spare
# children forked ahead, which rehearse an invocation (paying for their
# copies) and then read nubo's next request themselves. A spare answers
# with its pid, tells the server it was taken (so that a new spare is
# forked once things are quiet) and becomes the environment's runtime.
# While no spare is ready, the server reads requests itself and forks a
# child for each at once.
#
# Messages are JSON, one per SOCK_SEQPACKET packet. nubo sends
# {"id", "env": ["K=V", ...], "dir"} with the output's descriptor attached;
# it is answered {"ready": true} once, then {"id", "pid"} (or
# {"id", "error"}) per request and {"id", "status"} (the raw wait status)
# when that child exits. When nubo closes its end, the server exits, and
# its children die with it (PR_SET_PDEATHSIG).
import sys

import nubo_lambda_runtime

# The modules bootstrap.py has when main() starts; the server's own
# imports below add others, which a child forgets when the function has
# modules of the same names (its own random.py, say).
_CLIENT_MODULES = frozenset(sys.modules)

import array  # noqa: E402 (after _CLIENT_MODULES on purpose)
import atexit  # noqa: E402
import ctypes  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

_SERVER_MODULES = frozenset(sys.modules) - _CLIENT_MODULES

_PR_SET_PDEATHSIG = 1
_MAX_REQUEST = 1 << 20
_SPARES = 2  # forked ahead, so that cold starts in quick succession find one ready
# New spares are forked once no child has been handed out for this long
# (seconds): forking and rehearsing compete for the CPU with the
# environment that was just handed out, while it starts.
_QUIET = 0.05
_STARTED_WITH = dict(os.environ)  # the server's variables, as Python left them at start


def _rehearse():
    """Runs what every child runs first: setting variables, importing a
    handler module, and an invocation against a local stand-in for the
    Runtime API. Python rewrites code as it warms up; run in the server,
    this leaves warm code to share, and run in a spare, it makes the spare
    pay for its page copies before it is needed."""
    _set_environ(dict(os.environ))
    time.tzset()
    os.chdir(os.getcwd())
    task = tempfile.mkdtemp(prefix="nubo-forkserver-")
    try:
        with open(os.path.join(task, "nubo_rehearsal.py"), "w") as f:
            f.write("def handler(event, context):\n    return event\n")
        _forget_shadowed([task])
        sys.path.insert(0, task)
        handler = nubo_lambda_runtime._get_handler("nubo_rehearsal.handler")
        with socket.create_server(("127.0.0.1", 0)) as listener:
            api = nubo_lambda_runtime.RuntimeAPI("127.0.0.1:%d" % listener.getsockname()[1])
            api._connect()
            peer, _ = listener.accept()
            with peer:
                event, accepted = b'{"rehearsal":true}', b'{"status":"OK"}'
                peer.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Lambda-Runtime-Aws-Request-Id: rehearsal\r\nLambda-Runtime-Deadline-Ms: 0\r\n"
                    b"Content-Length: %d\r\n\r\n%s"
                    b"HTTP/1.1 202 Accepted\r\nContent-Length: %d\r\n\r\n%s" % (len(event), event, len(accepted), accepted)
                )
                headers, body = api.next()
                nubo_lambda_runtime._handle(api, handler, headers, body)
                api._close()
    finally:
        sys.path.remove(task)
        sys.modules.pop("nubo_rehearsal", None)
        shutil.rmtree(task, ignore_errors=True)


class _Server:
    def __init__(self):
        self.pid = os.getpid()
        self.prctl = ctypes.CDLL(None, use_errno=True).prctl
        self.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # nubo does too; this resolves it for the children
        self.sock = socket.socket(fileno=3)
        self.wake_r, self.wake_w = os.pipe()
        self.taken_r, self.taken_w = os.pipe()  # spares write {"pid", "id"} lines when taken
        for fd in (self.wake_r, self.wake_w, self.taken_r):
            os.set_blocking(fd, False)
        self.taken = b""
        self.children = {}  # pid -> request id
        self.spares = set()  # pids of the spare children
        self.ready_spares = set()  # of those, the ones reading requests
        self.idle_spares = _can_idle()

    def serve(self):
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        poll = select.poll()
        poll.register(self.wake_r, select.POLLIN)
        poll.register(self.taken_r, select.POLLIN)
        try:
            self.sock.send(b'{"ready": true}')
        except OSError:
            os._exit(0)  # nubo stopped it while it started
        last_handout = 0.0
        while True:
            timeout = None  # milliseconds until spares are due
            if len(self.spares) < _SPARES:
                quiet = time.monotonic() - last_handout
                if quiet >= _QUIET:
                    while len(self.spares) < _SPARES and self._fork_spare():
                        pass
                else:
                    timeout = (_QUIET - quiet) * 1000
            # Requests are for a ready spare to read; with none ready, the
            # server takes them itself rather than keep nubo waiting.
            poll.register(self.sock, select.POLLRDHUP | (0 if self.ready_spares else select.POLLIN))
            for fd, events in poll.poll(timeout):
                if fd == self.sock.fileno():
                    if events & (select.POLLRDHUP | select.POLLHUP):
                        os._exit(0)  # nubo closed its end
                    if self._fork_now():
                        last_handout = time.monotonic()
                if fd == self.wake_r:
                    _drain(self.wake_r)
            if self._read_taken():
                last_handout = time.monotonic()
            self._reap()

    def _fork_spare(self):
        try:
            pid = os.fork()
        except OSError:
            traceback.print_exc()
            time.sleep(1)
            return False
        if pid != 0:
            self.spares.add(pid)
            return True
        try:
            self._leave_server()
            if self.idle_spares:
                # Rehearse only on CPU nobody else wants: the environment
                # just handed out is starting.
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            _rehearse()
            if self.idle_spares:
                os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
            os.write(self.taken_w, json.dumps({"ready": os.getpid()}).encode() + b"\n")
            request, out = self._wait_for_request()
            self.sock.send(json.dumps({"id": request["id"], "pid": os.getpid()}).encode())
            os.write(self.taken_w, json.dumps({"pid": os.getpid(), "id": request["id"]}).encode() + b"\n")
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        self._become(request, out)

    def _fork_now(self):
        """Takes a request (unless a spare was quicker) and forks a child
        for it directly; says whether it did."""
        try:
            request, out = self._receive(socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        if request is None:
            return False
        try:
            pid = os.fork()
        except OSError as e:
            os.close(out)
            self.sock.send(json.dumps({"id": request["id"], "error": "fork: %s" % e}).encode())
            return False
        if pid != 0:
            os.close(out)
            self.children[pid] = request["id"]
            self.sock.send(json.dumps({"id": request["id"], "pid": pid}).encode())
            return True
        try:
            self._leave_server()
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        self._become(request, out)

    def _become(self, request, out):
        """Turns a child into the environment's runtime; never returns."""
        try:
            self.sock.close()
            os.close(self.taken_w)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.close(null)
            os.close(out)
            os.chdir(request["dir"])
            env = dict(kv.partition("=")[::2] for kv in request["env"])
            for k, v in _STARTED_WITH.items():
                # The start-up variables are the same as the server's, by
                # nubo's choice of server; this adds what Python set as it
                # started (LC_CTYPE, when it coerced the C locale).
                env.setdefault(k, v)
            _set_environ(env)
            time.tzset()
            # What the interpreter would have made of PYTHONPATH at start: its
            # entries right after the script's directory.
            sys.path[1:1] = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.py")]
            _forget_shadowed([os.environ.get("LAMBDA_TASK_ROOT") or request["dir"]] + sys.path[1:])
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        code = 0
        try:
            nubo_lambda_runtime.main()
        except SystemExit as e:
            code = _exit_code(e)
        except BaseException:
            traceback.print_exc()
            code = 1
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)

    def _leave_server(self):
        """In a new child: drops what is the server's and ties the child's
        life to it."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (self.wake_r, self.wake_w, self.taken_r):
            os.close(fd)
        self.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != self.pid:
            os._exit(1)
        os.setsid()

    def _receive(self, flags=0):
        """Reads one request: (request, output descriptor), or (None, None)
        for a malformed one, which is answered with an error."""
        # socket.recv_fds would drop flags (CPython 3.11 does).
        fds = array.array("i")
        data, ancillary, _, _ = self.sock.recvmsg(_MAX_REQUEST, socket.CMSG_LEN(fds.itemsize), flags)
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if not data:
            os._exit(0)  # nubo closed its end
        request = json.loads(data)
        if len(fds) == 1:
            return request, fds[0]
        for fd in fds:
            os.close(fd)
        self.sock.send(json.dumps({"id": request["id"], "error": "no output descriptor"}).encode())
        return None, None

    def _wait_for_request(self):
        """In the spare: the next well-formed request from nubo."""
        while True:
            request, out = self._receive()
            if request is not None:
                return request, out

    def _read_taken(self):
        """Reads the spares' news; says whether one was handed out."""
        try:
            while True:
                chunk = os.read(self.taken_r, 4096)
                if not chunk:
                    break
                self.taken += chunk
        except BlockingIOError:
            pass
        *lines, self.taken = self.taken.split(b"\n")
        took = False
        for line in lines:
            record = json.loads(line)
            if "ready" in record:
                if record["ready"] in self.spares:
                    self.ready_spares.add(record["ready"])
                continue
            self.children[record["pid"]] = record["id"]
            self.spares.discard(record["pid"])
            self.ready_spares.discard(record["pid"])
            took = True
        return took

    def _reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._read_taken()  # a child's record is written before it can exit
            self.spares.discard(pid)
            self.ready_spares.discard(pid)
            request_id = self.children.pop(pid, None)
            if request_id is not None:
                self.sock.send(json.dumps({"id": request_id, "status": status}).encode())


def _forget_shadowed(paths):
    """Forgets the server's own modules whose names a directory of paths
    (the task root, layers) provides: the function imports its own, as it
    would if started on its own."""
    names = set()
    for d in paths:
        if d.startswith(sys.prefix) or d.startswith(sys.base_prefix):
            break  # the standard library and what follows it
        try:
            names.update(entry.partition(".")[0] for entry in os.listdir(d))
        except OSError:
            pass
    for name in _SERVER_MODULES:
        if name.partition(".")[0] in names:
            del sys.modules[name]


def _set_environ(env):
    """Replaces the process's variables with env."""
    os.environ.clear()
    for k, v in env.items():
        os.environ[k] = v


def _can_idle():
    """Whether a process may leave SCHED_IDLE again (root may; others only
    with a raised RLIMIT_NICE), tried in a child of its own."""
    pid = os.fork()
    if pid == 0:
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        except OSError:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status == 0


def _exit_code(e):
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


def _drain(fd):
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def main():
    server = _Server()
    _rehearse()
    gc.collect()
    gc.freeze()  # collections in the children leave the shared objects alone
    server.serve()


if __name__ == "__main__":
    main()
