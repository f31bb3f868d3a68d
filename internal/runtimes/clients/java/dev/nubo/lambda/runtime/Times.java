package dev.nubo.lambda.runtime;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Date;

/** java.time and java.util.Date values, read from ISO strings or epoch numbers. */
final class Times {
    private Times() {}

    static boolean isTime(Object v) {
        return v instanceof Instant || v instanceof LocalDate || v instanceof LocalDateTime
                || v instanceof LocalTime || v instanceof OffsetDateTime || v instanceof ZonedDateTime
                || v instanceof Duration;
    }

    /** The value of c read from node, or null when c is not a time type. */
    static Object read(Object node, Class<?> c) {
        if (c == Date.class) {
            if (node instanceof Json.Num) {
                return new Date(((Json.Num) node).longValue());
            }
            return Date.from(Instant.parse(node.toString()));
        }
        if (c == Instant.class) {
            if (node instanceof Json.Num) {
                Json.Num n = (Json.Num) node;
                if (n.isIntegral()) {
                    return Instant.ofEpochMilli(n.longValue());
                }
                double seconds = n.doubleValue();
                long whole = (long) Math.floor(seconds);
                return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1e9));
            }
            return Instant.parse(node.toString());
        }
        if (c == LocalDate.class) {
            return LocalDate.parse(node.toString());
        }
        if (c == LocalDateTime.class) {
            return LocalDateTime.parse(node.toString());
        }
        if (c == LocalTime.class) {
            return LocalTime.parse(node.toString());
        }
        if (c == OffsetDateTime.class) {
            return OffsetDateTime.parse(node.toString());
        }
        if (c == ZonedDateTime.class) {
            return ZonedDateTime.parse(node.toString());
        }
        if (c == Duration.class) {
            return Duration.parse(node.toString());
        }
        return null;
    }
}
