package dev.nubo.lambda.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A failure to find or start the user's handler, reported the way AWS's Java
 * runtime reports it: a message, usually an exception class name, no stack
 * trace in the response. A fatal fault ends the environment.
 */
final class UserFault extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final String RUNTIME_PACKAGE = "dev.nubo.lambda.runtime.";

    final String msg;
    final String exception;
    final String trace;
    final boolean fatal;

    UserFault(String msg, String exception, String trace, boolean fatal) {
        super(msg, null, false, false);
        this.msg = msg;
        this.exception = exception;
        this.trace = trace;
        this.fatal = fatal;
    }

    static UserFault of(String msg) {
        return new UserFault(msg, null, null, false);
    }

    static UserFault of(Throwable t, boolean fatal) {
        return new UserFault(message(t), t.getClass().getName(), trace(t), fatal);
    }

    static String message(Throwable t) {
        return t.getLocalizedMessage() == null ? t.getClass().getName() : t.getLocalizedMessage();
    }

    static String trace(Throwable t) {
        filter(t);
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    /** Cuts the runtime's own frames (and everything below them) from t and its causes. */
    static <T extends Throwable> T filter(T t) {
        filter(t, Collections.newSetFromMap(new IdentityHashMap<>()));
        return t;
    }

    private static void filter(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        StackTraceElement[] trace = t.getStackTrace();
        for (int i = 0; i < trace.length; i++) {
            if (trace[i].getClassName().startsWith(RUNTIME_PACKAGE)) {
                StackTraceElement[] cut = new StackTraceElement[i];
                System.arraycopy(trace, 0, cut, 0, i);
                t.setStackTrace(cut);
                break;
            }
        }
        filter(t.getCause(), seen);
        for (Throwable s : t.getSuppressed()) {
            filter(s, seen);
        }
    }

    /** The body posted to /error or /init/error. */
    String toJson() {
        StringBuilder b = new StringBuilder("{\"errorMessage\":");
        Json.quote(b, msg == null ? "" : msg);
        if (exception != null) {
            b.append(",\"errorType\":");
            Json.quote(b, exception);
        }
        return b.append('}').toString();
    }

    /** What AWS's runtime logs for the fault. */
    String reportable() {
        if (exception != null || trace != null) {
            return String.format("%s: %s%n%s%n", msg, exception == null ? "" : exception, trace == null ? "" : trace);
        }
        return msg + "\n";
    }

    /** The /error body for an exception thrown by the handler. */
    static String errorJson(Throwable t) {
        StringBuilder b = new StringBuilder("{\"errorMessage\":");
        Json.quote(b, message(t));
        b.append(",\"errorType\":");
        Json.quote(b, t.getClass().getName());
        b.append(",\"stackTrace\":[");
        StackTraceElement[] trace = t.getStackTrace();
        for (int i = 0; i < trace.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            Json.quote(b, trace[i].toString());
        }
        return b.append("]}").toString();
    }

    /** The X-Ray error cause for an exception thrown by the handler. */
    static String xrayCause(Throwable t) {
        StringBuilder b = new StringBuilder("{\"working_directory\":");
        Json.quote(b, System.getProperty("user.dir"));
        b.append(",\"exceptions\":[{\"type\":");
        Json.quote(b, t.getClass().getName());
        b.append(",\"message\":");
        Json.quote(b, message(t));
        b.append(",\"stack\":[");
        StackTraceElement[] trace = t.getStackTrace();
        StringBuilder paths = new StringBuilder();
        for (int i = 0; i < trace.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            String file = trace[i].getFileName() == null ? "" : trace[i].getFileName();
            b.append("{\"label\":");
            Json.quote(b, trace[i].getMethodName());
            b.append(",\"path\":");
            Json.quote(b, file);
            b.append(",\"line\":").append(trace[i].getLineNumber()).append('}');
            if (paths.indexOf(Json.quote(file)) < 0) {
                if (paths.length() > 0) {
                    paths.append(',');
                }
                paths.append(Json.quote(file));
            }
        }
        b.append("]}],\"paths\":[").append(paths).append("]}");
        StringBuilder ascii = new StringBuilder(b.length());
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            ascii.append(c < 0x7f ? c : '?');
        }
        return ascii.toString();
    }
}
