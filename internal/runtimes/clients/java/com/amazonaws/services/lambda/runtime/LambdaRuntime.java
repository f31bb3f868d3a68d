// nubo's copy of aws-lambda-java-core's LambdaRuntime.
package com.amazonaws.services.lambda.runtime;

import java.io.IOException;

/** Gives code without a Context the function's logger. */
public final class LambdaRuntime {
    private LambdaRuntime() {}

    // Replaced by the runtime at start, as AWS's runtime does.
    private static volatile LambdaLogger logger = new LambdaLogger() {
        public void log(String message) {
            System.out.print(message);
        }

        public void log(byte[] message) {
            try {
                System.out.write(message);
            } catch (IOException e) {
                e.printStackTrace();
            }
        }
    };

    /** The function's logger. */
    public static LambdaLogger getLogger() {
        return logger;
    }
}
