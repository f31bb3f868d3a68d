// nubo's source- and binary-compatible copy of aws-lambda-java-core's Context,
// so handlers compiled against AWS's jar run on nubo without it.
package com.amazonaws.services.lambda.runtime;

/** What a Lambda handler can learn about its invocation and environment. */
public interface Context {
    /** The request id of this invocation. */
    String getAwsRequestId();

    /** The log group the function logs to. */
    String getLogGroupName();

    /** The log stream of this execution environment. */
    String getLogStreamName();

    /** The function's name. */
    String getFunctionName();

    /** The executed version ($LATEST or a number). */
    String getFunctionVersion();

    /** The ARN the caller used, qualified or not. */
    String getInvokedFunctionArn();

    /** The Amazon Cognito identity of the caller, or null. */
    CognitoIdentity getIdentity();

    /** The mobile client context, or null. */
    ClientContext getClientContext();

    /** Milliseconds left before the invocation times out. */
    int getRemainingTimeInMillis();

    /** The configured memory in MB. */
    int getMemoryLimitInMB();

    /** The logger bound to this invocation. */
    LambdaLogger getLogger();

    /** The X-Ray trace header of this invocation, or null. */
    default String getXrayTraceId() {
        return null;
    }

    /** The tenant of this invocation, or null. */
    default String getTenantId() {
        return null;
    }
}
