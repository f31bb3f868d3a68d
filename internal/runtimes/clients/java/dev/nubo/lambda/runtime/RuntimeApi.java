package dev.nubo.lambda.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client for the Runtime API: one connection, kept alive
 * and reused, with no read timeout (GET /next blocks until an invocation).
 * java.net.HttpURLConnection would add tens of milliseconds of class loading
 * to every cold start.
 */
final class RuntimeApi {
    private static final String PREFIX = "/2018-06-01/runtime";
    private static final String USER_AGENT = "nubo-java/" + System.getProperty("java.version");

    private final String host;
    private final int port;
    private final String address;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RuntimeApi(String address) {
        int i = address.lastIndexOf(':');
        String h = address.substring(0, i);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        this.host = h.isEmpty() ? "127.0.0.1" : h;
        this.port = Integer.parseInt(address.substring(i + 1));
        this.address = address;
    }

    /** One invocation, as GET /next delivers it. */
    static final class Invocation {
        String id;
        long deadlineMs;
        String invokedFunctionArn;
        String traceId;
        String clientContext;
        String cognitoIdentity;
        String tenantId;
        String contentType;
        byte[] body;
    }

    private static final class Response {
        int status;
        Map<String, String> headers = new HashMap<>();
        byte[] body;
    }

    Invocation next() throws IOException {
        Response r = request("GET", PREFIX + "/invocation/next", null, new LinkedHashMap<>());
        if (r.status != 200) {
            throw new IOException("GET /runtime/invocation/next: status " + r.status);
        }
        Invocation inv = new Invocation();
        inv.id = r.headers.get("lambda-runtime-aws-request-id");
        String deadline = r.headers.get("lambda-runtime-deadline-ms");
        inv.deadlineMs = deadline == null ? 0 : Long.parseLong(deadline.trim());
        inv.invokedFunctionArn = r.headers.get("lambda-runtime-invoked-function-arn");
        inv.traceId = r.headers.get("lambda-runtime-trace-id");
        inv.clientContext = r.headers.get("lambda-runtime-client-context");
        inv.cognitoIdentity = r.headers.get("lambda-runtime-cognito-identity");
        inv.tenantId = r.headers.get("lambda-runtime-aws-tenant-id");
        inv.contentType = r.headers.get("content-type");
        inv.body = r.body;
        return inv;
    }

    void postResponse(String id, byte[] body, String contentType) throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", contentType);
        post(PREFIX + "/invocation/" + id + "/response", body, h);
    }

    void postError(String id, String errorJson, String errorType, String xrayCause) throws IOException {
        Map<String, String> h = errorHeaders(errorType);
        if (xrayCause != null && xrayCause.length() < 1024 * 1024) {
            h.put("Lambda-Runtime-Function-XRay-Error-Cause", xrayCause);
        }
        post(PREFIX + "/invocation/" + id + "/error", errorJson.getBytes(StandardCharsets.UTF_8), h);
    }

    void postInitError(String errorJson, String errorType) throws IOException {
        post(PREFIX + "/init/error", errorJson.getBytes(StandardCharsets.UTF_8), errorHeaders(errorType));
    }

    private static Map<String, String> errorHeaders(String errorType) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        if (errorType != null && !errorType.isEmpty()) {
            h.put("Lambda-Runtime-Function-Error-Type", errorType);
        }
        return h;
    }

    private void post(String path, byte[] body, Map<String, String> headers) throws IOException {
        Response r = request("POST", path, body, headers);
        if (r.status != 202) {
            System.err.println("nubo runtime: POST " + path + ": status " + r.status);
        }
    }

    private Response request(String method, String path, byte[] body, Map<String, String> headers)
            throws IOException {
        StringBuilder head = new StringBuilder(256);
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(address)
                .append("\r\nUser-Agent: ").append(USER_AGENT).append("\r\n");
        for (Map.Entry<String, String> e : headers.entrySet()) {
            head.append(e.getKey()).append(": ").append(headerValue(e.getValue())).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        for (int attempt = 0; ; attempt++) {
            boolean fresh = socket == null;
            if (fresh) {
                connect();
            }
            try {
                out.write(headBytes);
                if (body != null) {
                    out.write(body);
                }
                out.flush();
                return readResponse();
            } catch (EOFException | SocketException e) {
                // A kept-alive connection the server closed while idle fails
                // before any response; one retry on a fresh connection is safe.
                close();
                if (fresh || attempt > 0) {
                    throw e;
                }
            }
        }
    }

    private static String headerValue(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private void connect() throws IOException {
        socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 65536);
        out = new BufferedOutputStream(socket.getOutputStream(), 65536);
    }

    private void close() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException e) {
            // already broken
        }
        socket = null;
    }

    private Response readResponse() throws IOException {
        String status = readLine();
        if (status == null) {
            throw new EOFException("connection closed");
        }
        String[] parts = status.split(" ", 3);
        Response r = new Response();
        r.status = Integer.parseInt(parts[1]);
        for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
            int i = line.indexOf(':');
            if (i > 0) {
                r.headers.put(line.substring(0, i).trim().toLowerCase(), line.substring(i + 1).trim());
            }
        }
        String te = r.headers.getOrDefault("transfer-encoding", "");
        String cl = r.headers.get("content-length");
        if (te.toLowerCase().contains("chunked")) {
            r.body = readChunked();
        } else if (cl != null) {
            r.body = readExactly(Integer.parseInt(cl.trim()));
        } else {
            r.body = in.readAllBytes();
            close();
            return r;
        }
        if ("close".equalsIgnoreCase(r.headers.get("connection"))) {
            close();
        }
        return r;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length;
                if (n > 0 && bytes[n - 1] == '\r') {
                    n--;
                }
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] buf = in.readNBytes(n);
        if (buf.length != n) {
            throw new EOFException("connection closed after " + buf.length + " of " + n + " body bytes");
        }
        return buf;
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            if (sizeLine == null) {
                throw new EOFException("connection closed inside a chunked body");
            }
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
            if (size == 0) {
                for (String t = readLine(); t != null && !t.isEmpty(); t = readLine()) {
                    // trailers are not used
                }
                return body.toByteArray();
            }
            body.write(readExactly(size));
            readLine();
        }
    }
}
