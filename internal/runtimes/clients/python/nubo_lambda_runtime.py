"""nubo's Python runtime client.

It speaks the Lambda Runtime API 2018-06-01 over one keep-alive HTTP/1.1
connection and behaves as AWS's managed Python runtimes do: the same handler
strings, context object, logging set-up, error payloads and error types.
Only the standard library is used, and only modules that start fast.
"""

import _socket
import io
import json
import os
import sys
import time

_API_PREFIX = "/2018-06-01/runtime"
_USER_AGENT = "nubo-python/%d.%d.%d" % sys.version_info[:3]

_ERROR_LINE_TERMINATOR = "\r"
_ERROR_INDENT = "\u00a0"  # AWS swaps leading spaces of traceback lines for NO-BREAK SPACE

_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

_request_id = None
_tenant_id = None


class FaultException(Exception):
    """An error the runtime itself classifies, with AWS's Runtime.* type."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


# ---------------------------------------------------------------- Runtime API


class RuntimeAPIError(Exception):
    pass


class RuntimeAPI:
    """A minimal HTTP/1.1 client for the Runtime API.

    http.client would cost several milliseconds of imports at every cold
    start; this keeps one connection open and reuses it for every call, with
    no timeout, as the Runtime API requires for the long-polling /next.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        self._addr = (host or "127.0.0.1", int(port))
        self._host = address
        self._sock = None
        self._rfile = None

    def _connect(self):
        # _socket, not socket: the socket module would import selectors and
        # enum, a tenth of the client's start-up.
        err = None
        for family, kind, proto, _, addr in _socket.getaddrinfo(*self._addr, 0, _socket.SOCK_STREAM):
            sock = _socket.socket(family, kind, proto)
            try:
                sock.connect(addr)
                break
            except OSError as e:
                sock.close()
                err = e
        else:
            raise err or OSError("getaddrinfo returned no address for %s:%d" % self._addr)
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self._sock = sock
        self._rfile = io.BufferedReader(_SocketReader(sock))

    def _close(self):
        if self._sock is not None:
            try:
                self._rfile.close()
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._rfile = None

    def request(self, method, path, body=None, headers=None):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: " + self._host, "User-Agent: " + _USER_AGENT]
        if headers:
            for key, value in headers.items():
                lines.append("%s: %s" % (key, _header_value(value)))
        if body is not None:
            lines.append("Content-Length: %d" % len(body))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # A kept-alive connection may have been closed by the server while
        # idle; that shows up before any response byte, so one retry on a
        # fresh connection is safe.
        for attempt in (0, 1):
            fresh = self._sock is None
            if fresh:
                self._connect()
            try:
                if body:
                    self._sock.sendall(head)
                    self._sock.sendall(body)
                else:
                    self._sock.sendall(head)
                return self._read_response()
            except (ConnectionError, _EmptyResponse, BrokenPipeError):
                self._close()
                if fresh or attempt == 1:
                    raise

    def _read_response(self):
        rfile = self._rfile
        line = rfile.readline(65537)
        if not line:
            raise _EmptyResponse()
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise RuntimeAPIError("malformed status line %r" % line)
        status = int(parts[1])
        headers = {}
        while True:
            line = rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.decode("utf-8", "replace").partition(":")
            headers[key.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        elif "content-length" in headers:
            body = _read_exactly(rfile, int(headers["content-length"]))
        else:
            body = rfile.read()
            self._close()
            return status, headers, body
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, body

    def _read_chunked(self):
        rfile = self._rfile
        chunks = []
        while True:
            size_line = rfile.readline(65537)
            if not size_line:
                raise ConnectionError("connection closed inside a chunked body")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(_read_exactly(rfile, size))
            rfile.readline(65537)

    def next(self):
        status, headers, body = self.request("GET", _API_PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeAPIError("GET /runtime/invocation/next: status %d: %r" % (status, body[:512]))
        return headers, body

    def post_response(self, request_id, body, content_type):
        self._post(_API_PREFIX + "/invocation/%s/response" % request_id, body, {"Content-Type": content_type})

    def post_error(self, request_id, error_result, xray_cause):
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": error_result.get("errorType") or "Unhandled",
        }
        if xray_cause is not None and len(xray_cause) < 1024 * 1024:
            headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray_cause
        self._post(_API_PREFIX + "/invocation/%s/error" % request_id, _to_json(error_result).encode("utf-8"), headers)

    def post_init_error(self, error_result):
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": error_result.get("errorType") or "Unhandled",
        }
        self._post(_API_PREFIX + "/init/error", _to_json(error_result).encode("utf-8"), headers)

    def _post(self, path, body, headers):
        status, _, resp = self.request("POST", path, body, headers)
        if status != 202:
            raise RuntimeAPIError("POST %s: status %d: %r" % (path, status, resp[:512]))


class _EmptyResponse(Exception):
    pass


class _SocketReader(io.RawIOBase):
    """The raw stream under socket.makefile("rb"), for a blocking socket."""

    def __init__(self, sock):
        self._sock = sock

    def readable(self):
        return True

    def readinto(self, b):
        return self._sock.recv_into(b)


def _read_exactly(rfile, n):
    data = rfile.read(n)
    if len(data) != n:
        raise ConnectionError("connection closed after %d of %d body bytes" % (len(data), n))
    return data


def _header_value(value):
    value = str(value).replace("\r", " ").replace("\n", " ")
    return value.encode("ascii", "backslashreplace").decode("ascii")


# ------------------------------------------------------------------- context


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "Client([%s])" % ",".join("%s=%s" % (f, getattr(self, f)) for f in self.__slots__)


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


def _obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field) if isinstance(values, dict) else None)
    return obj


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id):
        env = os.environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if isinstance(cognito_identity, dict):
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
            "identity=%s,tenant_id=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (name, e)
        )


# ------------------------------------------------------------------- logging


class _Unbuffered(object):
    """Flushes every write, as AWS does, so lines reach the log at once."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def _one_event(text):
    # nubo turns each stdout line into one log event. AWS keeps a logging
    # record (and an error with its traceback) as one event, so inner line
    # breaks become carriage returns, as AWS's own clients do on stdout.
    if text.endswith("\n"):
        text = text[:-1]
    return text.replace("\r\n", "\r").replace("\n", "\r") + "\n"


def _log_format():
    return "JSON" if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON" else "TEXT"


def _log_level():
    value = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    return {None: "", "TRACE": "DEBUG"}.get(value, value or "").upper()


class _LoggingSetup:
    """Sets up the logging module as AWS's runtime does at start-up, but when
    the function (or a library) first imports it: a meta path finder that
    hands the import on to the other finders and sets the module up right
    after it ran. Functions that never log through logging then start
    without its imports, the largest part of the client's start-up."""

    @classmethod
    def install(cls):
        if "logging" in sys.modules:
            _setup_logging(sys.modules["logging"])
        else:
            sys.meta_path.insert(0, cls())

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec else None
            if spec is not None:
                spec.loader = _LoggingLoader(spec.loader)
                return spec
        return None


class _LoggingLoader:
    """Runs the logging module with its own loader, then sets it up."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self._loader
        self._loader.exec_module(module)
        _setup_logging(module)


_JSON_RESERVED = frozenset(
    (
        "name msg args levelname levelno pathname filename module exc_info exc_text stack_info lineno "
        "funcName created msecs relativeCreated thread threadName processName process taskName "
        "aws_request_id tenant_id _frame_type"
    ).split()
)


def _setup_logging(logging):
    """Gives the root logger AWS's handler, format and level; the classes
    are defined here because they extend the logging module's."""

    class _LambdaLoggerHandler(logging.Handler):
        def emit(self, record):
            try:
                sys.stdout.write(_one_event(self.format(record)))
            except Exception:
                self.handleError(record)

    class _LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _request_id or ""
            record.tenant_id = _tenant_id
            return True

    class _JsonFormatter(logging.Formatter):
        def formatTime(self, record, datefmt=None):
            t = time.gmtime(record.created)
            return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03dZ" % int(record.msecs)

        def format(self, record):
            level = min(50, max(0, record.levelno)) // 10 * 10
            record.levelno = level
            record.levelname = logging.getLevelName(level)
            result = {
                "timestamp": self.formatTime(record),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": getattr(record, "aws_request_id", None),
            }
            if record.exc_info:
                import traceback

                result["stackTrace"] = traceback.format_tb(record.exc_info[2])
                result["errorType"] = record.exc_info[0].__name__
                result["errorMessage"] = str(record.exc_info[1])
                result["location"] = "%s:%s:%s" % (record.pathname, record.funcName, record.lineno)
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            for key, value in record.__dict__.items():
                if key not in _JSON_RESERVED and key not in result:
                    result[key] = value
            result = {k: v for k, v in result.items() if v is not None}
            return json.dumps(result, ensure_ascii=False, default=str) + "\n"

    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    handler = _LambdaLoggerHandler()
    if _log_format() == "JSON":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    level = _log_level()
    if level in logging._nameToLevel:
        logger.setLevel(level)
    handler.addFilter(_LambdaLoggerFilter())
    logger.addHandler(handler)


def _replace_indentation(line):
    count = len(line) - len(line.lstrip(" "))
    return _ERROR_INDENT * count + line[count:]


def _log_error(error_result):
    if _log_format() == "JSON":
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        sys.stdout.write(_to_json(dict({"timestamp": stamp, "level": "ERROR"}, **error_result)) + "\n")
        return
    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    message = error_result.get("errorMessage")
    if message:
        if error_type:
            description += ":"
        description += " " + message
    lines = [description]
    stack = error_result.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                lines.append(_replace_indentation(line))
    sys.stdout.write(_one_event(_ERROR_LINE_TERMINATOR.join(lines)))


# ----------------------------------------------------------------- marshalling


def _ensure_ascii():
    # AWS's client writes non-ASCII characters as such only from python3.12 on.
    env = os.environ.get("AWS_EXECUTION_ENV", "")
    prefix = "AWS_Lambda_python3."
    if env.startswith(prefix):
        try:
            return int(env[len(prefix) :]) < 12
        except ValueError:
            return False
    return False


class _Encoder(json.JSONEncoder):
    def default(self, o):
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            if o == o.to_integral_value():
                return int(o)
            return float(o)
        return super().default(o)


_encoder = None


def _to_json(obj):
    global _encoder
    if _encoder is None:
        _encoder = _Encoder(ensure_ascii=_ensure_ascii())
    return _encoder.encode(obj)


def _unmarshal(body, content_type):
    if content_type and content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % e)


def _marshal(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return _to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: %s" % e)


# ------------------------------------------------------------------ handlers


def _get_handler(handler):
    import importlib

    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler, e))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module %s as a handler module" % modname,
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (modname, e)
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (modname, e), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (fname, modname)
        )


def _make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """The traceback without the runtime's own leading frames."""
    import traceback

    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if frame.filename != __file__:
            return frames[i:]
    return frames


def _fault_result(exc_info, request_id=None):
    import traceback

    etype, value, tb = exc_info
    frames = _user_frames(tb)
    error = _make_error(str(value), etype.__name__, traceback.format_list(frames), request_id)
    return error, frames


def _xray_cause(error_type, message, frames):
    stack = [{"label": f.name, "path": f.filename, "line": f.lineno} for f in frames]
    cause = {
        "working_directory": os.getcwd(),
        "exceptions": [{"message": message, "type": error_type, "stack": stack}],
        "paths": sorted({f.filename for f in frames}),
    }
    return json.dumps(cause)


def _handle(api, handler, headers, body):
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    error = None
    xray = None
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            request_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito, "Cognito Identity") if cognito else None,
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = _unmarshal(body, headers.get("content-type"))
        response = handler(event, context)
        result, content_type = _marshal(response)
    except FaultException as e:
        error = _make_error(e.msg, e.exception_type, e.trace, request_id)
        xray = _xray_cause("LambdaValidationError", e.msg, [])
    except Exception:
        error, frames = _fault_result(sys.exc_info(), request_id)
        xray = _xray_cause(error["errorType"], error["errorMessage"], frames)
    if error is not None:
        _log_error(error)
        api.post_error(request_id, error, xray)
    else:
        api.post_response(request_id, result, content_type)


def _set_trace_id(trace_id):
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def main():
    global _request_id, _tenant_id
    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)
    # The script's own directory leads sys.path; the task root takes its
    # place, ahead of the layer directories that PYTHONPATH lists.
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if sys.path and os.path.dirname(os.path.abspath(__file__)) == os.path.abspath(sys.path[0] or "."):
        sys.path[0] = task_root
    else:
        sys.path.insert(0, task_root)

    api = RuntimeAPI(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        _LoggingSetup.install()
        handler = _get_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        if isinstance(e, FaultException):
            error = _make_error(e.msg, e.exception_type, e.trace)
        else:
            error, _ = _fault_result(sys.exc_info())
        import logging

        logging.warning(_UNHANDLED_WARNING)
        _log_error(error)
        api.post_init_error(error)
        sys.exit(1)

    while True:
        headers, body = api.next()
        _request_id = headers.get("lambda-runtime-aws-request-id")
        _tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        _set_trace_id(headers.get("lambda-runtime-trace-id"))
        _handle(api, handler, headers, body)
