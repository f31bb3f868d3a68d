package dev.nubo.lambda.runtime;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The LambdaLogger behind Context.getLogger() and LambdaRuntime.getLogger().
 * Each call is one log event, as on AWS: nubo's log is line based, so a
 * message gets a trailing newline and its inner newlines become carriage
 * returns.
 */
final class ContextLogger implements LambdaLogger {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final PrintStream out;
    private final LogLevel minimum;
    private final boolean json;
    private volatile String requestId;
    private volatile String tenantId;

    ContextLogger(PrintStream out, String level, String format) {
        this.out = out;
        LogLevel min = LogLevel.UNDEFINED;
        if (level != null && !level.isEmpty()) {
            try {
                min = LogLevel.fromString(level);
            } catch (IllegalArgumentException e) {
                min = LogLevel.UNDEFINED;
            }
        }
        this.minimum = min;
        this.json = "JSON".equalsIgnoreCase(format);
    }

    void setInvocation(String requestId, String tenantId) {
        this.requestId = requestId;
        this.tenantId = tenantId;
    }

    boolean isJson() {
        return json;
    }

    private boolean enabled(LogLevel level) {
        return level == LogLevel.UNDEFINED || minimum == LogLevel.UNDEFINED || level.ordinal() >= minimum.ordinal();
    }

    @Override
    public void log(String message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(byte[] message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(String message, LogLevel level) {
        if (!enabled(level)) {
            return;
        }
        if (json) {
            StringBuilder b = new StringBuilder("{\"timestamp\":");
            Json.quote(b, TIME.format(Instant.now()));
            b.append(",\"level\":");
            Json.quote(b, level.name());
            b.append(",\"message\":");
            Json.quote(b, String.valueOf(message));
            if (requestId != null) {
                b.append(",\"AWSRequestId\":");
                Json.quote(b, requestId);
            }
            if (tenantId != null) {
                b.append(",\"tenantId\":");
                Json.quote(b, tenantId);
            }
            write(b.append('}').toString());
            return;
        }
        write(level == LogLevel.UNDEFINED ? String.valueOf(message) : "[" + level + "] " + message);
    }

    @Override
    public void log(byte[] message, LogLevel level) {
        if (enabled(level)) {
            write(new String(message, StandardCharsets.UTF_8));
        }
    }

    /** Writes text as one log event. */
    void write(String text) {
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        String line = text.replace("\r\n", "\r").replace('\n', '\r') + "\n";
        synchronized (out) {
            out.print(line);
            out.flush();
        }
    }
}
