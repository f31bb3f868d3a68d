// nubo's copy of aws-lambda-java-core's RequestHandler.
package com.amazonaws.services.lambda.runtime;

/** A handler whose input and output are mapped from and to JSON. */
public interface RequestHandler<I, O> {
    /** Handles one invocation. */
    O handleRequest(I input, Context context);
}
