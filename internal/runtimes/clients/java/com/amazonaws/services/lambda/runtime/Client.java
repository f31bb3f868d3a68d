// nubo's copy of aws-lambda-java-core's Client.
package com.amazonaws.services.lambda.runtime;

/** The client application that invoked the function. */
public interface Client {
    /** The installation id. */
    String getInstallationId();

    /** The application's title. */
    String getAppTitle();

    /** The application's version name. */
    String getAppVersionName();

    /** The application's version code. */
    String getAppVersionCode();

    /** The application's package name. */
    String getAppPackageName();
}
