// nubo's copy of aws-lambda-java-core's LogFormat.
package com.amazonaws.services.lambda.runtime.logging;

/** Log formats for LambdaLogger. */
public enum LogFormat {
    JSON,
    TEXT;

    /** Parses a format name case-insensitively. */
    public static LogFormat fromString(String logFormat) {
        try {
            return LogFormat.valueOf(logFormat.toUpperCase());
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "Invalid log format: '" + logFormat + "' expected one of [JSON, TEXT]");
        }
    }
}
