// nubo's copy of aws-lambda-java-core's ClientContext.
package com.amazonaws.services.lambda.runtime;

import java.util.Map;

/** The client context a mobile SDK sent with the invocation. */
public interface ClientContext {
    /** The client application. */
    Client getClient();

    /** Custom values set by the client application. */
    Map<String, String> getCustom();

    /** Environment values sent by the mobile SDK. */
    Map<String, String> getEnvironment();
}
